/**
 * Any amount of offline work syncs (issue 11): 10,000 edits and a 20 MB Postman-sized import
 * made offline reach the relay and another device with the relay's default settings, through
 * Ferry's client (catch-up in pieces, frames over 128 KiB in fragments) and through the stock
 * y-websocket provider (one large frame, under the owner frame limit). Before this, both were
 * closed with 1009 forever.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, docName, FRAGMENT_CHUNK_BYTES, FRAGMENT_OVERHEAD_BYTES, type DocName } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import type { LocalDoc } from '../../packages/client/src/local-doc.ts'
import { openLocalDoc } from '../helpers/local-doc.ts'
import { describeStatus, SyncProvider, type SyncConnection } from '../../packages/client/src/index.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const OWNER = 'alice'
const NAME = docName(OWNER, 'collection', 'big')
/** Over 1 MiB of Yjs update: what the relay used to close with 1009. */
const EDITS = 10_000
/** ~20 MB of Yjs update in one transaction, as a large Postman import makes. */
const IMPORT_REQUESTS = 10_000
const IMPORT_BODY = JSON.stringify({ data: 'y'.repeat(1_600) })

/** 10,000 separate edits (each its own transaction): 1,000 requests added, then bodies typed into. */
function tenThousandEdits(doc: Y.Doc): void {
  const collection = new Collection(doc)
  const ids: string[] = []
  for (let i = 0; i < 1_000; i++) {
    ids.push(collection.add({ kind: 'request', name: `request ${i}`, method: 'GET', url: `https://api.test/items/${i}?page=${i % 7}` }))
  }
  for (let i = 1_000; i < EDITS; i++) {
    const body = collection.text(ids[i % ids.length]!, 'body')!
    body.insert(body.length, `{"edit":${i},"note":"typed while offline on the train, one edit of ten thousand, all kept","at":${i * 37}}\n`)
  }
}

function bigImport(doc: Y.Doc): void {
  new Collection(doc).addAll(
    Array.from({ length: IMPORT_REQUESTS }, (_, i) => ({
      kind: 'request' as const,
      name: `imported ${i}`,
      method: 'POST',
      url: `https://api.test/items/${i}`,
      body: { mode: 'raw' as const, raw: IMPORT_BODY, language: 'json' as const },
    })),
  )
}

function expectSameContent(a: Y.Doc, b: Y.Doc, requests: number): void {
  expect(Y.encodeStateVector(b)).toEqual(Y.encodeStateVector(a))
  const tree = new Collection(b).tree()
  expect(tree).toHaveLength(requests)
  expect(new Collection(b).snapshot()).toEqual(new Collection(a).snapshot())
}

let relay: TestRelay
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await relay.close(true)
})

interface FerryDevice {
  device: Device
  local: LocalDoc
  provider: SyncProvider
  /** Sizes of every frame this device sent. */
  sent: number[]
}

function connection(device: Device, sent: number[]): SyncConnection {
  return {
    url: (name, token) => `${relay.wsUrl}/v1/sync/${name}?token=${token}&ack=1`,
    token: () => sessionToken(relay, OWNER),
    refreshToken: () => sessionToken(relay, OWNER),
    createSocket: (url) => {
      const socket = device.createSocket(url)
      const send = socket.send.bind(socket)
      socket.send = (data: Uint8Array) => {
        sent.push(data.length)
        send(data)
      }
      return socket
    },
    backoff: { minMs: 20, maxMs: 200, random: () => 0.5 },
    online: null,
  }
}

/** Opens `name` from the device's IndexedDB (as a page load does) and starts syncing it. */
async function connect(device: Device, name: DocName = NAME): Promise<FerryDevice> {
  const store = await AccountStore.open(device.indexedDB)
  const storedDoc = await openLocalDoc(device.indexedDB, store, name)
  const local = storedDoc.local
  const sent: number[] = []
  const provider = new SyncProvider(local.doc, name, connection(device, sent))
  cleanups.push(async () => {
    await provider.destroy()
    await storedDoc.close()
    store.close()
  })
  return { device, local, provider, sent }
}

/** Edits `name` on a device that has no connection, then closes it (the work is on disk only). */
async function workOffline(device: Device, edit: (doc: Y.Doc) => void): Promise<Y.Doc> {
  const store = await AccountStore.open(device.indexedDB)
  const storedDoc = await openLocalDoc(device.indexedDB, store, NAME)
  const local = storedDoc.local
  edit(local.doc)
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(local.doc))
  await storedDoc.close()
  store.close()
  return copy
}

const inSync = (d: FerryDevice, timeout = 30_000) =>
  vi.waitFor(() => expect(describeStatus(d.provider.status)).toBe('in sync'), { timeout, interval: 50 })

