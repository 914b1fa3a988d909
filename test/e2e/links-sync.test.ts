/**
 * Link sockets against a real relay, with the stock `y-websocket` provider (which sends its
 * updates and awareness like any browser would): the holder gets the collection and every
 * later edit live; nothing the holder sends reaches storage or another client; revoking
 * closes the holder's socket (4403) within a second and refuses reconnects; expiry and
 * max uses hold for sockets too.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { call, createUser, type TestUser } from '../helpers/links.ts'
import { rawClient, stockProvider, synced, syncUrl, updateFrame } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

let relay: TestRelay
const providers: WebsocketProvider[] = []
let warn: MockInstance<typeof console.warn>

beforeEach(async () => {
  relay = await startRelay()
  // The stock provider reports the relay's "permission denied" on the console.
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.destroy()
  vi.restoreAllMocks()
  await relay.close(true)
})

function open(doc: string, token: string): WebsocketProvider {
  const provider = stockProvider(relay.wsUrl, doc, token)
  providers.push(provider)
  return provider
}

const closedWith = (provider: WebsocketProvider): Promise<number> =>
  new Promise((resolve) => provider.once('closed', (event: { code: number }) => resolve(event.code)))

interface Shared {
  owner: TestUser
  doc: DocName
  ownerView: WebsocketProvider
  link: { id: string; token: string }
}

/** An owner with a synced collection holding one request, and a link to it. */
async function share(options: { maxUses?: number; expiresAt?: number } = {}): Promise<Shared> {
  const owner = await createUser(relay)
  const doc = docName(owner.id, 'collection', 'orders')
  const ownerView = open(doc, owner.token)
  await synced(ownerView)
  ownerView.doc.getMap('items').set('r1', 'GET /orders')
  const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc, ...options })
  expect(created.status).toBe(201)
  return { owner, doc, ownerView, link: created.body }
}

async function viewerToken(token: string): Promise<string> {
  const resolved = await call(relay, 'GET', `/v1/links/resolve/${token}`)
  expect(resolved.status).toBe(200)
  return resolved.body.viewerToken
}

describe('a link socket', () => {
  it('gets the collection and every later edit live', async () => {
    const { doc, ownerView, link } = await share()
    const holder = open(doc, await viewerToken(link.token))
    await vi.waitFor(() => expect(holder.doc.getMap('items').get('r1')).toBe('GET /orders'), 5_000)
    ownerView.doc.getMap('items').set('r2', 'POST /orders')
    await vi.waitFor(() => expect(holder.doc.getMap('items').get('r2')).toBe('POST /orders'), 5_000)
  })

  it('works with the bare link token too, and opens nothing but its own doc', async () => {
    const { owner, doc, link } = await share()
    const holder = open(doc, link.token)
    await synced(holder)
    expect(holder.doc.getMap('items').get('r1')).toBe('GET /orders')
    for (const other of [docName(owner.id, 'workspace'), docName(owner.id, 'environments'), docName(owner.id, 'collection', 'other')]) {
      const client = await rawClient(syncUrl(relay.wsUrl, other, link.token))
      expect(await client.closed, other).toBe(CloseCode.Forbidden)
    }
  })

  it('drops every update and awareness the holder sends, and tells it once (permission denied)', async () => {
    const { doc, ownerView, link } = await share()
    const token = await viewerToken(link.token)
    const holder = open(doc, token)
    const bystander = open(doc, token)
    await Promise.all([synced(holder), synced(bystander)])
    holder.doc.getMap('items').set('evil', 'DELETE /everything')
    holder.doc.getMap('items').delete('r1')
    holder.awareness.setLocalStateField('user', { name: 'holder' })
    await vi.waitFor(() => expect(warn.mock.calls.flat().join(' ')).toMatch(/read-only/), 5_000)

    // A marker from the owner arrives after anything the holder sent would have been relayed.
    ownerView.doc.getMap('items').set('marker', 'sent after the holder wrote')
    await vi.waitFor(() => expect(bystander.doc.getMap('items').get('marker')).toBeDefined(), 5_000)
    for (const view of [ownerView, bystander]) {
      expect(view.doc.getMap('items').get('evil')).toBeUndefined()
      expect(view.doc.getMap('items').get('r1')).toBe('GET /orders')
      expect(view.awareness.getStates().has(holder.doc.clientID)).toBe(false)
    }

    // Nothing reached storage: a restarted relay serves the owner's content only.
    await relay.app.sync.flush()
    for (const provider of providers.splice(0)) provider.destroy()
    await relay.close()
    relay = await startRelay({}, relay.dataDir)
    const fresh = open(doc, await sessionToken(relay, doc.split(':')[0]!))
    await synced(fresh)
    expect(fresh.doc.getMap('items').toJSON()).toEqual({ r1: 'GET /orders', marker: 'sent after the holder wrote' })
  })

  it('says permission denied once, however much the holder sends', async () => {
    const { doc, link } = await share()
    const client = await rawClient(syncUrl(relay.wsUrl, doc, await viewerToken(link.token)))
    const scratch = new Y.Doc()
    for (let i = 0; i < 5; i++) {
      scratch.getMap('items').set(`x${i}`, i)
      client.send(updateFrame(Y.encodeStateAsUpdate(scratch)))
    }
    client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await client.next('sync-step2')
    expect(client.messages.filter((m) => m.type === 'auth-denied')).toHaveLength(1)
    expect(client.messages.find((m) => m.type === 'auth-denied')).toMatchObject({ reason: expect.stringMatching(/read-only/) })
    client.close()
  })
})

