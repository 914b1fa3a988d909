/**
 * Two relays sharing one Redis (same `REDIS_PREFIX`, same keys), as two hosts behind a load
 * balancer would run, with the stock `y-websocket` provider and raw sockets as clients: edits
 * and awareness cross between them live; a client joining one relay right after the other
 * accepted an edit gets it; revoking a link through one closes its viewers on the other; and
 * the per-IP limits count requests to both.
 *
 * Each relay keeps its own data dir (accounts and documents), so what one stored the other
 * cannot load: whatever a client sees through the other relay came over Redis.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, docName } from '@ferry/protocol'
import type { Env } from '../../relay/src/config.ts'
import { call, createUser } from '../helpers/links.ts'
import { cutSubscribers, skipRedis, testRedisEnv, uniqueRedisPrefix } from '../helpers/redis.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, stockProvider, synced, syncUrl, updateFrame, type RawClient } from '../helpers/sync-clients.ts'
import { joinSession, sessionToken } from '../helpers/sessions.ts'

const DOC = docName('alice', 'workspace')

describe.skipIf(skipRedis)('two relays on one Redis', () => {
  const relays: TestRelay[] = []
  const providers: WebsocketProvider[] = []
  const raws: RawClient[] = []
  let warn: MockInstance<typeof console.warn>

  beforeEach(() => {
    // The stock provider reports "permission denied" and closes on the console.
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy()
    for (const client of raws.splice(0)) client.close()
    for (const relay of relays.splice(0)) await relay.close(true)
    warn.mockRestore()
  })

  /** The environment relays that work together share: one Redis prefix, the same keys. */
  const sharedEnv = (env: Env = {}): Env => ({
    ...testRedisEnv(),
    FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
    FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
    ...env,
  })

  async function start(env: Env, dataDir?: string): Promise<TestRelay> {
    const relay = await startRelay(env, dataDir)
    relays.push(relay)
    return relay
  }

  /** Two relays working together, each with its own data dir. */
  async function startPair(env: Env = {}): Promise<[TestRelay, TestRelay]> {
    const shared = sharedEnv(env)
    return [await start(shared), await start(shared)]
  }

  function open(relay: TestRelay, doc: string, token: string): WebsocketProvider {
    const provider = stockProvider(relay.wsUrl, doc, token)
    providers.push(provider)
    return provider
  }

  async function raw(relay: TestRelay, doc: string, token: string, ack = false): Promise<RawClient> {
    const client = await rawClient(syncUrl(relay.wsUrl, doc, token, ack))
    raws.push(client)
    return client
  }

  const closedWith = (provider: WebsocketProvider): Promise<number> =>
    new Promise((resolve) => provider.once('closed', (event: { code: number }) => resolve(event.code)))

  it('converges clients on different relays live, both ways', async () => {
    const [a, b] = await startPair()
    const token = await sessionToken([a, b], 'alice')
    const onA = open(a, DOC, token)
    const onB = open(b, DOC, token)
    await Promise.all([synced(onA), synced(onB)])
    onA.doc.getMap('requests').set('r1', 'GET /from-a')
    await vi.waitFor(() => expect(onB.doc.getMap('requests').get('r1')).toBe('GET /from-a'), 5_000)
    onB.doc.getMap('requests').set('r2', 'GET /from-b')
    onB.doc.getMap('requests').delete('r1')
    await vi.waitFor(() => expect(onA.doc.getMap('requests').toJSON()).toEqual({ r2: 'GET /from-b' }), 5_000)
    expect(onB.doc.getMap('requests').toJSON()).toEqual({ r2: 'GET /from-b' })
  })

  it('gives a client joining one relay an edit the other accepted just before', async () => {
    const [a, b] = await startPair()
    const token = await sessionToken([a, b], 'alice')
    const writer = await raw(a, DOC, token, true)
    await writer.next('sync-step1')
    const edit = new Y.Doc()
    edit.getMap('requests').set('r1', 'GET /accepted-on-a')
    writer.send(updateFrame(Y.encodeStateAsUpdate(edit)))
    await writer.next('persisted')

    // B has not loaded the doc, and its own store never saw the edit.
    expect(b.app.sync.loadedRooms).toBe(0)
    const reader = open(b, DOC, token)
    await vi.waitFor(() => expect(reader.doc.getMap('requests').get('r1')).toBe('GET /accepted-on-a'), 5_000)
  })

  it('gives what a joining relay holds to a relay that lacks it (the answer comes with a question back)', async () => {
    const env = sharedEnv()
    const alone = await startRelay(env)
    const token = await sessionToken(alone, 'alice')
    const writer = await raw(alone, DOC, token, true)
    await writer.next('sync-step1')
    const edit = new Y.Doc()
    edit.getMap('requests').set('r1', 'GET /stored-by-b-alone')
    writer.send(updateFrame(Y.encodeStateAsUpdate(edit)))
    await writer.next('persisted')
    writer.close()
    await alone.close()

    const a = await start(env)
    await joinSession(a, token)
    const onA = open(a, DOC, token)
    await synced(onA)
    const b = await start(env, alone.dataDir)
    open(b, DOC, token)
    await vi.waitFor(() => expect(onA.doc.getMap('requests').get('r1')).toBe('GET /stored-by-b-alone'), 5_000)
  })

  it('catches up after a lost Redis connection: an edit published meanwhile still reaches the other relay', async () => {
    const prefix = uniqueRedisPrefix()
    const [a, b] = await startPair({ REDIS_PREFIX: prefix })
    const token = await sessionToken([a, b], 'alice')
    const writer = await raw(a, DOC, token, true)
    await writer.next('sync-step1')
    const reader = open(b, DOC, token)
    await synced(reader)
    // Both relays stop hearing Redis; the edit is published before they are back.
    expect(await cutSubscribers(prefix)).toBe(2)
    const edit = new Y.Doc()
    edit.getMap('requests').set('r1', 'GET /while-cut')
    writer.send(updateFrame(Y.encodeStateAsUpdate(edit)))
    await writer.next('persisted')
    await vi.waitFor(() => expect(reader.doc.getMap('requests').get('r1')).toBe('GET /while-cut'), 10_000)
  })

  it('carries awareness across: present states to a newcomer, changes, and departures; echoes never cost a socket', async () => {
    const [a, b] = await startPair()
    const token = await sessionToken([a, b], 'alice')
    // More clients than one socket may claim ids for: a stock provider on B echoes all of them.
    const onA = Array.from({ length: 5 }, () => open(a, DOC, token))
    await Promise.all(onA.map((p) => synced(p)))
    onA.forEach((p, i) => p.awareness.setLocalStateField('user', { name: `a${i}` }))

    const onB = open(b, DOC, token)
    await synced(onB)
    const names = (provider: WebsocketProvider) =>
      [...provider.awareness.getStates().values()].map((s) => (s.user as { name: string } | undefined)?.name).filter(Boolean).sort()
    await vi.waitFor(() => expect(names(onB)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']), 5_000)

    onB.awareness.setLocalStateField('user', { name: 'b' })
    for (const provider of onA) await vi.waitFor(() => expect(names(provider)).toContain('b'), 5_000)

    const leaving = onA[0]!
    const leavingId = leaving.doc.clientID
    leaving.destroy()
    await vi.waitFor(() => expect(onB.awareness.getStates().has(leavingId)).toBe(false), 5_000)
    expect(names(onB)).toEqual(['a1', 'a2', 'a3', 'a4', 'b'])
    expect(onB.wsconnected).toBe(true)
    for (const provider of onA.slice(1)) expect(provider.wsconnected).toBe(true)
  })

  it('closes a link viewer on one relay when the link is revoked through the other', async () => {
    const [a, b] = await startPair()
    const owner = await createUser(a)
    const doc = docName(owner.id, 'collection', 'orders')
    const ownerView = open(a, doc, owner.token)
    await synced(ownerView)
    ownerView.doc.getMap('items').set('r1', 'GET /orders')
    const created = await call(a, 'POST', '/v1/links', owner.token, { docName: doc })
    expect(created.status).toBe(201)
    // The relays keep separate account stores here; on PostgreSQL both would read one record.
    const [link] = await a.stores.links.listLinks(owner.id)
    await b.stores.links.createLink(link!)

    const viewer = open(b, doc, created.body.token)
    await vi.waitFor(() => expect(viewer.doc.getMap('items').get('r1')).toBe('GET /orders'), 5_000)
    const closed = closedWith(viewer)
    expect((await call(a, 'DELETE', `/v1/links/${created.body.id}`, owner.token)).status).toBe(204)
    expect(await closed).toBe(CloseCode.Forbidden)
    expect(ownerView.wsconnected).toBe(true)
  })

  it('counts sync connections per IP across both relays', async () => {
    const [a, b] = await startPair({ CONNECTIONS_PER_MINUTE_PER_IP: '3' })
    const token = await sessionToken([a, b], 'alice')
    for (const relay of [a, b, a]) await (await raw(relay, DOC, token)).next('sync-step1')
    for (const relay of [b, a]) {
      const refused = await raw(relay, DOC, token)
      expect(await refused.closed).toBe(CloseCode.RateLimited)
    }
  })

  it('counts login attempts per IP across both relays', async () => {
    const [a, b] = await startPair({ AUTH_ATTEMPTS_PER_WINDOW: '2', AUTH_WINDOW_SECONDS: '600' })
    const login = (relay: TestRelay, email: string) => call(relay, 'POST', '/v1/auth/login', undefined, { email, password: 'wrong password' })
    expect((await login(a, 'x1@example.test')).status).toBe(401)
    expect((await login(b, 'x2@example.test')).status).toBe(401)
    const limited = await login(a, 'x3@example.test')
    expect(limited.status).toBe(429)
    expect(limited.body.error.code).toBe('rate_limited')
  })

  it('reports the broadcast on /healthz', async () => {
    const [a] = await startPair()
    expect(await (await fetch(`${a.url}/healthz`)).json()).toEqual({ ok: true, storage: { accounts: 'ok', docs: 'ok' }, broadcast: 'ok' })
  })
})
