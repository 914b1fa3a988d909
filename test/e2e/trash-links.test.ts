/**
 * A share link of a collection in its owner's trash, on files and on PostgreSQL (and across two
 * relays): the resolve answers 410 `collection_trashed` without spending a use, sockets are
 * refused with 4423, a viewer connected when the owner trashes it is closed with 4423 — and
 * after a restore the link works again (suspended, not revoked). The owner's own devices keep
 * syncing the trashed collection.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode } from '@ferry/protocol'
import { LinkUnavailable, openSharedCollection, RelayApi } from '../../packages/client/src/index.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { call } from '../helpers/links.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { shareCollection, storedListing as stored, useStockProviders } from '../helpers/shared-collection.ts'
import { synced } from '../helpers/sync-clients.ts'

const { open, destroyAll } = useStockProviders()

const closedWith = (provider: WebsocketProvider): Promise<number> =>
  new Promise((resolve) => provider.once('closed', (event: { code: number }) => resolve(event.code)))

const viewerOptions = (relay: TestRelay) => ({ relay: new RelayApi({ baseUrl: relay.url }), createSocket: createDevice('viewer').createSocket })

const resolve = (relay: TestRelay, token: string) => call(relay, 'GET', `/v1/links/resolve/${token}`)

describe.each(RELAY_BACKENDS)('links of a trashed collection on $name', { timeout: 60_000 }, (backend) => {
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
    destroyAll()
    await relay.close(true)
    await cleanup()
  })

  it.skipIf(backend.skip)('are refused while it is in the trash, without spending a use, and work again after a restore', async () => {
    const { doc, index, link } = await shareCollection(relay, open, { maxUses: 2 })
    const viewer = (await resolve(relay, link.token)).body.viewerToken as string
    index.trashCollection('orders', Date.now())
    await stored(relay, doc, { name: 'Orders', trashed: true })

    expect(await resolve(relay, link.token)).toMatchObject({ status: 410, body: { error: { code: 'collection_trashed', message: expect.stringContaining("owner's trash") } } })
    for (const token of [viewer, link.token]) expect(await closedWith(open(relay, doc, token))).toBe(CloseCode.CollectionTrashed)
    await expect(openSharedCollection(`${relay.url}/#/shared?token=${link.token}`, viewerOptions(relay)))
      .rejects.toMatchObject({ name: LinkUnavailable.name, code: 'collection_trashed' })

    index.restoreCollection('orders')
    await stored(relay, doc, { name: 'Orders', trashed: false })
    const again = open(relay, doc, viewer)
    await synced(again)
    expect(again.doc.getMap('items').get('r1')).toBe('GET /orders')
    // Only the first resolve counted: the refused ones spent nothing, so one use is left.
    expect((await resolve(relay, link.token)).status).toBe(200)
    expect((await resolve(relay, link.token)).body).toMatchObject({ error: { code: 'link_used_up' } })
  })

  it.skipIf(backend.skip)('close a viewer that is connected when the owner trashes it; the owner keeps syncing it', async () => {
    const { owner, doc, index, link } = await shareCollection(relay, open)
    const shared = await openSharedCollection(`${relay.url}/#/shared?token=${link.token}`, viewerOptions(relay))
    await shared.loaded
    const stock = open(relay, doc, (await resolve(relay, link.token)).body.viewerToken)
    await synced(stock)
    const stockClosed = closedWith(stock)

    index.trashCollection('orders', Date.now())
    expect(await stockClosed).toBe(CloseCode.CollectionTrashed)
    await vi.waitFor(() => expect(shared.status).toEqual({ kind: 'error', reason: expect.stringContaining("owner's trash") }), 5_000)
    shared.close()

    const ownerView = open(relay, doc, owner.token)
    await synced(ownerView)
    ownerView.doc.getMap('items').set('r2', 'POST /orders')
    const second = open(relay, doc, owner.token)
    await vi.waitFor(() => expect(second.doc.getMap('items').get('r2')).toBe('POST /orders'), 5_000)
  })
})

describe.skipIf(skipScaledOut)('links of a trashed collection across two relays', { timeout: 60_000 }, () => {
  const cluster = useScaledOut()

  it('a viewer on one relay is closed when the owner trashes the collection through another', async () => {
    const [a, b] = [await cluster.relay(), await cluster.relay()]
    const { doc, index, link } = await shareCollection(a, open)
    const viewer = open(b, doc, (await resolve(a, link.token)).body.viewerToken)
    await synced(viewer)
    const closed = closedWith(viewer)
    index.trashCollection('orders', Date.now())
    expect(await closed).toBe(CloseCode.CollectionTrashed)
  })
})
