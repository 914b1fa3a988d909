/**
 * Fragmented messages (type 101) on a real relay: reassembled, stored and acknowledged only
 * once complete; a socket that dies mid-way leaves nothing; a declared size over
 * MAX_REASSEMBLED_BYTES is refused at once with 4413, and a stream of fragments never makes
 * the relay hold more than that cap. Ferry's client, refused for size (or for the memory its
 * change would take to decode, MAX_UPDATE_DECODED_BYTES), says what to do, keeps the change,
 * and syncs it once the relay accepts it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, encodeMessage, fragmentFrame, type DocName } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import type { LocalDoc } from '../../packages/client/src/local-doc.ts'
import { openLocalDoc } from '../helpers/local-doc.ts'
import { describeStatus, SyncProvider, type SyncConnection } from '../../packages/client/src/index.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { rawClient, readStoredDoc, syncUrl, type RawClient } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const DOC = 'alice:collection:frag'
const CAP = 1024 * 1024

let relay: TestRelay
const clients: RawClient[] = []
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  for (const c of clients.splice(0)) c.close()
  await relay.close(true)
})

async function join(ack = false): Promise<RawClient> {
  const client = await rawClient(syncUrl(relay.wsUrl, DOC, await sessionToken(relay, 'alice'), ack))
  clients.push(client)
  await client.next('sync-step1')
  return client
}

function bigUpdate(bytes: number): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, 'z'.repeat(bytes))
  return { doc, update: Y.encodeStateAsUpdate(doc) }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('fragmented messages on the relay', () => {
  it('are applied, relayed whole, stored and acknowledged once complete', async () => {
    relay = await startRelay({ MAX_REASSEMBLED_BYTES: String(CAP) })
    const peer = await join()
    const writer = await join(true)
    const { doc, update } = bigUpdate(600_000)
    const frames = fragmentFrame(encodeMessage({ type: 'sync-update', update }), 1, 100_000)
    expect(frames.length).toBe(7)
    for (const frame of frames.slice(0, -1)) writer.send(frame)
    await vi.waitFor(() => expect(relay.app.sync.reassemblingBytes).toBe(600_000), { timeout: 5_000 })
    expect(peer.messages.filter((m) => m.type === 'sync-update')).toEqual([])
    writer.send(frames.at(-1)!)
    const { stateVector } = await writer.next('persisted')
    expect(Y.decodeStateVector(stateVector).get(doc.clientID)).toBe(600_000)
    const relayed = await peer.next('sync-update')
    expect(Buffer.from(relayed.update).equals(Buffer.from(update))).toBe(true)
    expect(relay.app.sync.reassemblingBytes).toBe(0)
    const stored = await readStoredDoc(relay.wsUrl, DOC, await sessionToken(relay, 'alice'))
    expect(stored.getText('body').length).toBe(600_000)
  })

  it('leave nothing stored and acknowledge nothing when the socket dies before the last fragment', async () => {
    relay = await startRelay({ MAX_REASSEMBLED_BYTES: String(CAP) })
    const peer = await join()
    const writer = await join(true)
    const { update } = bigUpdate(500_000)
    const frames = fragmentFrame(encodeMessage({ type: 'sync-update', update }), 1, 100_000)
    for (const frame of frames.slice(0, -1)) writer.send(frame)
    await vi.waitFor(() => expect(relay.app.sync.reassemblingBytes).toBeGreaterThan(0), { timeout: 5_000 })
    writer.ws.terminate()
    await writer.closed
    await vi.waitFor(() => expect(relay.app.sync.reassemblingBytes).toBe(0), { timeout: 5_000 })
    await relay.app.sync.flush()
    expect(writer.messages.filter((m) => m.type === 'persisted')).toEqual([])
    expect(peer.messages.filter((m) => m.type === 'sync-update')).toEqual([])
    const stored = await readStoredDoc(relay.wsUrl, DOC, await sessionToken(relay, 'alice'))
    expect(stored.getText('body').length).toBe(0)
  })

  it('declared over MAX_REASSEMBLED_BYTES are refused at once with 4413, holding nothing', async () => {
    relay = await startRelay({ MAX_REASSEMBLED_BYTES: String(CAP) })
    const peer = await join()
    const hostile = await join(true)
    let reason = ''
    hostile.ws.on('close', (_code, why) => (reason = why.toString()))
    hostile.send({ type: 'fragment', id: 1, index: 0, count: 1 << 20, total: 2 ** 40, chunk: new Uint8Array(60_000) })
    expect(await hostile.closed).toBe(CloseCode.ChangeTooLarge)
    expect(reason).toContain(String(CAP))
    expect(relay.app.sync.reassemblingBytes).toBe(0)
    expect(peer.ws.readyState).toBe(peer.ws.OPEN)
  })

  it('streamed without end are cut off, and the relay never holds more than the cap', async () => {
    relay = await startRelay({ MAX_REASSEMBLED_BYTES: String(CAP) })
    const hostile = await join(true)
    const chunk = new Uint8Array(64 * 1024).fill(7)
    let held = 0
    let sent = 0
    for (let index = 0; index < 1_000 && hostile.ws.readyState === hostile.ws.OPEN; index++) {
      hostile.send({ type: 'fragment', id: 9, index, count: 1_000, total: CAP, chunk })
      sent += chunk.length
      await nextTurn()
      held = Math.max(held, relay.app.sync.reassemblingBytes)
    }
    expect(await hostile.closed).toBe(CloseCode.Malformed)
    expect(sent).toBeGreaterThan(CAP)
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThanOrEqual(CAP)
    await vi.waitFor(() => expect(relay.app.sync.reassemblingBytes).toBe(0), { timeout: 5_000 })
  })

  it('must come back to back: another message in the middle closes the socket with 4400', async () => {
    relay = await startRelay({ MAX_REASSEMBLED_BYTES: String(CAP) })
    const writer = await join(true)
    const frames = fragmentFrame(encodeMessage({ type: 'sync-update', update: bigUpdate(300_000).update }), 1, 100_000)
    writer.send(frames[0]!)
    writer.send({ type: 'sync-update', update: new Uint8Array([0, 0]) })
    expect(await writer.closed).toBe(CloseCode.Malformed)
  })
})

describe("Ferry's client and a change over the relay's cap", () => {
  function connection(device: Device, sockets: { opened: number }): SyncConnection {
    return {
      url: (name, token) => `${relay.wsUrl}/v1/sync/${name}?token=${token}&ack=1`,
      token: () => sessionToken(relay, 'alice'),
      refreshToken: () => sessionToken(relay, 'alice'),
      createSocket: (url) => {
        sockets.opened++
        return device.createSocket(url)
      },
      backoff: { minMs: 20, maxMs: 200, random: () => 0.5 },
      online: null,
    }
  }

  async function openLocal(device: Device, name: DocName): Promise<{ local: LocalDoc; close(): Promise<void> }> {
    const store = await AccountStore.open(device.indexedDB)
    const storedDoc = await openLocalDoc(device.indexedDB, store, name)
    const local = storedDoc.local
    return {
      local,
      close: async () => {
        await storedDoc.close()
        store.close()
      },
    }
  }

  it.each([
    {
      limit: 'MAX_REASSEMBLED_BYTES',
      says: /^error \(a change of 2\.\d MB is too large for the relay \(over its limit of 1\.0 MB\); it stays on this device — ask the relay's operator to raise MAX_REASSEMBLED_BYTES, then sync again\)$/,
    },
    {
      limit: 'MAX_UPDATE_DECODED_BYTES',
      says: /^error \(the relay refused a change as too costly to read \(it would take about \d+ MB of memory, over the limit of 1 MB\); it stays on this device — ask the relay's operator to raise MAX_UPDATE_DECODED_BYTES, then sync again\)$/,
    },
  ])('over $limit: reports what to do, keeps the change, does not retry in a loop, and syncs it on syncNow once the relay accepts it', async ({ limit, says }) => {
    relay = await startRelay({ [limit]: String(CAP) })
    const name = docName('alice', 'collection', 'huge')
    const laptop = createDevice('laptop')
    const opened = await openLocal(laptop, name)
    cleanups.push(() => opened.close())
    const collection = new Collection(opened.local.doc)
    const body = JSON.stringify({ data: 'q'.repeat(1_500) })
    collection.addAll(Array.from({ length: 1_200 }, (_, i) => ({ kind: 'request' as const, name: `big ${i}`, body: { mode: 'raw' as const, raw: body } })))
    const sockets = { opened: 0 }
    const provider = new SyncProvider(opened.local.doc, name, connection(laptop, sockets))
    cleanups.push(() => provider.destroy())
    await vi.waitFor(() => expect(provider.status.kind).toBe('error'), { timeout: 10_000 })
    expect(describeStatus(provider.status)).toMatch(says)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(sockets.opened).toBe(1)
    expect(provider.hasSocket).toBe(false)
    expect(collection.tree()).toHaveLength(1_200)

    // Nothing local was deleted: a reload reads the change from IndexedDB.
    const again = await openLocal(laptop, name)
    expect(new Collection(again.local.doc).tree()).toHaveLength(1_200)
    await again.close()

    // The operator raises the limit; "sync now" sends the change.
    const start = await stopRelay(relay)
    relay = await start()
    provider.syncNow()
    await vi.waitFor(() => expect(describeStatus(provider.status)).toBe('in sync'), { timeout: 15_000 })
    const stored = await readStoredDoc(relay.wsUrl, name, await sessionToken(relay, 'alice'))
    expect(new Collection(stored).tree()).toHaveLength(1_200)
  })
})
