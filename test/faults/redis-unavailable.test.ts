/**
 * A relay whose Redis goes away while it runs (a TCP proxy in front of the test Redis is cut,
 * then restored): `/healthz` answers 503 naming the broadcast; documents still open and sync
 * on this relay alone; the connection limit lets connections through rather than refusing
 * everyone; sign-in attempts, which must stay counted, get a 503 with Retry-After; once Redis
 * is back the relay is healthy again on its own.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { skipRedis, uniqueRedisPrefix } from '../helpers/redis.ts'
import { redisProxy } from '../helpers/redis-proxy.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, syncUrl, updateFrame, type RawClient } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

describe.skipIf(skipRedis)('a relay losing Redis', () => {
  let relay: TestRelay | undefined
  const clients: RawClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    await relay?.close(true)
  })

  it('reports it on /healthz, keeps opening and syncing documents alone, and recovers', async () => {
    const proxy = await redisProxy()
    relay = await startRelay({
      REDIS_URL: proxy.url,
      REDIS_PREFIX: uniqueRedisPrefix(),
      FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
      FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
      CONNECTIONS_PER_MINUTE_PER_IP: '1',
    })
    const health = async () => {
      const response = await fetch(`${relay!.url}/healthz`)
      return { status: response.status, body: (await response.json()) as { broadcast: string } }
    }
    expect(await health()).toMatchObject({ status: 200, body: { broadcast: 'ok' } })

    await proxy.cut()
    await vi.waitFor(async () => expect(await health()).toMatchObject({ status: 503, body: { broadcast: expect.stringMatching(/redis/) } }), 5_000)

    const token = await sessionToken(relay, 'alice')
    const doc = docName('alice', 'workspace')
    // Over the limit of 1: counted nowhere while Redis is away, so let through.
    for (let i = 0; i < 2; i++) {
      const client = await rawClient(syncUrl(relay.wsUrl, doc, token, true))
      clients.push(client)
      await client.next('sync-step1')
    }
    const edit = new Y.Doc()
    edit.getMap('requests').set('r1', 'GET /while-redis-is-away')
    clients[0]!.send(updateFrame(Y.encodeStateAsUpdate(edit)))
    await clients[0]!.next('persisted')
    const relayed = await clients[1]!.next('sync-update')
    expect(relayed.update.length).toBeGreaterThan(0)

    // Sign-in attempts cannot be counted: refused with a reason and a retry hint, not a 500.
    const login = await fetch(`${relay.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.test', password: 'correct horse battery staple' }),
    })
    expect(login.status).toBe(503)
    expect(login.headers.get('retry-after')).toBe('5')
    expect(await login.json()).toMatchObject({ error: { code: 'unavailable' } })

    await proxy.restore()
    await vi.waitFor(async () => expect(await health()).toMatchObject({ status: 200, body: { broadcast: 'ok' } }), 15_000)
  })
})
