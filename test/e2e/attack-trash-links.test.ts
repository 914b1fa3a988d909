/**
 * Attacks on a share link of a collection in its owner's trash: no moment in which a link holder
 * gets in, or stays in, while the collection is in the trash — not when the store cannot answer
 * the check, not when the viewer's socket joins its room after the sweeps that close viewers
 * (authorized just before the trash), not when the viewer's relay missed the sweep during a
 * Redis outage, nor when the relay the owner trashed through had lost Redis.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import type { StoredDoc } from '../../relay/src/storage/doc-store.ts'
import { useBackendRelay } from '../helpers/backend-relay.ts'
import { call, type TestUser } from '../helpers/links.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { redisProxy } from '../helpers/redis-proxy.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { shareCollection, storedListing, useStockProviders } from '../helpers/shared-collection.ts'
import { rawClient, synced, syncUrl, type RawClient } from '../helpers/sync-clients.ts'

/** Longer than every sweep the relay makes after a trash (at once, once stored, 250 ms later). */
const PAST_THE_SWEEPS_MS = 1_000
/** Longer than ioredis keeps the commands queued while it cannot reconnect (20 attempts, 50 ms more each). */
const REDIS_GIVES_UP_MS = 13_000

const { open, destroyAll } = useStockProviders()
const sockets: RawClient[] = []
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close()
})

/** A link socket that asks for the doc (a sync step 1) at once. */
async function viewerSocket(relay: TestRelay, doc: DocName, token: string): Promise<RawClient> {
  const socket = await rawClient(syncUrl(relay.wsUrl, doc, token))
  sockets.push(socket)
  socket.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
  return socket
}

/** What of the collection reached `socket`: sync answers and updates. */
const shown = (socket: RawClient) => socket.messages.filter((m) => m.type === 'sync-step2' || m.type === 'sync-update')

/** The close code, or 'open' if the socket is still open after `ms`. */
const closedWithin = (socket: RawClient, ms: number): Promise<number | 'open'> =>
  Promise.race([socket.closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))])

/** Has `relay`'s store answer loads of `name` with `answer` instead (a database that stopped answering, or a slow one). */
function interceptLoads(relay: TestRelay, name: DocName, answer: (load: () => Promise<StoredDoc>) => Promise<StoredDoc>): void {
  const store = relay.stores.docs
  const load = store.load.bind(store)
  store.load = (doc) => (doc === name ? answer(() => load(doc)) : load(doc))
}

/** Trashes the owner's collection 'orders' through a new index provider on `relay`; resolves once stored (`flush`: see storedListing). */
async function trashOnRelay(relay: TestRelay, owner: TestUser, doc: DocName, flush = true): Promise<void> {
  const indexView = open(relay, docName(owner.id, 'workspace'), owner.token)
  await synced(indexView)
  new WorkspaceIndex(indexView.doc).trashCollection('orders', Date.now())
  await storedListing(relay, doc, { name: 'Orders', trashed: true }, flush)
}

