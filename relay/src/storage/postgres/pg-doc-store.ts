/**
 * The scaled-out `DocStore`: documents in PostgreSQL, shared by every relay instance (tables
 * in `pg-doc-migrations.ts`). At rest it is sealed like the files store: rows are keyed by the
 * doc id (keyed hash of the name), each doc has a data key wrapped by the master key, and each
 * record and snapshot is an AES-256-GCM frame whose associated data names its doc and place
 * (record: sequence number; snapshot: the last record it covers), so rows moved between docs
 * or positions fail to open. The key cache and the openers are `pg-doc-keys.ts`, appends
 * `pg-doc-append.ts`.
 *
 * Several instances may write one doc at once (each has a room for it; they exchange updates
 * over the broadcast). Appends number records from a per-doc counter row; compaction merges
 * what the compacting room may not have seen (see `compact`). Deleting a doc turns its counter
 * row into a tombstone (see `delete`).
 *
 * Usage per account (quota): each doc row names its owner (a keyed hash of the user id), and
 * `ferry_doc_usage` holds one counter per owner, changed in the same statement or transaction
 * as every append (+ the sealed record bytes; the common append stays one round trip and
 * returns the new total), compaction (− what it drops, + the new snapshot) and delete (− the
 * doc's bytes), and how many docs and tombstones the owner holds (+1 when a doc is created or a
 * doc never written is deleted; each costs `DOC_OVERHEAD_BYTES`). Docs from before the counter
 * are counted when a relay first touches them.
 *
 * A row that does not open (damaged, or moved from another doc or place) is skipped by loads,
 * reported (`DamageRegister`: log line, `/healthz`) and never deleted: a compaction moves it to
 * `ferry_doc_damaged` instead, and never replaces a snapshot it could not open without keeping
 * it there first.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { DocName, UserId } from '@ferry/protocol'
import { ConfigError } from '../../config.ts'
import {
  DamageRegister,
  docGone,
  DocStoreError,
  type AccountUsage,
  type DamageListener,
  type DocDamage,
  type DocStore,
  type LogSeq,
  type StoredDoc,
  type UsageOptions,
} from '../doc-store.ts'
import { ownerOf, UsageCache } from '../usage.ts'
import { MasterKey } from '../keys.ts'
import { RECORD_BYTES, splitRecords, type RecordOptions } from '../records.ts'
import { docContext, sealChunks } from '../sealed-frames.ts'
import { migrate, transaction } from './database.ts'
import { mergeYjsUpdates } from '../yjs-updates.ts'
import { DOC_MIGRATIONS } from './pg-doc-migrations.ts'
import { appendAt, appendLocked } from './pg-doc-append.ts'
import { openRecord, openSnapshot, PgDocKeys, type DocKey, type RecordRow } from './pg-doc-keys.ts'
import { addUsage, claimUsage, countDocs, readUsage } from './pg-doc-usage.ts'
import { checkMasterKey } from './pg-master-key.ts'
import { ServingGate } from './serving-gate.ts'

export interface PgDocStoreOptions extends RecordOptions, UsageOptions {
  /** Hears each damaged record or snapshot when this instance first finds it (the relay logs it). */
  readonly onDamage?: DamageListener
}

/** At most this many set-aside rows are listed on `/healthz`. */
const DAMAGE_LISTED = 100

/**
 * A doc's counter row, snapshot and the records after it, in one statement: records as two
 * arrays in sequence order (null when there is none); no row at all for a doc never written.
 */
const LOAD_DOC = `
  SELECT d.data_key, d.seq, d.owner IS NULL AS unowned, s.through, s.snapshot, r.seqs, r.records
  FROM ferry_docs d
  LEFT JOIN ferry_doc_snapshots s ON s.doc_id = d.doc_id
  LEFT JOIN LATERAL (
    SELECT array_agg(seq ORDER BY seq) AS seqs, array_agg(record ORDER BY seq) AS records
    FROM ferry_doc_records WHERE doc_id = d.doc_id AND seq > coalesce(s.through, 0)
  ) r ON true
  WHERE d.doc_id = $1`

