/**
 * The per-account usage counters of the PostgreSQL doc store (`ferry_doc_usage`, one row per
 * owner, keyed by a hash of the owner): read, added to in the caller's transaction, and
 * claimed for docs written before usage was counted.
 */
import type pg from 'pg'
import { transaction } from './database.ts'

/** The bytes an owner's docs take (0 when none counted yet). */
export async function readUsage(pool: pg.Pool, ownerRow: Buffer): Promise<number> {
  const { rows } = await pool.query<{ bytes: string }>('SELECT bytes FROM ferry_doc_usage WHERE owner = $1', [ownerRow])
  return Number(rows[0]?.bytes ?? 0)
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
      `INSERT INTO ferry_doc_usage (owner, bytes) VALUES ($1, $2)
       ON CONFLICT (owner) DO UPDATE SET bytes = ferry_doc_usage.bytes + EXCLUDED.bytes`,
      [ownerRow, Number(sizes.rows[0]?.bytes ?? 0)],
    )
  })
}

/** Adds `bytes` (may be negative) to the counter of the doc's owner, in the caller's transaction; the new total, or null for a doc without owner. */
export async function addUsage(client: pg.PoolClient, docRow: Buffer, bytes: number): Promise<number | null> {
  const { rows } = await client.query<{ bytes: string }>(
    'UPDATE ferry_doc_usage SET bytes = bytes + $2 WHERE owner = (SELECT owner FROM ferry_docs WHERE doc_id = $1) RETURNING bytes',
    [docRow, bytes],
  )
  return rows[0] ? Number(rows[0].bytes) : null
}
