/**
 * Releases up to 0.4 kept each doc in an IndexedDB database of its own, `ferry:<docName>`,
 * written by y-indexeddb (object store `updates`: one Yjs update per row). Opening an account
 * moves those rows into the account's one database and then deletes the old databases, so data
 * written by an earlier release opens in this one.
 *
 * Order makes it safe at any moment: the rows are written into the account's database in one
 * transaction first, the old database is deleted only after that committed. A page that dies in
 * between moves the same rows again next time — Yjs updates apply idempotently.
 */
import { parseDocName, type DocName, type UserId } from '@ferry/protocol'
import type { AccountStore } from '../account-store.ts'
import { openDatabase, requestToPromise } from '../idb.ts'

/** y-indexeddb's object store of updates. */
const LEGACY_UPDATES = 'updates'
const LEGACY_PREFIX = 'ferry:'

/** The doc a per-doc database of `owner` held, or null for any other database (the account's own, device keys…). */
function legacyDoc(owner: UserId, database: string): DocName | null {
  if (!database.startsWith(`${LEGACY_PREFIX}${owner}:`)) return null
  const parsed = parseDocName(database.slice(LEGACY_PREFIX.length))
  return parsed.ok && parsed.value.owner === owner ? (database.slice(LEGACY_PREFIX.length) as DocName) : null
}

async function readLegacyRows(factory: IDBFactory, database: string): Promise<Uint8Array[]> {
  // Version 1 is what y-indexeddb created; a database registered but never created opens empty.
  const db = await openDatabase(factory, database, 1, () => {})
  try {
    if (!db.objectStoreNames.contains(LEGACY_UPDATES)) return []
    const rows = await requestToPromise(db.transaction(LEGACY_UPDATES, 'readonly').objectStore(LEGACY_UPDATES).getAll())
    return (rows as unknown[]).filter((row): row is Uint8Array => row instanceof Uint8Array)
  } finally {
    db.close()
  }
}

/** A per-doc database that could not be read: it stays where it is, registered, and is tried again on the next open. */
interface Unmoved {
  readonly database: string
  readonly error: Error
}

/**
 * Moves every per-doc database of `owner` through `insert` (one call with all of them) and
 * deletes them once inserted. One the browser cannot read is left as it is — it must not keep
 * the account from opening — and returned. Does nothing (and costs one read) when there are none.
 */
export async function migrateDocDatabases(
  factory: IDBFactory,
  store: AccountStore,
  owner: UserId,
  insert: (rows: ReadonlyMap<DocName, readonly Uint8Array[]>) => Promise<void>,
): Promise<Unmoved[]> {
  const legacy = (await store.databasesOf(owner)).flatMap((database) => {
    const doc = legacyDoc(owner, database)
    return doc ? [{ database, doc }] : []
  })
  const rows = new Map<DocName, Uint8Array[]>()
  const moved: string[] = []
  const unmoved: Unmoved[] = []
  for (const { database, doc } of legacy) {
    try {
      rows.set(doc, await readLegacyRows(factory, database))
      moved.push(database)
    } catch (error) {
      unmoved.push({ database, error: error instanceof Error ? error : new Error(String(error)) })
    }
  }
  if (moved.length === 0) return unmoved
  await insert(rows)
  await store.wipeDatabases(owner, moved)
  return unmoved
}