interface LoadRow {
  readonly data_key: Buffer | null
  readonly seq: string
  readonly unowned: boolean
  readonly through: string | null
  readonly snapshot: Buffer | null
  readonly seqs: string[] | null
  readonly records: Buffer[] | null
}

export class PgDocStore implements DocStore {
  readonly #pool: pg.Pool
  readonly #master: MasterKey
  /** Marks this instance's rows: a compaction skips the merge only over rows it wrote itself. */
  readonly #writer = randomUUID()
  /** Data keys of the docs in use; dropped on `release`. */
  readonly #keys: PgDocKeys
  readonly #gate = new ServingGate(() => new DocStoreError('closed', 'the document store is closed'))
  readonly #recordBytes: number
  readonly #damage: DamageRegister
  readonly #quota: PgDocStoreOptions['quota']
  readonly #used = new UsageCache()

  private constructor(pool: pg.Pool, master: MasterKey, options: PgDocStoreOptions) {
    this.#pool = pool
    this.#master = master
    this.#keys = new PgDocKeys(pool, master)
    this.#recordBytes = options.recordBytes ?? RECORD_BYTES
    this.#damage = new DamageRegister(options.onDamage)
    this.#quota = options.quota
  }

  /** Migrates the `docs` tables and checks the master key; the pool stays the caller's to end. */
  static async open(pool: pg.Pool, masterKey: Buffer, options: PgDocStoreOptions = {}): Promise<PgDocStore> {
    const master = new MasterKey(masterKey)
    try {
      await migrate(pool, 'docs', DOC_MIGRATIONS)
      await checkMasterKey(pool, master)
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause
      throw new DocStoreError('io', `cannot open the document store: ${(cause as Error).message}`, { cause })
    }
    return new PgDocStore(pool, master, options)
  }

  /** What this instance found damaged, and every row any instance set aside (the newest first). */
  async damaged(): Promise<readonly DocDamage[]> {
    const found = new Map(this.#damage.list().map((d) => [`${d.doc} ${d.what}`, d]))
    try {
      const { rows } = await this.#pool.query<{ doc: string; kind: string; seq: string; found_at: Date }>(
        `SELECT encode(doc_id, 'hex') AS doc, kind, seq, found_at FROM ferry_doc_damaged ORDER BY id DESC LIMIT ${DAMAGE_LISTED}`,
      )
      for (const row of rows) {
        const what = row.kind === 'record' ? `record ${row.seq}` : `snapshot through ${row.seq}`
        found.set(`${row.doc} ${what}`, { doc: row.doc, what, kept: 'ferry_doc_damaged', since: row.found_at.toISOString() })
      }
    } catch {
      // The database is down: /healthz says so under `storage`; list what this instance knows.
    }
    return [...found.values()]
  }

