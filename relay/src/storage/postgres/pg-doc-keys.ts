/**
 * The data keys of the docs a PostgreSQL doc store instance has in use: unwrapped once by the
 * master key and kept by doc id until the doc is released or deleted; a doc's rows are created
 * on its first use (race-free across instances). And the openers of its sealed rows: a record
 * or snapshot that does not open under its doc's key and place is null, never an exception.
 */
import type pg from 'pg'
import type { DocName, UserId } from '@ferry/protocol'
import { docGone, DocStoreError, type LogSeq } from '../doc-store.ts'
import type { MasterKey } from '../keys.ts'
import { docContext, openChunks, openFrames, unpackUpdates } from '../sealed-frames.ts'
import { accountId, ownerOf } from '../usage.ts'
import { transaction } from './database.ts'
import { claimUsage, countDocs } from './pg-doc-usage.ts'

export interface DocKey {
  /** Hex, for messages and associated data. */
  readonly id: string
  /** The same id as the row key. */
  readonly row: Buffer
  readonly dataKey: Buffer
  /**
   * The doc's last sequence number as this instance last saw it (loaded or appended), or null.
   * Only a guess: another instance may have appended since.
   */
  lastSeq: number | null
  /** This instance's last load found the snapshot damaged: compaction keeps it before replacing it. */
  snapshotDamaged: boolean
  /** The account the doc counts against, and its keyed id (the `owner` column). */
  readonly owner: UserId
  readonly ownerRow: Buffer
}

export interface RecordRow {
  readonly seq: string
  readonly record: Buffer
}

export class PgDocKeys {
  readonly #pool: pg.Pool
  readonly #master: MasterKey
  /** Unwrapped data keys of the docs in use, by doc id. */
  readonly #keys = new Map<string, DocKey>()

  constructor(pool: pg.Pool, master: MasterKey) {
    this.#pool = pool
    this.#master = master
  }

  /** The owner's keyed id, as the `owner` column holds it. */
  ownerRow(owner: UserId): Buffer {
    return Buffer.from(accountId(this.#master, owner), 'hex')
  }

  /** The doc's data key, creating the doc's rows on first use; a deleted doc is `docGone`. */
  async get(name: DocName): Promise<DocKey> {
    const id = this.#master.docId(name)
    const cached = this.#keys.get(id)
    if (cached) return cached
    const row = Buffer.from(id, 'hex')
    const owner = this.ownerRow(ownerOf(name))
    const select = 'SELECT data_key, owner IS NULL AS unowned FROM ferry_docs WHERE doc_id = $1'
    let found = (await this.#pool.query<{ data_key: Buffer | null; unowned: boolean }>(select, [row])).rows[0]
    if (!found) {
      const fresh = this.#master.newDataKey(id)
      found = await transaction(this.#pool, async (client) => {
        // Another instance may create (or delete) the doc at the same moment: whichever row
        // commits first wins, and a tombstone gets no snapshot row.
        const created = await client.query('INSERT INTO ferry_docs (doc_id, data_key, owner) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1', [
          row,
          fresh.wrapped,
          owner,
        ])
        // The new doc's overhead; its counter row is locked after the doc's, like every writer's.
        if (created.rowCount === 1) await countDocs(client, owner, 1)
        await client.query(
          `INSERT INTO ferry_doc_snapshots (doc_id) SELECT $1 WHERE EXISTS
           (SELECT 1 FROM ferry_docs WHERE doc_id = $1 AND deleted_at IS NULL) ON CONFLICT DO NOTHING`,
          [row],
        )
        return (await client.query<{ data_key: Buffer | null; unowned: boolean }>(select, [row])).rows[0]
      })
      if (!found) throw new DocStoreError('io', `doc ${id} could not be created`)
    }
    if (found.data_key === null) throw docGone()
    const key = this.remember(id, row, found.data_key, name)
    if (found.unowned) await claimUsage(this.#pool, key.row, key.ownerRow)
    return key
  }

  /** The key of a doc whose wrapped data key was just read (the cached one if there is one). */
  remember(id: string, row: Buffer, wrapped: Buffer, name: DocName): DocKey {
    const cached = this.#keys.get(id)
    if (cached) return cached
    const owner = ownerOf(name)
    const key: DocKey = {
      id,
      row,
      dataKey: this.#master.unwrapDataKey(id, wrapped),
      lastSeq: null,
      snapshotDamaged: false,
      owner,
      ownerRow: this.ownerRow(owner),
    }
    this.#keys.set(id, key)
    return key
  }

  forget(id: string): void {
    this.#keys.delete(id)
  }

  clear(): void {
    this.#keys.clear()
  }
}

/** A record's updates, or null when it is damaged or does not belong there. */
export function openRecord(key: DocKey, row: RecordRow): Uint8Array[] | null {
  const seq = Number(row.seq)
  const { frames, validLength } = openFrames(key.dataKey, docContext(key.id, 'log'), row.record)
  const frame = frames[0]
  if (frames.length !== 1 || validLength !== row.record.length || frame?.counter !== seq) return null
  try {
    return unpackUpdates(frame.plaintext)
  } catch {
    return null
  }
}

/** The snapshot, or null when it is damaged or does not belong there. */
export function openSnapshot(key: DocKey, through: LogSeq, bytes: Buffer): Uint8Array | null {
  return openChunks(key.dataKey, docContext(key.id, 'snapshot', through), bytes)
}