describe.each(RELAY_BACKENDS)('attack: links of a trashed collection on $name', { timeout: 60_000 }, (backend) => {
  const relays = useBackendRelay(backend)

  it.skipIf(backend.skip)('do not open while the store cannot say whether the collection is in the trash', async () => {
    const relay = await relays.start()
    const { owner, doc, index, link } = await shareCollection(relay, open)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken as string
    index.trashCollection('orders', Date.now())
    await storedListing(relay, doc, { name: 'Orders', trashed: true })

    let failing = true
    interceptLoads(relay, docName(owner.id, 'workspace'), (load) => (failing ? Promise.reject(new Error('the database stopped answering')) : load()))
    expect((await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).status).toBeGreaterThanOrEqual(500)
    const socket = await viewerSocket(relay, doc, viewer)
    expect(await socket.closed).toBe(CloseCode.InternalError)
    expect(shown(socket)).toEqual([])

    // The store answers again: still in the trash, still refused.
    failing = false
    expect((await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body).toMatchObject({ error: { code: 'collection_trashed' } })
  })

  it.skipIf(backend.skip)('a viewer let in just before the trash, whose socket joins after the sweeps, is closed and shown nothing', async () => {
    let relay = await relays.start()
    const { owner, doc, link } = await shareCollection(relay, open)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken as string
    // After a restart nothing is loaded: the viewer's socket waits for the collection to load.
    destroyAll()
    relay = await relays.restart()
    let loading!: () => void
    const loadAsked = new Promise<void>((resolve) => (loading = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    interceptLoads(relay, doc, async (load) => {
      loading()
      await released
      return load()
    })
    const socket = await viewerSocket(relay, doc, viewer)
    await loadAsked

    // The owner trashes it meanwhile; every sweep passes before the viewer's socket joins.
    await trashOnRelay(relay, owner, doc, false)
    await new Promise((resolve) => setTimeout(resolve, PAST_THE_SWEEPS_MS))
    release()
    const ownerCopy = open(relay, doc, owner.token)
    await synced(ownerCopy)
    ownerCopy.doc.getMap('items').set('r2', 'POST /orders (made while in the trash)')

    expect(await closedWithin(socket, 5_000)).toBe(CloseCode.CollectionTrashed)
    expect(shown(socket)).toEqual([])
  })
})

describe.skipIf(skipScaledOut)('attack: links of a trashed collection across two relays', { timeout: 90_000 }, () => {
  const cluster = useScaledOut()

  it("a viewer whose relay lost Redis while the owner trashed the collection through another is closed once Redis is back, and shown nothing after the trash", async () => {
    const proxy = await redisProxy()
    const [a, b] = [await cluster.relay(), await cluster.relay({ REDIS_URL: proxy.url })]
    const { owner, doc, collection, link } = await shareCollection(a, open)
    const socket = await viewerSocket(b, doc, (await call(a, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken)
    await socket.next('sync-step2')

    // Relay b loses Redis; the owner trashes the collection through relay a, whose sweep b never hears.
    await proxy.cut()
    await vi.waitFor(async () => expect((await call(b, 'GET', '/healthz')).status).toBe(503), 10_000)
    await trashOnRelay(a, owner, doc)
    const before = shown(socket).length

    // Redis is back; the owner's devices keep syncing the trashed collection.
    await proxy.restore()
    await vi.waitFor(async () => expect((await call(b, 'GET', '/healthz')).status).toBe(200), 15_000)
    collection.doc.getMap('items').set('r2', 'POST /orders (made while in the trash)')

    expect(await closedWithin(socket, 5_000)).toBe(CloseCode.CollectionTrashed)
    expect(shown(socket).slice(before)).toEqual([])
  })

  // Held: the sweep waits in ioredis's queue behind the frames that failed, and goes out once Redis is back.
  it("a viewer on a healthy relay is closed once Redis is back on the relay the owner trashed through, after the frames queued there were dropped", async () => {
    const proxy = await redisProxy()
    const [a, b] = [await cluster.relay({ REDIS_URL: proxy.url }), await cluster.relay()]
    const { doc, index, collection, link } = await shareCollection(a, open)
    const socket = await viewerSocket(b, doc, (await call(a, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken)
    await socket.next('sync-step2')

    // Relay a loses Redis for longer than ioredis keeps what is queued (it drops it after 20
    // reconnect attempts, about 11 s); the owner trashes the collection through it.
    await proxy.cut()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    index.trashCollection('orders', Date.now())
    await storedListing(a, doc, { name: 'Orders', trashed: true })
    await new Promise((resolve) => setTimeout(resolve, REDIS_GIVES_UP_MS))
    const before = shown(socket).length

    await proxy.restore()
    await vi.waitFor(async () => expect((await call(a, 'GET', '/healthz')).status).toBe(200), 15_000)
    collection.doc.getMap('items').set('r2', 'POST /orders (made while in the trash)')

    expect(await closedWithin(socket, 5_000)).toBe(CloseCode.CollectionTrashed)
    expect(shown(socket).slice(before)).toEqual([])
  })
})
