/**
 * The stock `y-websocket` provider against the relay: two devices of one account converge,
 * another account is refused (4403), no token is refused (4401), and no doc is loaded for a
 * refused socket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { SignJWT } from 'jose'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { TEST_JWT_SECRET } from '../helpers/relay-process.ts'
import { rawClient, stockProvider, synced, syncUrl } from '../helpers/sync-clients.ts'
import type { WebsocketProvider } from 'y-websocket'
import { sessionToken } from '../helpers/sessions.ts'

describe('sync with the stock y-websocket provider', () => {
  let relay: TestRelay
  const providers: WebsocketProvider[] = []

  beforeEach(async () => {
    relay = await startRelay({ FERRY_JWT_SECRET: TEST_JWT_SECRET })
  })
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy()
    await relay.close(true)
  })

  const open = (doc: string, token: string): WebsocketProvider => {
    const provider = stockProvider(relay.wsUrl, doc, token)
    providers.push(provider)
    return provider
  }

  it('syncs edits between two devices of the same account', async () => {
    const token = await sessionToken(relay, 'alice')
    const laptop = open('alice:workspace', token)
    const phone = open('alice:workspace', token)
    await Promise.all([synced(laptop), synced(phone)])
    laptop.doc.getMap('settings').set('theme', 'dark')
    phone.doc.getText('notes').insert(0, 'hello')
    await vi.waitFor(() => {
      expect(phone.doc.getMap('settings').get('theme')).toBe('dark')
      expect(laptop.doc.getText('notes').toString()).toBe('hello')
    }, 5_000)
  })

  it('gives a late joiner the whole document', async () => {
    const token = await sessionToken(relay, 'alice')
    const first = open('alice:collection:c1', token)
    await synced(first)
    for (let i = 0; i < 50; i++) first.doc.getMap('items').set(`r${i}`, { method: 'GET', url: `https://x/${i}` })
    await relay.app.sync.flush()
    const late = open('alice:collection:c1', token)
    await synced(late)
    expect(late.doc.getMap('items').size).toBe(50)
  })

  it("refuses another account's doc with 4403 and loads nothing", async () => {
    const mallory = await sessionToken(relay, 'mallory')
    const client = await rawClient(syncUrl(relay.wsUrl, 'alice:workspace', mallory))
    expect(await client.closed).toBe(CloseCode.Forbidden)
    expect(client.messages).toEqual([])
    expect(relay.app.sync.loadedRooms).toBe(0)
  })

  it('refuses a missing, forged or expired token with 4401 and loads nothing', async () => {
    const forged = (await sessionToken(relay, 'alice')).slice(0, -3) + 'AAA'
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET))
    for (const url of [
      syncUrl(relay.wsUrl, 'alice:workspace', expired),
      `${relay.wsUrl}/v1/sync/alice:workspace`,
      syncUrl(relay.wsUrl, 'alice:workspace', forged),
      syncUrl(relay.wsUrl, 'alice:workspace', 'not-a-jwt'),
    ]) {
      const client = await rawClient(url)
      expect(await client.closed, url).toBe(CloseCode.Unauthenticated)
    }
    expect(relay.app.sync.loadedRooms).toBe(0)
  })

  it('stops the stock provider from reconnecting after 4403', async () => {
    const provider = open('alice:workspace', await sessionToken(relay, 'bob'))
    const closed = await new Promise<{ code: number }>((resolve) => provider.on('closed', resolve))
    expect(closed.code).toBe(CloseCode.Forbidden)
    expect(provider.shouldConnect).toBe(false)
  })

  it('acks only sockets that opted in, with a state vector covering what they sent', async () => {
    const token = await sessionToken(relay, 'alice')
    const acked = await rawClient(syncUrl(relay.wsUrl, 'alice:history', token, true))
    const plain = await rawClient(syncUrl(relay.wsUrl, 'alice:history', token))
    await acked.next('sync-step1')
    await plain.next('sync-step1')
    const doc = new Y.Doc()
    doc.getArray('entries').push(['GET https://example.com'])
    acked.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
    const { stateVector } = await acked.next('persisted')
    expect(Y.decodeStateVector(stateVector).get(doc.clientID)).toBe(1)
    await plain.next('sync-update')
    expect(plain.messages.some((m) => m.type === 'persisted')).toBe(false)
    acked.close()
    plain.close()
  })
})
