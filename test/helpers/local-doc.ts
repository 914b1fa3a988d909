/**
 * One stored doc opened on its own (outside a `Workspace`): the account's database, then the
 * doc in it. `close()` writes what is queued, destroys the doc and closes the database.
 */
import { parseDocName, type DocName, type UserId } from '@ferry/protocol'
import type { AccountStore } from '../../packages/client/src/account-store.ts'
import { LocalDoc } from '../../packages/client/src/local-doc.ts'
import { openDatabase, requestToPromise } from '../../packages/client/src/idb.ts'
import { AccountDocs, accountDocsDatabase } from '../../packages/client/src/local/account-docs.ts'

export interface OpenedDoc {
  readonly local: LocalDoc
  close(): Promise<void>
}

export async function openLocalDoc(indexedDB: IDBFactory, store: AccountStore, name: DocName): Promise<OpenedDoc> {
  const parsed = parseDocName(name)
  if (!parsed.ok) throw new Error(parsed.error.message)
  const docs = await AccountDocs.open(indexedDB, store, parsed.value.owner)
  const local = await LocalDoc.open(docs, name)
  return {
    local,
    close: async () => {
      await local.destroy()
      await docs.flushed()
      docs.close()
    },
  }
}

/** Every row stored for `owner` on this browser, per doc (read outside any timing). */
export async function storedRows(indexedDB: IDBFactory, store: AccountStore, owner: UserId): Promise<Map<DocName, Uint8Array[]>> {
  const docs = await AccountDocs.open(indexedDB, store, owner)
  try {
    return await docs.dump()
  } finally {
    docs.close()
  }
}

/** Docs of `owner` with rows on this browser, sorted; read as a test inspects, registering and creating nothing. */
export async function storedDocNames(indexedDB: IDBFactory, owner: string): Promise<string[]> {
  const name = accountDocsDatabase(owner as UserId)
  if (!(await indexedDB.databases()).some((d) => d.name === name)) return []
  const db = await openDatabase(indexedDB, name, 1, () => {})
  try {
    const rows = (await requestToPromise(db.transaction('updates', 'readonly').objectStore('updates').getAll())) as { doc: string }[]
    return [...new Set(rows.map((row) => row.doc))].sort()
  } finally {
    db.close()
  }
}
