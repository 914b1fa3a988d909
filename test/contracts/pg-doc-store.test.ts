import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import type { DocDamage } from '../../relay/src/storage/doc-store.ts'
import { MasterKey } from '../../relay/src/storage/keys.ts'
import { openPool } from '../../relay/src/storage/postgres/database.ts'
import { DOC_MIGRATIONS } from '../../relay/src/storage/postgres/pg-doc-migrations.ts'
import { PgDocStore, type PgDocStoreOptions } from '../../relay/src/storage/postgres/pg-doc-store.ts'
import { DOC_OVERHEAD_BYTES } from '../../relay/src/storage/usage.ts'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { docStoreContract } from './doc-store.contract.ts'

const ignoreIdleErrors = (): void => undefined

describe.skipIf(skipPostgres)('PgDocStore', () => {
  docStoreContract('postgres', async () => {
    const schema = await createTestSchema()
    const masterKey = randomBytes(32)
    const pools: pg.Pool[] = []
    return {
      // A fresh pool per open, like a relay restart.
      async open(options) {
        const pool = openPool(schema.url, ignoreIdleErrors)
        pools.push(pool)
        return PgDocStore.open(pool, masterKey, options)
      },
      async cleanup() {
        await Promise.all(pools.map((pool) => pool.end()))
        await schema.drop()
      },
    }
  }, { shared: true })
})

interface Room {
  /** Makes an edit in the room's doc; returns its update. */
  set(key: string, value: string): Uint8Array
  /** The room's whole doc, as a relay compacts it. */
  state(): Uint8Array
}

/** One relay instance's room for a doc (rooms here never hear each other's broadcasts). */
function room(): Room {
  const doc = new Y.Doc()
  return {
    set(key, value) {
      const before = Y.encodeStateVector(doc)
      doc.getMap('m').set(key, value)
      return Y.encodeStateAsUpdate(doc, before)
    },
    state: () => Y.encodeStateAsUpdate(doc),
  }
}

/** Appends one edit, then compacts the room's doc through it (what a `DocWriter` does). */
async function editAndCompact(store: PgDocStore, name: DocName, r: Room, key: string, value: string): Promise<void> {
  const seq = await store.append(name, [r.set(key, value)])
  await store.compact(name, r.state(), seq)
}