  usage(owner: UserId): Promise<AccountUsage> {
    return this.#run('reading usage', async () => {
      const [used, limit] = await Promise.all([
        readUsage(this.#pool, this.#keys.ownerRow(owner)),
        this.#quota?.(owner) ?? null,
      ])
      this.#used.set(owner, used)
      return { used, limit }
    })
  }

  usedBytes(owner: UserId): number | null {
    return this.#used.get(owner)
  }

  ping(): Promise<void> {
    return this.#run('ping', async () => {
      await this.#pool.query('SELECT 1 FROM ferry_docs LIMIT 1')
    })
  }

  load(name: DocName): Promise<StoredDoc> {
    return this.#run('loading a doc', async () => {
      const id = this.#master.docId(name)
      const row = Buffer.from(id, 'hex')
      // One statement, so one round trip and one snapshot of the database: the counter,
      // snapshot and records agree with each other (no transaction needed).
      const { rows: found } = await this.#pool.query<LoadRow>(LOAD_DOC, [row])
      const rows = found[0]
      if (!rows) return { snapshot: null, updates: [], seq: 0 }
      if (rows.data_key === null) throw docGone()
      const key = this.#keys.remember(id, row, rows.data_key, name)
      if (rows.unowned) await claimUsage(this.#pool, key.row, key.ownerRow)
      key.lastSeq = Number(rows.seq)
      // What does not open is left out, loudly, and kept (see `compact`); the rest is served.
      const through = Number(rows.through ?? 0)
      const snapshot = rows.snapshot && openSnapshot(key, through, rows.snapshot)
      key.snapshotDamaged = snapshot === null && rows.snapshot !== null
      if (key.snapshotDamaged) this.#damage.report({ doc: id, what: `snapshot through ${through}`, kept: 'ferry_doc_snapshots' }, name)
      const updates: Uint8Array[] = []
      for (const [i, seq] of (rows.seqs ?? []).entries()) {
        const record = { seq, record: rows.records![i]! }
        const opened = openRecord(key, record)
        if (opened) updates.push(...opened)
        else this.#damage.report({ doc: id, what: `record ${seq}`, kept: 'ferry_doc_records' }, name)
      }
      return { snapshot, updates, seq: Number(rows.seq) }
    })
  }

  append(name: DocName, updates: readonly Uint8Array[]): Promise<LogSeq> {
    return this.#run('append', async () => {
      // Refuses an update too large to read back before anything is written.
      const records = splitRecords(updates, this.#recordBytes)
      const key = await this.#keys.get(name)
      const only = records.length === 1 ? records[0] : undefined
      const { seq, used } =
        (only && key.lastSeq !== null ? await appendAt(this.#pool, this.#writer, key, key.lastSeq + 1, only) : null) ??
        (await appendLocked(this.#pool, this.#writer, key, records))
      key.lastSeq = seq
      if (used !== null) this.#used.set(key.owner, used)
      return seq
    })
  }

  /**
   * With several instances, the caller's snapshot may lack records ≤ `through`: another
   * instance's record gets a lower sequence number than ours, but its broadcast may not have
   * reached our room yet. Dropping those records would lose them. So unless every row involved
   * (records ≤ `through` and the stored snapshot) was written by this instance — whose room
   * holds all of it — the new snapshot is the union of the stored snapshot, those records and
   * the caller's snapshot, built in one `Y.Doc` (applying content twice is a no-op). A merged
   * snapshot counts as foreign, since the room that wrote it may lack what was merged in.
   * The exception keeps a doc served by one instance free of decoding (bytes in, bytes out).
   *
   * It locks the snapshot row, not the counter row, so appends go on meanwhile; they only add
   * records above `through`, which stay. Compactions of one doc queue on that lock, and one
   * that comes late never moves `through` backwards: the stored snapshot already covers it.
   */
  compact(name: DocName, snapshot: Uint8Array, through: LogSeq): Promise<void> {
    return this.#run('compaction', async () => {
      const key = await this.#keys.get(name)
      const used = await transaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ through: string; writer: string | null; empty: boolean; bytes: number }>(
          'SELECT through, writer, snapshot IS NULL AS empty, coalesce(octet_length(snapshot), 0) AS bytes FROM ferry_doc_snapshots WHERE doc_id = $1 FOR UPDATE',
          [key.row],
        )
        const stored = rows[0]
        if (!stored) throw (await this.#deleted(client, key.row)) ? docGone() : new DocStoreError('corrupt', `doc ${key.id} lost its snapshot row`)
        if (Number(stored.through) > through) return null
        const foreign = await client.query<{ found: boolean }>(
          'SELECT EXISTS (SELECT 1 FROM ferry_doc_records WHERE doc_id = $1 AND seq <= $2 AND writer <> $3) AS found',
          [key.row, through, this.#writer],
        )
        const records = await client.query<RecordRow>(
          'SELECT seq, record FROM ferry_doc_records WHERE doc_id = $1 AND seq <= $2 ORDER BY seq',
          [key.row, through],
        )
        // Every record about to be dropped is opened first: one that does not open is kept aside.
        const opened: Uint8Array[] = []
        for (const record of records.rows) {
          const updates = openRecord(key, record)
          if (updates) opened.push(...updates)
          else await this.#setAside(client, key, 'record', Number(record.seq), record.record, `record ${record.seq}`)
        }
        const mine = !foreign.rows[0]?.found && (stored.empty || stored.writer === this.#writer) && !key.snapshotDamaged
        const result = mine ? snapshot : await this.#merge(client, key, Number(stored.through), snapshot, opened)
        const sealed = Buffer.concat(sealChunks(key.dataKey, docContext(key.id, 'snapshot', through), result))
        await client.query('UPDATE ferry_doc_snapshots SET through = $2, snapshot = $3, writer = $4 WHERE doc_id = $1', [
          key.row,
          through,
          sealed,
          mine ? this.#writer : null,
        ])
        await client.query('DELETE FROM ferry_doc_records WHERE doc_id = $1 AND seq <= $2', [key.row, through])
        // The doc's part of the counter: the records dropped and the old snapshot give way to the new one.
        let dropped = Number(stored.bytes)
        for (const record of records.rows) dropped += record.record.length
        return addUsage(client, key.row, sealed.length - dropped)
      })
      if (used !== null) this.#used.set(key.owner, used)
      key.snapshotDamaged = false
    })
  }

  /** Copies a row that did not open to `ferry_doc_damaged` (in the caller's transaction) and reports it. */
  async #setAside(client: pg.PoolClient, key: DocKey, kind: 'record' | 'snapshot', seq: LogSeq, bytes: Buffer, what: string): Promise<void> {
    await client.query('INSERT INTO ferry_doc_damaged (doc_id, kind, seq, bytes) VALUES ($1, $2, $3, $4)', [key.row, kind, seq, bytes])
    this.#damage.report({ doc: key.id, what, kept: 'ferry_doc_damaged' })
  }

  /**
   * One transaction: the counter row becomes the tombstone first — taking its lock, so
   * appends in flight commit before and are deleted with the rest, and later ones see the
   * tombstone — then records and snapshot go. A compaction holding the snapshot row commits
   * first, and its snapshot is deleted too. Creating the doc on another instance meets the
   * tombstone on the primary key.
   */
  delete(name: DocName): Promise<void> {
    return this.#run('deleting a doc', () => this.#delete(this.#master.docId(name), ownerOf(name)))
  }

  /** Deletes, one transaction each as `delete` does, every live doc counted against the owner. */
  deleteOwnedBy(owner: UserId): Promise<number> {
    return this.#run('deleting an account\'s docs', async () => {
      const { rows } = await this.#pool.query<{ id: string }>(
        "SELECT encode(doc_id, 'hex') AS id FROM ferry_docs WHERE owner = $1 AND deleted_at IS NULL",
        [this.#keys.ownerRow(owner)],
      )
      for (const { id } of rows) await this.#delete(id, owner)
      return rows.length
    })
  }

  async #delete(id: string, owner: UserId): Promise<void> {
    const row = Buffer.from(id, 'hex')
    const ownerRow = this.#keys.ownerRow(owner)
    this.#keys.forget(id)
    this.#damage.forget(id)
    await transaction(this.#pool, async (client) => {
      // A doc never written: its tombstone is all there is, and counts as a doc.
      const fresh = await client.query(
        'INSERT INTO ferry_docs (doc_id, data_key, deleted_at, owner) VALUES ($1, NULL, now(), $2) ON CONFLICT DO NOTHING RETURNING 1',
        [row, ownerRow],
      )
      if (fresh.rowCount === 1) {
        this.#used.set(owner, await countDocs(client, ownerRow, 1))
        return
      }
      const { rows: before } = await client.query<{ unowned: boolean }>(
        'SELECT owner IS NULL AS unowned FROM ferry_docs WHERE doc_id = $1 FOR UPDATE',
        [row],
      )
      await client.query(
        'UPDATE ferry_docs SET data_key = NULL, deleted_at = coalesce(deleted_at, now()), owner = coalesce(owner, $2) WHERE doc_id = $1',
        [row, ownerRow],
      )
      // Locks the snapshot row (after the counter row, like every writer) so no compaction
      // changes the doc's bytes between measuring and subtracting them.
      await client.query('SELECT 1 FROM ferry_doc_snapshots WHERE doc_id = $1 FOR UPDATE', [row])
      const { rows } = await client.query<{ bytes: string }>(
        `SELECT coalesce((SELECT sum(octet_length(record)) FROM ferry_doc_records WHERE doc_id = $1), 0)
              + coalesce((SELECT octet_length(snapshot) FROM ferry_doc_snapshots WHERE doc_id = $1), 0) AS bytes`,
        [row],
      )
      // A doc from before usage was counted, never touched since: its bytes were never added, its tombstone is.
      const used = before[0]?.unowned ? await countDocs(client, ownerRow, 1) : await addUsage(client, row, -Number(rows[0]?.bytes ?? 0))
      if (used !== null) this.#used.set(owner, used)
      await client.query('DELETE FROM ferry_doc_records WHERE doc_id = $1', [row])
      await client.query('DELETE FROM ferry_doc_snapshots WHERE doc_id = $1', [row])
      await client.query('DELETE FROM ferry_doc_damaged WHERE doc_id = $1', [row])
    })
  }

  async release(name: DocName): Promise<void> {
    this.#keys.forget(this.#master.docId(name))
  }

  /** Stops serving and waits for the operations already running; the pool stays open. */
  async close(): Promise<void> {
    await this.#gate.close()
    this.#keys.clear()
  }

  /**
   * The stored snapshot, `records` (the updates of the records ≤ `through` that opened) and
   * `snapshot`, as one update. A stored snapshot that does not open is kept aside first.
   */
  async #merge(client: pg.PoolClient, key: DocKey, storedThrough: LogSeq, snapshot: Uint8Array, records: Uint8Array[]): Promise<Uint8Array> {
    const stored = await client.query<{ snapshot: Buffer | null }>(
      'SELECT snapshot FROM ferry_doc_snapshots WHERE doc_id = $1',
      [key.row],
    )
    const storedBytes = stored.rows[0]?.snapshot
    const updates = [snapshot, ...records]
    if (storedBytes) {
      const opened = openSnapshot(key, storedThrough, storedBytes)
      if (opened) updates.push(opened)
      else await this.#setAside(client, key, 'snapshot', storedThrough, storedBytes, `snapshot through ${storedThrough}`)
    }
    try {
      return mergeYjsUpdates(updates)
    } catch (cause) {
      throw new DocStoreError('corrupt', `doc ${key.id}: a record or snapshot is not a Yjs update`, { cause })
    }
  }

  async #deleted(client: pg.PoolClient, row: Buffer): Promise<boolean> {
    const { rows } = await client.query<{ gone: boolean }>('SELECT deleted_at IS NOT NULL AS gone FROM ferry_docs WHERE doc_id = $1', [row])
    return rows[0]?.gone ?? false
  }

  /** Runs one operation through the gate (refused once closed; `close` waits for it), database errors as `io`. */
  #run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return this.#gate.run(() =>
      operation().catch((cause: unknown) => {
        if (cause instanceof DocStoreError) throw cause
        throw new DocStoreError('io', `${what} failed: ${(cause as Error).message}`, { cause })
      }),
    )
  }
}
