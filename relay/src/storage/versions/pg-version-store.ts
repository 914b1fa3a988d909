/**
 * The PostgreSQL `VersionStore`: one row per version in `ferry_doc_versions`, keyed by the doc
 * id and a global sequence (so instances adding versions to one doc at once never clash), the
 * metadata and the state each sealed under the doc's data key (sealed-versions.ts). Its own
 * migration component (`versions`) runs after the document store's. A trigger deletes a doc's
 * versions when the document store turns its row into a tombstone (the data key goes NULL),
 * in that same transaction: the version store follows the doc without the doc store knowing it.
 */
import type pg from 'pg'
import type { DocName } from '@ferry/protocol'
import { MasterKey } from '../keys.ts'
import { migrate, transaction } from '../postgres/database.ts'
import { openEntry, openState, sealEntry, sealState } from './sealed-versions.ts'
import { VersionStoreError, type VersionEntry, type VersionRecord, type VersionState, type VersionStore } from './version-store.ts'

export const VERSION_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE ferry_doc_versions (
    id bigserial PRIMARY KEY,
    doc_id bytea NOT NULL REFERENCES ferry_docs (doc_id),
    meta bytea NOT NULL,
    state bytea NOT NULL
  );
  CREATE INDEX ferry_doc_versions_doc ON ferry_doc_versions (doc_id, id);
  -- Sealed bytes do not compress.
  ALTER TABLE ferry_doc_versions ALTER COLUMN state SET STORAGE EXTERNAL;

  CREATE FUNCTION ferry_doc_versions_follow_tombstone() RETURNS trigger AS $$
  BEGIN
    DELETE FROM ferry_doc_versions WHERE doc_id = NEW.doc_id;
    RETURN NEW;
  END $$ LANGUAGE plpgsql;
  CREATE TRIGGER ferry_doc_versions_follow_tombstone AFTER UPDATE OF data_key ON ferry_docs
    FOR EACH ROW WHEN (NEW.data_key IS NULL) EXECUTE FUNCTION ferry_doc_versions_follow_tombstone();
  `,
]

interface DocKey {
  readonly id: string
  readonly row: Buffer
  readonly key: Buffer
}

export class PgVersionStore implements VersionStore {
  readonly #pool: pg.Pool
  readonly #master: MasterKey

  private constructor(pool: pg.Pool, master: MasterKey) {
    this.#pool = pool
    this.#master = master
  }

  /** Migrates `ferry_doc_versions` (after the document store created `ferry_docs`); the pool stays the caller's. */
  static async open(pool: pg.Pool, masterKey: Buffer): Promise<PgVersionStore> {
    await migrate(pool, 'versions', VERSION_MIGRATIONS)
    return new PgVersionStore(pool, new MasterKey(masterKey))
  }

  add(name: DocName, entry: VersionEntry, state: VersionState): Promise<number> {
    return this.#run('adding a version', async () => {
      const doc = await this.#doc(name)
      if (!doc) throw new VersionStoreError('not_found', 'the document was never written')
      return transaction(this.#pool, async (client) => {
        // The id is sealed into both columns, so it is drawn first.
        const { rows } = await client.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('ferry_doc_versions', 'id')) AS id")
        const id = Number(rows[0]!.id)
        const inserted = await client.query(
          `INSERT INTO ferry_doc_versions (id, doc_id, meta, state)
           SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM ferry_docs WHERE doc_id = $2 AND data_key IS NOT NULL)`,
          [id, doc.row, sealEntry(doc.key, doc.id, id, entry), sealState(doc.key, doc.id, id, state)],
        )
        if (inserted.rowCount === 0) throw new VersionStoreError('gone', 'the document was deleted')
        return id
      })
    })
  }

  list(name: DocName): Promise<VersionRecord[]> {
    return this.#run('listing versions', async () => {
      const doc = await this.#doc(name)
      if (!doc) return []
      const { rows } = await this.#pool.query<{ id: string; meta: Buffer; bytes: number }>(
        'SELECT id, meta, octet_length(state) AS bytes FROM ferry_doc_versions WHERE doc_id = $1 ORDER BY id',
        [doc.row],
      )
      return rows.map((row) => ({ ...openEntry(doc.key, doc.id, Number(row.id), row.meta), id: Number(row.id), bytes: Number(row.bytes) }))
    })
  }

  read(name: DocName, ids: readonly number[]): Promise<VersionState[]> {
    return this.#run('reading versions', async () => {
      const doc = await this.#doc(name)
      if (!doc) throw new VersionStoreError('not_found', 'the document has no versions')
      const { rows } = await this.#pool.query<{ id: string; state: Buffer }>(
        'SELECT id, state FROM ferry_doc_versions WHERE doc_id = $1 AND id = ANY($2::bigint[])',
        [doc.row, ids],
      )
      const byId = new Map(rows.map((row) => [Number(row.id), row.state]))
      return ids.map((id) => {
        const bytes = byId.get(id)
        if (!bytes) throw new VersionStoreError('not_found', `there is no version ${id}`)
        return openState(doc.key, doc.id, id, bytes)
      })
    })
  }

  rename(name: DocName, id: number, label: string | null): Promise<boolean> {
    return this.#run('naming a version', async () => {
      const doc = await this.#doc(name)
      if (!doc) return false
      return transaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ meta: Buffer }>('SELECT meta FROM ferry_doc_versions WHERE doc_id = $1 AND id = $2 FOR UPDATE', [doc.row, id])
        const found = rows[0]
        if (!found) return false
        const entry = { ...openEntry(doc.key, doc.id, id, found.meta), name: label }
        await client.query('UPDATE ferry_doc_versions SET meta = $3 WHERE doc_id = $1 AND id = $2', [doc.row, id, sealEntry(doc.key, doc.id, id, entry)])
        return true
      })
    })
  }

  rewrite(name: DocName, id: number, base: boolean, state: VersionState): Promise<void> {
    return this.#run('rewriting a version', async () => {
      const doc = await this.#doc(name)
      if (!doc) throw new VersionStoreError('not_found', `there is no version ${id}`)
      await transaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ meta: Buffer }>('SELECT meta FROM ferry_doc_versions WHERE doc_id = $1 AND id = $2 FOR UPDATE', [doc.row, id])
        const found = rows[0]
        if (!found) throw new VersionStoreError('not_found', `there is no version ${id}`)
        const entry = { ...openEntry(doc.key, doc.id, id, found.meta), base }
        await client.query('UPDATE ferry_doc_versions SET meta = $3, state = $4 WHERE doc_id = $1 AND id = $2', [
          doc.row,
          id,
          sealEntry(doc.key, doc.id, id, entry),
          sealState(doc.key, doc.id, id, state),
        ])
      })
    })
  }

  remove(name: DocName, ids: readonly number[]): Promise<void> {
    return this.#run('removing versions', async () => {
      const doc = await this.#doc(name)
      if (doc) await this.#pool.query('DELETE FROM ferry_doc_versions WHERE doc_id = $1 AND id = ANY($2::bigint[])', [doc.row, ids])
    })
  }

  size(name: DocName): Promise<number> {
    return this.#run('measuring versions', async () => {
      const row = Buffer.from(this.#master.docId(name), 'hex')
      const { rows } = await this.#pool.query<{ bytes: string | null }>(
        'SELECT sum(octet_length(meta) + octet_length(state)) AS bytes FROM ferry_doc_versions WHERE doc_id = $1',
        [row],
      )
      return Number(rows[0]?.bytes ?? 0)
    })
  }

  /** The doc's row key and data key; null for a doc never written or deleted. */
  async #doc(name: DocName): Promise<DocKey | null> {
    const id = this.#master.docId(name)
    const row = Buffer.from(id, 'hex')
    const { rows } = await this.#pool.query<{ data_key: Buffer | null }>('SELECT data_key FROM ferry_docs WHERE doc_id = $1', [row])
    const wrapped = rows[0]?.data_key
    return wrapped ? { id, row, key: this.#master.unwrapDataKey(id, wrapped) } : null
  }

  async #run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation()
    } catch (cause) {
      if (cause instanceof VersionStoreError) throw cause
      throw new VersionStoreError('io', `${what} failed: ${(cause as Error).message}`, { cause })
    }
  }
}
