/**
 * Appends to a doc of the PostgreSQL doc store: records numbered from the doc's counter row,
 * sealed under its data key, marked with the writing instance (`writer`, see `compact`), and
 * their bytes added to the owner's usage counter in the same statement or transaction.
 */
import type pg from 'pg'
import { docGone, DocStoreError, type LogSeq } from '../doc-store.ts'
import { docContext, packUpdates, sealFrame } from '../sealed-frames.ts'
import { transaction } from './database.ts'
import type { DocKey } from './pg-doc-keys.ts'
import { addUsage, usedOfRow } from './pg-doc-usage.ts'

/** The doc's last sequence number after the append, and the owner's new total (null: not counted). */
interface Appended {
  readonly seq: LogSeq
  readonly used: number | null
}

/**
 * The common case in one round trip: when this instance knows the doc's last sequence number,
 * the record is sealed for the next one up front, and one statement counts and inserts it —
 * only if the counter still holds the expected number (its row lock orders the commit as in
 * `appendLocked`) — and adds the record's bytes to the owner's counter, answering its new
 * total. Null when another instance appended meanwhile or the doc was deleted: nothing was
 * written, and the locked path takes over.
 */
export async function appendAt(pool: pg.Pool, writer: string, key: DocKey, seq: LogSeq, updates: readonly Uint8Array[]): Promise<Appended | null> {
  const record = sealFrame(key.dataKey, docContext(key.id, 'log'), 0, seq, packUpdates(updates))
  const { rows } = await pool.query<{ bytes: string | null; docs: string | null }>(
    `WITH next AS (UPDATE ferry_docs SET seq = seq + 1 WHERE doc_id = $1 AND seq = $2 - 1 AND deleted_at IS NULL RETURNING seq, owner),
     stored AS (INSERT INTO ferry_doc_records (doc_id, seq, record, writer) SELECT $1, seq, $3, $4 FROM next),
     used AS (UPDATE ferry_doc_usage u SET bytes = u.bytes + $5 FROM next WHERE u.owner = next.owner RETURNING u.bytes, u.docs)
     SELECT (SELECT bytes FROM used) AS bytes, (SELECT docs FROM used) AS docs FROM next`,
    [key.row, seq, record, writer, record.length],
  )
  const found = rows[0]
  if (!found) return null
  return { seq, used: found.bytes === null || found.docs === null ? null : usedOfRow({ bytes: found.bytes, docs: found.docs }) }
}

/**
 * Appends `records` (one or more, numbered consecutively) in one transaction and adds their
 * bytes to the owner's counter; resolves with the last number and the owner's new total.
 */
export function appendLocked(pool: pg.Pool, writer: string, key: DocKey, records: readonly (readonly Uint8Array[])[]): Promise<Appended> {
  // The counter row stays locked until COMMIT, so appends to one doc from every instance
  // commit in sequence order: once record n is visible, so is every record before it.
  return transaction(pool, async (client) => {
    const { rows } = await client.query<{ seq: string; gone: boolean }>(
      'UPDATE ferry_docs SET seq = seq + $2 WHERE doc_id = $1 RETURNING seq, deleted_at IS NOT NULL AS gone',
      [key.row, records.length],
    )
    if (!rows[0]) throw new DocStoreError('corrupt', `doc ${key.id} lost its counter row`)
    // Deleted while this instance still had the key: the rollback undoes the count.
    if (rows[0].gone) throw docGone()
    const last = Number(rows[0].seq)
    let bytes = 0
    for (const [i, updates] of records.entries()) {
      const seq = last - records.length + 1 + i
      const record = sealFrame(key.dataKey, docContext(key.id, 'log'), 0, seq, packUpdates(updates))
      bytes += record.length
      await client.query('INSERT INTO ferry_doc_records (doc_id, seq, record, writer) VALUES ($1, $2, $3, $4)', [
        key.row,
        seq,
        record,
        writer,
      ])
    }
    return { seq: last, used: await addUsage(client, key.row, bytes) }
  })
}
