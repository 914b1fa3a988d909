/**
 * A new device's open of a doc that is not loaded is answered from a read of the store
 * (`Rooms.joinStored`). If that read is slow enough that meanwhile another socket's edit loads
 * the doc, is stored and the doc unloads again, the read lacks the edit — and the edit was
 * relayed before the device joined the room. The device must still get it: answered from that
 * read (it was, with a `persisted` for the old state), it never did until it reconnected, and
 * the next new devices got the same read while it was kept. The read is slowed in the store
 * itself (a big doc, a busy database); the unload is quick (`ROOM_IDLE_UNLOAD_MS`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { col, textBecomes } from '../helpers/mux-suite.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { covers } from '../helpers/sync-clients.ts'

const sockets: MuxClient[] = []
let relay: TestRelay | null = null
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.end()
  await relay?.close(true)
  relay = null
})
async function connect(token: string): Promise<MuxClient> {
  const socket = await muxClient(muxUrl(relay!.wsUrl, token))
  sockets.push(socket)
  return socket
}

describe('a store read that outlives a load and an unload', { timeout: 30_000 }, () => {
  it('does not answer a new device with what the store held before', async () => {
    relay = await startRelay({ ROOM_IDLE_MS: '60000', ROOM_IDLE_UNLOAD_MS: '100' })
    const token = await sessionToken(relay, 'alice')
    const name = col('raced')
    const writer = await connect(token)
    const here = new Y.Doc()
    writer.bind(name, here)
    writer.open([openRequest(name, here)])
    await writer.control('opened')
    here.getText('t').insert(0, 'first')
    await vi.waitFor(() => expect(writer.messagesOf(name).some((m) => m.type === 'persisted' && covers(m.stateVector, Y.encodeStateVector(here)))).toBe(true))
    // Unloaded, and the stored state kept for the open forgotten.
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)
    await new Promise((r) => setTimeout(r, 300))

    // The next read of the doc is slow (a big doc, a busy database).
    const docs = relay.stores.docs
    const load = docs.load.bind(docs)
    let slowed = false
    let releaseRead!: () => void
    const readHeld = new Promise<void>((r) => (releaseRead = r))
    docs.load = async (doc) => {
      const stored = await load(doc)
      if (doc !== name || slowed) return stored
      slowed = true
      await readHeld
      return stored
    }
    const device = await connect(token)
    const there = new Y.Doc()
    device.bind(name, there)
    device.open([openRequest(name)])
    await vi.waitFor(() => expect(slowed).toBe(true))

    // Meanwhile the writer edits: the doc loads, stores the edit, and unloads again.
    here.getText('t').insert(0, 'second ')
    await vi.waitFor(() => expect(writer.messagesOf(name).some((m) => m.type === 'persisted' && covers(m.stateVector, Y.encodeStateVector(here)))).toBe(true))
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)
    releaseRead()
    await device.control('opened')
    await textBecomes(there, 'second first')
  })
})
