/**
 * Deleting a collection with two relays on PostgreSQL and Redis: deleted through one relay,
 * it closes with 4410 on a device connected to the other one, a device that edited it offline
 * through that other relay cannot bring it back, and the database keeps nothing of it but the
 * tombstone row (no key, no record, no snapshot).
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CloseCode, docName } from '@ferry/protocol'
import { describeStatus, type FerryClient } from '../../packages/client/src/index.ts'
import { loadMasterKey, MasterKey } from '../../relay/src/storage/keys.ts'
import { openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { skipRedis, testRedisEnv } from '../helpers/redis.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { readDoc } from '../helpers/sync-clients.ts'

const inSync = (c: FerryClient) => vi.waitFor(() => expect(describeStatus(c.status)).toBe('in sync'), { timeout: 15_000 })

describe.skipIf(skipPostgres || skipRedis)('deleting a collection on two relays (PostgreSQL + Redis)', { timeout: 90_000 }, () => {
  let schema: TestSchema
  let env: Record<string, string>
  const relays: TestRelay[] = []
  const clients: FerryClient[] = []

  const relay = async (): Promise<TestRelay> => {
    const started = await startRelay(env)
    relays.push(started)
    return started
  }
  const client = async (on: TestRelay, device: Device): Promise<FerryClient> => {
    const opened = await openClient(on, device)
    clients.push(opened)
    return opened
  }

  beforeAll(async () => {
    schema = await createTestSchema()
    env = {
      DATABASE_URL: schema.url,
      ...testRedisEnv(),
      FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
      FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
    }
  })
  afterAll(async () => {
    for (const c of clients.splice(0)) await c.close()
    for (const r of relays.splice(0)) await r.close(true)
    await schema.drop()
  })

  it('reaches devices on the other relay, keeps offline edits out, and leaves only a tombstone row', async () => {
    const [a, b] = [await relay(), await relay()]
    const email = await signUp(a, 'hana')
    const laptop = await client(a, createDevice('laptop'))
    const { id: userId } = await laptop.signIn(email, PASSWORD)
    const keep = await laptop.workspace.createCollection('Keep')
    const drop = await laptop.workspace.createCollection('Drop')
    ;(await laptop.workspace.collection(drop)).add({ kind: 'request', name: 'doomed' })
    await inSync(laptop)
    const doc = docName(userId, 'collection', drop)
    const devices = [createDevice('phone'), createDevice('tablet')] as const
    const [phone, tablet] = [await client(b, devices[0]), await client(b, devices[1])]
    for (const app of [phone, tablet]) {
      await app.signIn(email, PASSWORD)
      await vi.waitFor(async () => expect((await app.workspace.collection(drop)).tree()).toHaveLength(1), { timeout: 10_000 })
      await inSync(app)
    }
    await tablet.setSyncEnabled(false)
    ;(await tablet.workspace.collection(drop)).add({ kind: 'request', name: 'edited offline' })

    // Through relay a alone: the phone on relay b hears of it only by its socket's 4410.
    expect((await call(a, 'DELETE', `/v1/docs/${doc}`, a.app.accessTokens.issue(userId))).status).toBe(204)
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.id)).toEqual([keep]), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await devices[0].databases()).not.toContain(`ferry:${doc}`), { timeout: 10_000 })
    await tablet.setSyncEnabled(true)
    await vi.waitFor(async () => expect(await devices[1].databases()).not.toContain(`ferry:${doc}`), { timeout: 10_000 })
    expect(tablet.workspace.index.collections().map((c) => c.id)).toEqual([keep])
    await inSync(tablet)

    const fresh = await relay()
    expect(await readDoc(fresh.wsUrl, doc, fresh.app.accessTokens.issue(userId))).toBe(CloseCode.Gone)
    expect(await readDoc(b.wsUrl, doc, b.app.accessTokens.issue(userId))).toBe(CloseCode.Gone)
    const id = Buffer.from(new MasterKey(loadMasterKey(a.config)).docId(doc), 'hex')
    const db = new pg.Client({ connectionString: schema.url })
    await db.connect()
    try {
      const count = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE doc_id = $1`, [id])).rows[0].n
      expect(await count('ferry_doc_records')).toBe(0)
      expect(await count('ferry_doc_snapshots')).toBe(0)
      expect((await db.query('SELECT data_key, deleted_at IS NOT NULL AS gone FROM ferry_docs WHERE doc_id = $1', [id])).rows).toEqual([
        { data_key: null, gone: true },
      ])
    } finally {
      await db.end()
    }
  })
})
