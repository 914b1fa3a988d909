/**
 * PostgreSQL's guard against a wrong master key: `ferry_master_key` holds a value derived from
 * the key the docs are sealed with; the first relay to open the database records it, and a relay
 * started with another key is refused before it writes.
 */
import { timingSafeEqual } from 'node:crypto'
import type pg from 'pg'
import { ConfigError } from '../../config.ts'
import type { MasterKey } from '../keys.ts'

/** Refuses a master key other than the one the database's docs are sealed with (the first store to open records it). */
export async function checkMasterKey(pool: pg.Pool, master: MasterKey): Promise<void> {
  const verifier = master.verifier()
  await pool.query('INSERT INTO ferry_master_key (verifier) VALUES ($1) ON CONFLICT DO NOTHING', [verifier])
  const { rows } = await pool.query<{ verifier: Buffer }>('SELECT verifier FROM ferry_master_key')
  const stored = rows[0]?.verifier
  if (!stored || stored.length !== verifier.length || !timingSafeEqual(stored, verifier)) {
    throw new ConfigError(
      'the database holds documents sealed with a different master key: every relay instance must be started with the same FERRY_MASTER_KEY',
    )
  }
}
