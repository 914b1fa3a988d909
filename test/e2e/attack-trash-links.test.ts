/**
 * Attacks on a share link of a collection in its owner's trash: no moment in which a link holder
 * gets in, or stays in, while the collection is in the trash — not when the store cannot answer
 * the check, not when the viewer's socket joins after the sweeps that close viewers, not when the
 * viewer's relay missed the sweep during a Redis outage.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { call } from '../helpers/links.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { shareCollection, storedListing } from '../helpers/shared-collection.ts'
import { rawClient, stockProvider, syncUrl, type RawClient } from '../helpers/sync-clients.ts'

const providers: WebsocketProvider[] = []
const sockets: RawClient[] = []
let warn: MockInstance<typeof console.warn>
beforeEach(() => {
  // The stock provider reports the relay's refusals on the console.
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})
afterEach(() => {
  for (const provider of providers.splice(0)) provider.destroy()
  for (const socket of sockets.splice(0)) socket.close()
  warn.mockRestore()
})

function open(relay: TestRelay, doc: string, token: string): WebsocketProvider {
  const provider = stockProvider(relay.wsUrl, doc, token)
  providers.push(provider)
  return provider
}

async function viewerSocket(relay: TestRelay, doc: DocName, token: string): Promise<RawClient> {
  const socket = await rawClient(syncUrl(relay.wsUrl, doc, token))
  sockets.push(socket)
  return socket
}

/** Makes `relay`'s store fail to load `name` while `failing()` says so (a database that stopped answering). */
function failLoads(relay: TestRelay, name: DocName, failing: () => boolean): void {
  const store = relay.stores.docs
  const load = store.load.bind(store)
  store.load = (doc) => (doc === name && failing() ? Promise.reject(new Error('the database stopped answering')) : load(doc))
}

describe.each(RELAY_BACKENDS)('attack: links of a trashed collection on $name', { timeout: 60_000 }, (backend) => {
  let relay: TestRelay
  let cleanup = async (): Promise<void> => undefined
  beforeEach(async () => {
    if (backend.skip) return
    const setup = await backend.env()
    cleanup = setup.cleanup
    relay = await startRelay(setup.env)
  })
  afterEach(async () => {
    if (backend.skip) return
    for (const provider of providers.splice(0)) provider.destroy()
    await relay.close(true)
    await cleanup()
  })

  it.skipIf(backend.skip)('do not open while the store cannot say whether the collection is in the trash', async () => {
    const { owner, doc, index, link } = await shareCollection(relay, open)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken as string
    index.trashCollection('orders', Date.now())
    await storedListing(relay, doc, { name: 'Orders', trashed: true })

    let failing = true
    failLoads(relay, docName(owner.id, 'workspace'), () => failing)
    expect((await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).status).toBeGreaterThanOrEqual(500)
    const socket = await viewerSocket(relay, doc, viewer)
    expect(await socket.closed).toBe(CloseCode.InternalError)
    expect(socket.messages.filter((m) => m.type === 'sync-step2' || m.type === 'sync-update')).toEqual([])

    // The store answers again: still in the trash, still refused.
    failing = false
    expect((await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body).toMatchObject({ error: { code: 'collection_trashed' } })
  })
})
