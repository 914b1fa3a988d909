/**
 * An owner's collection shared by link, for the suites on what a link shows while the collection
 * is in the trash: the owner's index and the collection are synced through stock providers (the
 * caller's, so it closes them), the index lists the collection, and a link to it exists; and
 * the stock providers such a suite opens.
 */
import { afterEach, beforeEach, expect, vi, type MockInstance } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import { docName, parseDocName, type DocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { readCollectionListing, type CollectionListing } from '../../relay/src/links/collection-listing.ts'
import { call, createUser, type TestUser } from './links.ts'
import type { TestRelay } from './relay.ts'
import { stockProvider, synced } from './sync-clients.ts'

export interface SharedCollection {
  owner: TestUser
  doc: DocName
  /** The owner's index, synced through `relay`. */
  index: WorkspaceIndex
  /** The owner's copy of the collection, synced through `relay`. */
  collection: WebsocketProvider
  link: { id: string; token: string }
}

/** Opens a stock provider on `doc` with `token` (closed by the caller). */
export type OpenProvider = (relay: TestRelay, doc: string, token: string) => WebsocketProvider

export interface StockProviders {
  /** Opens a stock provider, destroyed after the test. */
  open: OpenProvider
  /** Destroys every provider opened so far (before a relay restarts or closes). */
  destroyAll(): void
}

/** Stock providers for a test file; console.warn is silenced in each test, where the stock provider reports the relay's refusals. */
export function useStockProviders(): StockProviders {
  const providers: WebsocketProvider[] = []
  let warn: MockInstance<typeof console.warn>
  const destroyAll = (): void => {
    for (const provider of providers.splice(0)) provider.destroy()
  }
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  })
  afterEach(() => {
    destroyAll()
    warn.mockRestore()
  })
  return {
    open: (relay, doc, token) => {
      const provider = stockProvider(relay.wsUrl, doc, token)
      providers.push(provider)
      return provider
    },
    destroyAll,
  }
}

/** An owner whose index lists a collection holding one request (both synced on `relay`), and a link to it. */
export async function shareCollection(relay: TestRelay, open: OpenProvider, options: { maxUses?: number } = {}): Promise<SharedCollection> {
  const owner = await createUser(relay)
  const doc = docName(owner.id, 'collection', 'orders')
  const indexView = open(relay, docName(owner.id, 'workspace'), owner.token)
  const collection = open(relay, doc, owner.token)
  await Promise.all([synced(indexView), synced(collection)])
  const index = new WorkspaceIndex(indexView.doc)
  index.addCollection('Orders', 'orders')
  collection.doc.getMap('items').set('r1', 'GET /orders')
  await storedListing(relay, doc, { name: 'Orders', trashed: false })
  const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc, ...options })
  expect(created.status).toBe(201)
  return { owner, doc, index, collection, link: created.body }
}

/**
 * Waits until `relay` stored the owner's index listing `doc` as `expected` (`flush`: storing
 * what every room holds now rather than at its group commit; it waits for rooms still loading).
 */
export async function storedListing(relay: TestRelay, doc: DocName, expected: CollectionListing, flush = true): Promise<void> {
  const parsed = parseDocName(doc)
  if (!parsed.ok) throw new Error(parsed.error.message)
  await vi.waitFor(async () => {
    if (flush) await relay.app.sync.flush()
    expect(await readCollectionListing(relay.stores.docs, parsed.value)).toEqual(expected)
  }, 5_000)
}