describe.skipIf(skipPostgres)('PgDocStore with several relay instances', () => {
  const masterKey = randomBytes(32)
  const a = docName('alice', 'workspace')
  const b = docName('alice', 'collection', 'c1')
  let schema: TestSchema
  let pools: pg.Pool[]
  let stores: PgDocStore[]
  let admin: pg.Pool

  /** A store on a pool of its own: one more relay instance on the same database. */
  async function instance(key: Buffer = masterKey, options: PgDocStoreOptions = {}): Promise<PgDocStore> {
    const pool = openPool(schema.url, ignoreIdleErrors)
    pools.push(pool)
    const store = await PgDocStore.open(pool, key, options)
    stores.push(store)
    return store
  }

  /** Direct SQL on the database, as someone with access to it (not through a store). */
  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await admin.query<R>(text, values)).rows
  }

  /** The doc's content as a fresh instance loads it. */
  async function contentOf(name: DocName): Promise<Record<string, unknown>> {
    const loaded = await (await instance()).load(name)
    const doc = new Y.Doc()
    if (loaded.snapshot) Y.applyUpdate(doc, loaded.snapshot)
    for (const update of loaded.updates) Y.applyUpdate(doc, update)
    return doc.getMap('m').toJSON()
  }

  beforeEach(async () => {
    schema = await createTestSchema()
    admin = openPool(schema.url, ignoreIdleErrors)
    pools = [admin]
    stores = []
  })
  afterEach(async () => {
    for (const store of stores) await store.close()
    await Promise.all(pools.map((pool) => pool.end()))
    await schema.drop()
  })

  it('counts the overhead of the docs and tombstones stored before it was counted, when it migrates', async () => {
    const alice = 'alice' as UserId
    const first = await instance()
    await first.append(a, [new Uint8Array(100)])
    await first.append(b, [new Uint8Array(200)])
    await first.delete(b)
    const bytes = Number((await sql<{ bytes: string }>('SELECT bytes FROM ferry_doc_usage'))[0]!.bytes)
    // The schema and counter as the previous version left them.
    await sql('ALTER TABLE ferry_doc_usage DROP COLUMN docs')
    await sql("DELETE FROM ferry_migrations WHERE component = 'docs' AND version = $1", [DOC_MIGRATIONS.length])
    const upgraded = await instance()
    expect((await upgraded.usage(alice)).used).toBe(bytes + 2 * DOC_OVERHEAD_BYTES)
  })

  it('numbers concurrent appends from two instances without gaps and loads them in sequence order', async () => {
    const [one, two] = [await instance(), await instance()]
    const appendMany = async (store: PgDocStore, tag: number): Promise<Map<number, number[]>> => {
      const bySeq = new Map<number, number[]>()
      for (let i = 0; i < 40; i++) bySeq.set(await store.append(a, [new Uint8Array([tag, i])]), [tag, i])
      return bySeq
    }
    const [fromOne, fromTwo] = await Promise.all([appendMany(one, 1), appendMany(two, 2)])
    const bySeq = new Map([...fromOne, ...fromTwo])
    const seqs = Array.from({ length: 80 }, (_, i) => i + 1)
    expect([...bySeq.keys()].sort((x, y) => x - y)).toEqual(seqs)

    const loaded = await (await instance()).load(a)
    expect(loaded.seq).toBe(80)
    expect(loaded.updates.map((u) => [...u])).toEqual(seqs.map((seq) => bySeq.get(seq)))
  })

  it("keeps another instance's record that the compacting room has not seen yet", async () => {
    const [one, two] = [await instance(), await instance()]
    const [roomOne, roomTwo] = [room(), room()]
    await one.append(a, [roomOne.set('one', 'first')])
    // Instance two's broadcast of this update never reaches room one before it compacts.
    await two.append(a, [roomTwo.set('two', 'second')])
    const through = await one.append(a, [roomOne.set('one-again', 'third')])
    await one.compact(a, roomOne.state(), through)

    expect((await two.load(a)).updates).toEqual([])
    expect(await contentOf(a)).toEqual({ one: 'first', two: 'second', 'one-again': 'third' })
  })

  it('keeps what a merged snapshot holds when the same room compacts again', async () => {
    const [one, two] = [await instance(), await instance()]
    const [roomOne, roomTwo] = [room(), room()]
    await two.append(a, [roomTwo.set('two', 'second')])
    await editAndCompact(one, a, roomOne, 'one', 'first')
    // Room one still lacks "two"; this time every record is its own.
    await editAndCompact(one, a, roomOne, 'one-again', 'third')

    expect(await contentOf(a)).toEqual({ one: 'first', two: 'second', 'one-again': 'third' })
  })

  it('merges a snapshot another instance wrote instead of replacing it', async () => {
    const [one, two] = [await instance(), await instance()]
    const [roomOne, roomTwo] = [room(), room()]
    await editAndCompact(two, a, roomTwo, 'two', 'second')
    await editAndCompact(one, a, roomOne, 'one', 'first')

    expect(await contentOf(a)).toEqual({ one: 'first', two: 'second' })
  })

  it('loses nothing while two instances append and compact one doc at the same time', async () => {
    const [one, two] = [await instance(), await instance()]
    const [roomOne, roomTwo] = [room(), room()]
    const expected: Record<string, string> = {}
    const work = async (store: PgDocStore, r: Room, tag: string): Promise<void> => {
      for (let i = 0; i < 30; i++) {
        expected[`${tag}${i}`] = `v${i}`
        const seq = await store.append(a, [r.set(`${tag}${i}`, `v${i}`)])
        if (i % 7 === 6) await store.compact(a, r.state(), seq)
      }
    }
    await Promise.all([work(one, roomOne, 'one-'), work(two, roomTwo, 'two-')])

    expect(await contentOf(a)).toEqual(expected)
  })

  it('ignores a compaction that comes after a newer one', async () => {
    const store = await instance()
    const r = room()
    const first = await store.append(a, [r.set('x', '1')])
    const stale = r.state()
    await editAndCompact(store, a, r, 'y', '2')
    await store.compact(a, stale, first)

    expect(await contentOf(a)).toEqual({ x: '1', y: '2' })
    expect((await store.load(a)).seq).toBe(2)
  })

  it('refuses to open with a master key other than the one the database holds', async () => {
    await instance()
    await expect(instance(randomBytes(32))).rejects.toThrow(/every relay instance .* same FERRY_MASTER_KEY/)
    await expect(instance()).resolves.toBeInstanceOf(PgDocStore)
  })

  it("stores nothing of a doc's name or content readable in the database", async () => {
    const marker = 'zebraMarker7731'
    const secret = docName(marker, 'collection', marker)
    const store = await instance()
    await store.append(secret, [Buffer.from(`record ${marker}`)])
    await store.append(secret, [Buffer.from(`later ${marker}`)])
    await store.compact(secret, Buffer.from(`snapshot ${marker}`), 1)
    expect(await store.load(secret)).toMatchObject({ seq: 2, updates: [Buffer.from(`later ${marker}`)] })

    const columns = await sql<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name LIKE 'ferry\\_%' AND data_type IN ('text', 'bytea', 'character varying', 'json', 'jsonb')`,
    )
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
      expect.arrayContaining(['ferry_doc_records.record', 'ferry_doc_snapshots.snapshot', 'ferry_docs.doc_id']),
    )
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const bytes = type === 'bytea' ? `"${column}"` : `convert_to("${column}"::text, 'UTF8')`
      const [row] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE position(convert_to($1, 'UTF8') in ${bytes}) > 0`,
        [marker],
      )
      expect({ column: `${table}.${column}`, matches: row?.n }).toEqual({ column: `${table}.${column}`, matches: 0 })
    }
  })

  it("deletes a doc's key, records and snapshot, keeping only the tombstone row", async () => {
    const store = await instance()
    await editAndCompact(store, b, room(), 'x', '1')
    await store.append(b, [new Uint8Array([1])])
    await store.append(a, [new Uint8Array([2])])
    const idOf = (name: DocName) => Buffer.from(new MasterKey(masterKey).docId(name), 'hex')
    const [idA, idB] = [idOf(a), idOf(b)]
    await store.delete(b)

    const count = async (table: string, id: Buffer) =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE doc_id = $1`, [id]))[0]?.n
    expect(await count('ferry_doc_records', idB)).toBe(0)
    expect(await count('ferry_doc_snapshots', idB)).toBe(0)
    expect(await sql('SELECT data_key, deleted_at IS NOT NULL AS gone FROM ferry_docs WHERE doc_id = $1', [idB])).toEqual([
      { data_key: null, gone: true },
    ])
    expect(await count('ferry_doc_records', idA)).toBe(1)
  })

  it('never creates a doc another instance deletes at the same moment', async () => {
    const [one, two] = [await instance(), await instance()]
    const outcomes = await Promise.all([
      one.append(b, [new Uint8Array([1])]).then(() => 'appended', (e: unknown) => (e as { code?: string }).code),
      two.delete(b).then(() => 'deleted'),
    ])
    expect(outcomes[1]).toBe('deleted')
    expect(['appended', 'gone']).toContain(outcomes[0])
    await expect((await instance()).load(b)).rejects.toMatchObject({ code: 'gone' })
    expect(await sql('SELECT count(*)::int AS n FROM ferry_doc_records')).toEqual([{ n: 0 }])
    expect(await sql('SELECT count(*)::int AS n FROM ferry_doc_snapshots')).toEqual([{ n: 0 }])
  })

  it('skips a record that does not open, says so naming the doc id, and compaction keeps it aside', async () => {
    const heard: DocDamage[] = []
    const store = await instance(masterKey, { onDamage: (damage) => heard.push(damage) })
    // Three devices, so no record depends on another (Yjs holds back a device's later edits
    // until its earlier ones arrive).
    const r = room()
    for (const [i, value] of ['one', 'two', 'three'].entries()) await store.append(a, [(i === 0 ? r : room()).set(`k${i}`, value)])
    await sql("UPDATE ferry_doc_records SET record = set_byte(record, 30, get_byte(record, 30) # 1) WHERE seq = 2")
    const damaged = await sql<{ record: Buffer }>('SELECT record FROM ferry_doc_records WHERE seq = 2')

    // Every other record is served; the damage is reported, naming the doc by its keyed id.
    const id = new MasterKey(masterKey).docId(a)
    expect(await contentOf(a)).toEqual({ k0: 'one', k2: 'three' })
    const loaded = await store.load(a)
    expect(loaded.updates).toHaveLength(2)
    expect(loaded.seq).toBe(3)
    expect(heard).toEqual([{ doc: id, what: 'record 2', kept: 'ferry_doc_records', since: expect.any(String) }])

    // Compaction drops the records it covers, but the damaged one is kept, byte for byte.
    await store.compact(a, r.state(), 3)
    expect(await sql('SELECT seq FROM ferry_doc_records')).toEqual([])
    const kept = await sql<{ kind: string; seq: string; bytes: Buffer }>('SELECT kind, seq, bytes FROM ferry_doc_damaged')
    expect(kept).toEqual([{ kind: 'record', seq: '2', bytes: damaged[0]!.record }])
    expect(await (await instance()).damaged()).toEqual([{ doc: id, what: 'record 2', kept: 'ferry_doc_damaged', since: expect.any(String) }])
    expect(heard.at(-1)).toMatchObject({ doc: id, what: 'record 2', kept: 'ferry_doc_damaged' })

    // Deleting the doc deletes what was kept too.
    await store.delete(a)
    expect(await sql('SELECT count(*)::int AS n FROM ferry_doc_damaged')).toEqual([{ n: 0 }])
    expect(await store.damaged()).toEqual([])
  })

  it('skips a record moved to another doc or position, and reports it', async () => {
    const store = await instance()
    await store.append(a, [new Uint8Array([1])])
    await store.append(a, [new Uint8Array([2])])
    await store.append(b, [new Uint8Array([9])])
    const [idA, idB] = [a, b].map((name) => Buffer.from(new MasterKey(masterKey).docId(name), 'hex'))
    const move = `UPDATE ferry_doc_records SET record = (SELECT record FROM ferry_doc_records WHERE doc_id = $1 AND seq = $2)
                  WHERE doc_id = $3 AND seq = $4`

    await sql(move, [idA, 1, idB, 1])
    expect((await store.load(b)).updates).toEqual([])
    await sql(move, [idA, 1, idA, 2])
    expect((await store.load(a)).updates.map((u) => [...u])).toEqual([[1]])
    expect((await store.damaged()).map((d) => [d.doc, d.what])).toEqual([
      [idB!.toString('hex'), 'record 1'],
      [idA!.toString('hex'), 'record 2'],
    ])
  })

  it('serves the records of a doc whose snapshot does not open, and never replaces that snapshot unkept', async () => {
    const store = await instance()
    const r = room()
    await editAndCompact(store, a, r, 'before', 'snapshot')
    await store.append(a, [r.set('after', 'record')])
    await sql('UPDATE ferry_doc_snapshots SET snapshot = set_byte(snapshot, 40, get_byte(snapshot, 40) # 1)')
    const damaged = await sql<{ snapshot: Buffer }>('SELECT snapshot FROM ferry_doc_snapshots')

    const other = await instance()
    const loaded = await other.load(a)
    expect(loaded.snapshot).toBeNull()
    expect(loaded.updates).toHaveLength(1)
    expect(await other.damaged()).toEqual([
      { doc: new MasterKey(masterKey).docId(a), what: 'snapshot through 1', kept: 'ferry_doc_snapshots', since: expect.any(String) },
    ])
    // A room that loaded only the record compacts: the unreadable snapshot is kept, not replaced silently.
    const partial = room()
    await other.compact(a, partial.state(), 2)
    expect(await sql('SELECT kind, seq, bytes FROM ferry_doc_damaged')).toEqual([{ kind: 'snapshot', seq: '1', bytes: damaged[0]!.snapshot }])
    expect((await other.load(a)).snapshot).not.toBeNull()
  })

  it('reports database failures as io errors', async () => {
    const store = await instance()
    await store.append(a, [new Uint8Array([1])])
    await sql('DROP TABLE ferry_doc_records')
    await expect(store.load(a)).rejects.toMatchObject({ name: 'DocStoreError', code: 'io' })
    await expect(store.append(a, [new Uint8Array([2])])).rejects.toMatchObject({ name: 'DocStoreError', code: 'io' })
  })

  it('stops serving on close but leaves the pool open', async () => {
    const store = await instance()
    await store.append(a, [new Uint8Array([1])])
    await store.close()
    await expect(store.ping()).rejects.toMatchObject({ code: 'closed' })
    await expect(store.append(a, [new Uint8Array([2])])).rejects.toMatchObject({ code: 'closed' })
    expect(await sql<{ n: number }>('SELECT count(*)::int AS n FROM ferry_doc_records')).toEqual([{ n: 1 }])
  })
})
