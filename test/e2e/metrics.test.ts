/**
 * `/metrics`: off without METRICS_TOKEN, refused without the token, and with it the figures an
 * operator watches move with real traffic — sockets, rooms, updates stored, persist latency,
 * 429s and refused sync connections. Request ids: every response names one, and a client's
 * `x-request-id` is kept only from a trusted proxy and only when plain.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { call } from '../helpers/http.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { rawClient, syncUrl, updateFrame, type RawClient } from '../helpers/sync-clients.ts'

const TOKEN = 'metrics-token-for-tests-0123456789'
// Sign-in attempts hash with the production cost, on a busy 2-core machine.
vi.setConfig({ testTimeout: 90_000 })

const relays: TestRelay[] = []
const sockets: RawClient[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close()
  for (const relay of relays.splice(0)) await relay.close(true)
})

async function relayWith(env: Record<string, string>): Promise<TestRelay> {
  const relay = await startRelay(env)
  relays.push(relay)
  return relay
}

async function scrape(relay: TestRelay, authorization = `Bearer ${TOKEN}`): Promise<Response> {
  return fetch(`${relay.url}/metrics`, { headers: { authorization } })
}

/** The value of one sample (`name{labels}`) in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

async function figures(relay: TestRelay): Promise<string> {
  const answer = await scrape(relay)
  expect(answer.status).toBe(200)
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain/)
  return answer.text()
}

describe('/metrics', () => {
  it('does not exist without METRICS_TOKEN', async () => {
    const relay = await relayWith({})
    expect((await scrape(relay)).status).toBe(404)
  })

  it('refuses a missing or wrong token', async () => {
    const relay = await relayWith({ METRICS_TOKEN: TOKEN })
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(401)
    expect((await scrape(relay, `Bearer ${TOKEN}x`)).status).toBe(401)
    expect((await scrape(relay, TOKEN)).status).toBe(401)
  })

  it('moves with sync traffic, refused connections and 429s', async () => {
    const relay = await relayWith({ METRICS_TOKEN: TOKEN, AUTH_ATTEMPTS_PER_WINDOW: '1', CONNECTIONS_PER_MINUTE_PER_IP: '2' })
    const before = await figures(relay)
    expect(sample(before, 'ferry_sync_connections')).toBe(0)
    expect(sample(before, 'ferry_updates_stored_total')).toBe(0)

    const token = await sessionToken(relay, 'alice')
    const writer = await rawClient(syncUrl(relay.wsUrl, 'alice:workspace', token, true))
    sockets.push(writer)
    await writer.next('sync-step1')
    const doc = new Y.Doc()
    for (let i = 0; i < 3; i++) {
      doc.getMap('m').set(`k${i}`, i)
      writer.send(updateFrame(Y.encodeStateAsUpdate(doc)))
      await writer.next('persisted')
    }
    const reader = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:c1', token))
    sockets.push(reader)
    await reader.next('sync-step1')
    // The third connection this minute from this address is refused.
    const refused = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:c2', token))
    expect(await refused.closed).toBe(CloseCode.RateLimited)
    const login = { email: 'nobody@example.test', password: 'not a real password' }
    expect((await call(relay, 'POST', '/v1/auth/login', undefined, login)).status).toBe(401)
    expect((await call(relay, 'POST', '/v1/auth/login', undefined, login)).status).toBe(429)

    const after = await figures(relay)
    expect(sample(after, 'ferry_sync_connections')).toBe(2)
    expect(sample(after, 'ferry_rooms')).toBe(2)
    expect(sample(after, 'ferry_rooms_loaded')).toBe(2)
    expect(sample(after, 'ferry_updates_stored_total')).toBe(3)
    expect(sample(after, 'ferry_persist_seconds_count')).toBe(3)
    expect(sample(after, 'ferry_persist_seconds_sum')).toBeGreaterThan(0)
    expect(sample(after, 'ferry_rate_limited_total', '{limit="http"}')).toBe(1)
    expect(sample(after, 'ferry_rate_limited_total', '{limit="sync_connections"}')).toBe(1)
    expect(sample(after, 'ferry_store_errors_total', '{operation="append"}')).toBe(0)
    expect(sample(after, 'ferry_process_resident_memory_bytes')).toBeGreaterThan(0)
  })
})

describe('request ids', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

  it('answers each request with an id of its own and ignores a client\'s', async () => {
    const relay = await relayWith({})
    const first = await fetch(`${relay.url}/healthz`, { headers: { 'x-request-id': 'chosen-by-client' } })
    const second = await fetch(`${relay.url}/healthz`)
    expect(first.headers.get('x-request-id')).toMatch(uuid)
    expect(second.headers.get('x-request-id')).toMatch(uuid)
    expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'))
  })

  it('keeps a trusted proxy\'s plain id and replaces one that is not plain', async () => {
    const relay = await relayWith({ TRUST_PROXY: '127.0.0.1' })
    const plain = await fetch(`${relay.url}/healthz`, { headers: { 'x-request-id': 'edge-7f3a:42' } })
    expect(plain.headers.get('x-request-id')).toBe('edge-7f3a:42')
    for (const forged of ['a b', '"},"level":60,"msg":"forged', 'x'.repeat(65), '%0A{"level":60}']) {
      const answer = await fetch(`${relay.url}/healthz`, { headers: { 'x-request-id': forged } })
      expect(answer.headers.get('x-request-id')).toMatch(uuid)
    }
  })
})