describe("offline work through Ferry's client, default relay settings", () => {
  beforeEach(async () => {
    relay = await startRelay()
  })

  it.each([
    ['10,000 offline edits', tenThousandEdits, 1_000, 1024 * 1024],
    ['a 20 MB offline import', bigImport, IMPORT_REQUESTS, 20_000_000],
  ] as const)('%s reach the relay and the other device', async (_label, edit, requests, atLeastBytes) => {
    const laptop = createDevice('laptop')
    const expected = await workOffline(laptop, edit)
    expect(Y.encodeStateAsUpdate(expected).length).toBeGreaterThan(atLeastBytes)

    const started = performance.now()
    const online = await connect(laptop)
    await inSync(online)
    const uploadMs = performance.now() - started
    // No frame anywhere near a relay's frame limit: big messages went in fragments.
    expect(Math.max(...online.sent)).toBeLessThanOrEqual(FRAGMENT_CHUNK_BYTES + FRAGMENT_OVERHEAD_BYTES)

    const phone = await connect(createDevice('phone'))
    await inSync(phone)
    expectSameContent(expected, phone.local.doc, requests)
    console.info(`${_label}: ${(Y.encodeStateAsUpdate(expected).length / 1e6).toFixed(1)} MB, laptop in sync after ${uploadMs.toFixed(0)} ms, phone after ${(performance.now() - started).toFixed(0)} ms in all`)
  }, 60_000)
})

describe('offline work through the stock y-websocket provider, default relay settings', () => {
  const providers: WebsocketProvider[] = []
  beforeEach(async () => {
    relay = await startRelay()
    cleanups.push(() => {
      for (const p of providers.splice(0)) p.destroy()
    })
  })

  it.each([
    ['10,000 offline edits', tenThousandEdits, 1_000],
    ['a 20 MB offline import', bigImport, IMPORT_REQUESTS],
  ] as const)('%s reach the relay and the other device', async (_label, edit, requests) => {
    const token = await sessionToken(relay, OWNER)
    const laptop = stockProvider(relay.wsUrl, NAME, token)
    providers.push(laptop)
    await synced(laptop)
    laptop.disconnect()
    edit(laptop.doc)
    const started = performance.now()
    const closes: number[] = []
    laptop.on('connection-close', (event: CloseEvent | null) => void closes.push(event?.code ?? 0))
    laptop.connect()
    await synced(laptop)

    const phone = stockProvider(relay.wsUrl, NAME, token)
    providers.push(phone)
    await vi.waitFor(() => expect(Y.encodeStateVector(phone.doc)).toEqual(Y.encodeStateVector(laptop.doc)), { timeout: 30_000, interval: 50 })
    expectSameContent(laptop.doc, phone.doc, requests)
    expect(closes.filter((code) => code !== 1000)).toEqual([])
    console.info(`stock, ${_label}: on the phone after ${(performance.now() - started).toFixed(0)} ms`)
  }, 60_000)
})

describe("Ferry's client against the smallest frame limit and reassembly cap", () => {
  beforeEach(async () => {
    relay = await startRelay({ MAX_OWNER_MESSAGE_BYTES: String(256 * 1024), MAX_REASSEMBLED_BYTES: String(1024 * 1024) })
  })

  it('syncs imports made offline over three page loads, more than the cap together, in pieces; a stock client cannot send them', async () => {
    const laptop = createDevice('laptop')
    let expected = new Y.Doc()
    for (let session = 0; session < 3; session++) {
      expected = await workOffline(laptop, (doc) => {
        new Collection(doc).addAll(
          Array.from({ length: 350 }, (_, i) => ({ kind: 'request' as const, name: `s${session} ${i}`, body: { mode: 'raw' as const, raw: IMPORT_BODY } })),
        )
      })
    }
    // More than the relay reassembles for one message: only pieces get through.
    expect(Y.encodeStateAsUpdate(expected).length).toBeGreaterThan(1024 * 1024)
    const online = await connect(laptop)
    await inSync(online)
    expect(Math.max(...online.sent)).toBeLessThanOrEqual(FRAGMENT_CHUNK_BYTES + FRAGMENT_OVERHEAD_BYTES)
    const phone = await connect(createDevice('phone'))
    await inSync(phone)
    expectSameContent(expected, phone.local.doc, 3 * 350)

    const stock = stockProvider(relay.wsUrl, docName(OWNER, 'collection', 'stock'), await sessionToken(relay, OWNER))
    cleanups.push(() => stock.destroy())
    await synced(stock)
    const closed = new Promise<number>((resolve) => stock.on('connection-close', (event: CloseEvent | null) => resolve(event?.code ?? 0)))
    Y.applyUpdate(stock.doc, Y.encodeStateAsUpdate(expected))
    expect(await closed).toBe(CloseCode.TooLarge)
  }, 60_000)
})
