/**
 * The per-account usage counters of the PostgreSQL doc store (`ferry_doc_usage`, one row per
 * owner, keyed by a hash of the owner: the bytes of its docs, and how many docs and tombstones
 * it holds, each costing `DOC_OVERHEAD_BYTES`): read, added to in the caller's transaction, and
 * claimed for docs written before usage was counted.
 */
import type pg from 'pg'
import { usedOf } from '../usage.ts'
import { transaction } from './database.ts'

/** A counter row as read. */
export interface UsageRow {
  readonly bytes: string
  readonly docs: string
}

/** The used bytes a counter row stands for. */
export const usedOfRow = (row: UsageRow): number => usedOf(Number(row.bytes), Number(row.docs))

/** The bytes an owner's docs take, overhead included (0 when none counted yet). */
export async function readUsage(pool: pg.Pool, ownerRow: Buffer): Promise<number> {
  const { rows } = await pool.query<UsageRow>('SELECT bytes, docs FROM ferry_doc_usage WHERE owner = $1', [ownerRow])
  return rows[0] ? usedOfRow(rows[0]) : 0
}

/** Counts `docs` more docs or tombstones against the owner, in the caller's transaction; the new total. */
export async function countDocs(client: pg.PoolClient, ownerRow: Buffer, docs: number): Promise<number> {
  const { rows } = await client.query<UsageRow>(
    `INSERT INTO ferry_doc_usage (owner, docs) VALUES ($1, $2)
     ON CONFLICT (owner) DO UPDATE SET docs = ferry_doc_usage.docs + EXCLUDED.docs RETURNING bytes, docs`,
    [ownerRow, docs],
  )
  return usedOfRow(rows[0]!)
}

/**
 * Counts a doc written before usage was counted against its owner: sets its `owner` and adds
 * its bytes to the owner's counter, once (whichever instance locks the row first).
 */
export async function claimUsage(pool: pg.Pool, docRow: Buffer, ownerRow: Buffer): Promise<void> {
  await transaction(pool, async (client) => {
    const { rows } = await client.query<{ unowned: boolean }>(
      'SELECT owner IS NULL AND deleted_at IS NULL AS unowned FROM ferry_docs WHERE doc_id = $1 FOR UPDATE',
      [docRow],
    )
    if (!rows[0]?.unowned) return
    await client.query('SELECT 1 FROM ferry_doc_snapshots WHERE doc_id = $1 FOR UPDATE', [docRow])
    const sizes = await client.query<{ bytes: string }>(
      `SELECT coalesce((SELECT sum(octet_length(record)) FROM ferry_doc_records WHERE doc_id = $1), 0)
            + coalesce((SELECT octet_length(snapshot) FROM ferry_doc_snapshots WHERE doc_id = $1), 0) AS bytes`,
      [docRow],
    )
    await client.query('UPDATE ferry_docs SET owner = $2 WHERE doc_id = $1', [docRow, ownerRow])
    await client.query(
      `INSERT INTO ferry_doc_usage (owner, bytes, docs) VALUES ($1, $2, 1)
       ON CONFLICT (owner) DO UPDATE SET bytes = ferry_doc_usage.bytes + EXCLUDED.bytes, docs = ferry_doc_usage.docs + 1`,
      [ownerRow, Number(sizes.rows[0]?.bytes ?? 0)],
    )
  })
}

/** Adds `bytes` (may be negative) to the counter of the doc's owner, in the caller's transaction; the new total (overhead included), or null for a doc without owner. */
export async function addUsage(client: pg.PoolClient, docRow: Buffer, bytes: number): Promise<number | null> {
  const { rows } = await client.query<UsageRow>(
    'UPDATE ferry_doc_usage SET bytes = bytes + $2 WHERE owner = (SELECT owner FROM ferry_docs WHERE doc_id = $1) RETURNING bytes, docs',
    [docRow, bytes],
  )
  return rows[0] ? usedOfRow(rows[0]) : null
}