describe('revoking', () => {
  it('closes every socket opened with the link within a second (4403) and refuses reconnects', async () => {
    const { owner, doc, ownerView, link } = await share()
    const viewer = await viewerToken(link.token)
    const viewing = open(doc, viewer)
    const bare = open(doc, link.token)
    await Promise.all([synced(viewing), synced(bare)])
    const closes = [closedWith(viewing), closedWith(bare)]
    const started = Date.now()
    expect((await call(relay, 'DELETE', `/v1/links/${link.id}`, owner.token)).status).toBe(204)
    expect(await Promise.all(closes)).toEqual([CloseCode.Forbidden, CloseCode.Forbidden])
    expect(Date.now() - started).toBeLessThan(1_000)

    // The stock provider stops on 4403; asked to reconnect, it is refused again.
    expect(viewing.shouldConnect).toBe(false)
    const again = closedWith(viewing)
    viewing.connect()
    expect(await again).toBe(CloseCode.Forbidden)
    for (const token of [link.token, viewer]) {
      const client = await rawClient(syncUrl(relay.wsUrl, doc, token))
      expect(await client.closed).toBe(CloseCode.Forbidden)
      expect(client.messages).toEqual([])
    }
    // The owner's own socket is untouched.
    expect(ownerView.wsconnected).toBe(true)
  })
})

describe('limits', () => {
  it('closes open link sockets when the link expires and refuses new ones', async () => {
    const { doc, link } = await share({ expiresAt: Date.now() + 1_000 })
    const holder = open(doc, await viewerToken(link.token))
    await synced(holder)
    expect(await closedWith(holder)).toBe(CloseCode.Forbidden)
    const client = await rawClient(syncUrl(relay.wsUrl, doc, link.token))
    expect(await client.closed).toBe(CloseCode.Forbidden)
  })

  it('counts bare-token sockets as uses; viewer tokens keep working once the uses are spent', async () => {
    const { owner, doc, link } = await share({ maxUses: 2 })
    const viewer = await viewerToken(link.token)
    const bare = await rawClient(syncUrl(relay.wsUrl, doc, link.token))
    bare.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await bare.next('sync-step2')
    bare.close()
    const refused = await rawClient(syncUrl(relay.wsUrl, doc, link.token))
    expect(await refused.closed).toBe(CloseCode.Forbidden)
    expect((await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).status).toBe(410)
    expect((await call(relay, 'GET', '/v1/links', owner.token)).body.links[0]).toMatchObject({ uses: 2, state: 'used_up' })

    // The viewer who opened the link earlier reconnects as often as it needs.
    for (let i = 0; i < 3; i++) {
      const holder = open(doc, viewer)
      await synced(holder)
      holder.destroy()
    }
    const forged = `${link.token}.${'A'.repeat(43)}`
    expect(await (await rawClient(syncUrl(relay.wsUrl, doc, forged))).closed).toBe(CloseCode.Forbidden)
  })
})
