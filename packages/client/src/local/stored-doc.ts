/**
 * The rows of the account's database (local/account-docs.ts) as the docs layer sees them: what
 * a read makes of one doc's records, and what a fold replaces with one row. Records without
 * bytes (another program's, a damaged one) are counted and left where they are.
 */
import type { DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { mergeReadable } from './merge-rows.ts'

/** One stored Yjs update of one doc. */
export interface Row {
  readonly doc: DocName
  readonly update: Uint8Array
  /** Came from elsewhere while the doc was not loaded: not seen by its schema view yet (local/lazy-doc.ts). */
  readonly unseen?: true
}

/** What is stored of one doc. */
export interface StoredDoc {
  /** Rows its schema view has seen (or that were made here). */
  readonly rows: Uint8Array[]
  /** Rows from elsewhere that arrived while it was not loaded, oldest first. */
  readonly unseen: Uint8Array[]
  /** Rows that hold no bytes (another program's, a damaged record): left where they are, out of the doc. */
  readonly damaged: number
  /** Deleted for good: it reads empty and keeps nothing written to it. */
  readonly deleted: boolean
}

export const DELETED: StoredDoc = { rows: [], unseen: [], damaged: 0, deleted: true }

/** The records of one doc read from the whole database: each with its key (when keys were read), in key order. */
export interface StoredRecords {
  readonly keys: IDBValidKey[]
  readonly records: unknown[]
}

/**
 * Records read from the whole database (`keys`: theirs, when read too), grouped by doc; one
 * without a doc name is another program's and nobody's.
 */
export function recordsByDoc(records: readonly unknown[], keys: readonly IDBValidKey[] = []): Map<DocName, StoredRecords> {
  const docs = new Map<DocName, StoredRecords>()
  records.forEach((record, i) => {
    const name = (record as Partial<Row> | null)?.doc
    if (typeof name !== 'string') return
    let stored = docs.get(name)
    if (!stored) docs.set(name, (stored = { keys: [], records: [] }))
    stored.records.push(record)
    if (i < keys.length) stored.keys.push(keys[i]!)
  })
  return docs
}

/** One doc's records, as read. */
export function storedDoc(records: readonly unknown[]): StoredDoc {
  const doc = { rows: [] as Uint8Array[], unseen: [] as Uint8Array[], damaged: 0, deleted: false }
  for (const record of records as (Partial<Row> | null)[]) {
    if (!(record?.update instanceof Uint8Array)) doc.damaged++
    else (record.unseen ? doc.unseen : doc.rows).push(record.update)
  }
  return doc
}

/** Whether a doc whose snapshot is `seen` holds all of `update`; false for one that does not decode (it is left as it is). */
function holds(seen: Y.Snapshot, update: Uint8Array): boolean {
  try {
    return Y.snapshotContainsUpdate(seen, update)
  } catch {
    return false
  }
}

/**
 * What folding one doc's `records` (stored under `keys`) into `current`, the state of the doc
 * whose snapshot is `seen`, does: the keys to delete and the one row that replaces them; null
 * when there is nothing to fold. The new row counts as seen, so an unseen record the doc does not
 * hold yet (another tab stored it, this one has not heard of it) is not folded: the view sees it
 * arrive, and records what it beat, when the doc is next loaded. A damaged record stays aside.
 */
export function fold(records: readonly unknown[], keys: readonly IDBValidKey[], current: Uint8Array, seen: Y.Snapshot): { remove: IDBValidKey[]; update: Uint8Array } | null {
  const folding = (records as (Partial<Row> | null)[]).flatMap((record, i) =>
    record?.update instanceof Uint8Array && (!record.unseen || holds(seen, record.update)) ? [{ key: keys[i]!, record }] : [],
  )
  // One seen row is folded already; one unseen row still has to be marked seen.
  if (folding.length === 0 || (folding.length === 1 && !folding[0]!.record.unseen)) return null
  const { merged, unreadable } = mergeReadable([current, ...folding.map(({ record }) => record.update)])
  const damaged = new Set(unreadable.map((position) => position - 1))
  return { remove: folding.filter((_, i) => !damaged.has(i)).map(({ key }) => key), update: merged }
}
