/**
 * A new device's `open` — a client that holds nothing of its docs — is answered from what the
 * store holds, without loading the docs (docs/PROTOCOL.md, "Opening docs"): each doc's whole
 * content in one sync step 2, a `persisted` covering exactly that, no sync step 1, and the docs
 * stay out of memory until a frame needs them. What is written later — on this relay or on
 * another one sharing the store — reaches such a client, and the next new device gets it too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { col, textBecomes, textDoc } from '../helpers/mux-suite.ts'
import { startRelay, tempDataDir, type TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { sessionToken, signIn, signUpEmail } from '../helpers/sessions.ts'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { covers, updateFrame } from '../helpers/sync-clients.ts'

const sockets: MuxClient[] = []
let relay: TestRelay | null = null
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.end()
  await relay?.close(true)
  relay = null
})

async function connect(on: TestRelay, token: string): Promise<MuxClient> {
  const socket = await muxClient(muxUrl(on.wsUrl, token))
  sockets.push(socket)
  return socket
}

/** Opens `names` on `socket` holding nothing of them; resolves once `opened` arrived. */
async function openEmpty(socket: MuxClient, names: string[]): Promise<string[]> {
  socket.open(names.map((name) => openRequest(name)))
  return (await socket.control('opened', 20_000)).docs as string[]
}

/** Sends each update on its own frame and waits until the relay acknowledged all of `state`. */
async function write(socket: MuxClient, name: string, updates: Uint8Array[], state: Y.Doc): Promise<void> {
  for (const update of updates) socket.send(name, updateFrame(update))
  while (!covers((await socket.doc(name, 'persisted', 10_000)).stateVector, Y.encodeStateVector(state)));
}

/** A doc edited in `count` separate updates (the last one a deletion), and those updates. */
function edits(text: string, count: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count - 1; i++) doc.getText('t').insert(doc.getText('t').length, `${text}${i};`)
  doc.getText('t').delete(0, 1)
  return { doc, updates }
}

/** What `socket` got on `name`, applied to a fresh doc; and the last `persisted` state vector. */
function received(socket: MuxClient, name: string): { doc: Y.Doc; persisted: Uint8Array | null } {
  const doc = new Y.Doc()
  let persisted: Uint8Array | null = null
  for (const message of socket.messagesOf(name)) {
    if (message.type === 'sync-step2' || message.type === 'sync-update') Y.applyUpdate(doc, message.update)
    if (message.type === 'persisted') persisted = message.stateVector
  }
  return { doc, persisted }
}

describe('an open from a client that holds nothing', () => {
  it('gets each stored doc (snapshot, log, both, a long log, nothing) whole with its persisted, and no doc loads but the long log', async () => {
    const dataDir = tempDataDir()
    const [compacted, both, log, long, never] = [col('compacted'), col('both'), col('log'), col('long'), col('never')]
    const written = { compacted: edits('c', 3), both: edits('b', 3), log: edits('l', 4), long: edits('x', 30) }

    // Unloaded as soon as its socket leaves, compacted: snapshots only.
    relay = await startRelay({ ROOM_IDLE_MS: '0' }, dataDir)
    let writer = await connect(relay, await sessionToken(relay, 'alice'))
    await openEmpty(writer, [compacted, both])
    await write(writer, compacted, written.compacted.updates, written.compacted.doc)
    await write(writer, both, written.both.updates.slice(0, 2), written.both.doc)
    writer.end()
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)
    await relay.close()

    // A restart stores what the rooms hold without compacting: logs after the snapshot, or alone.
    relay = await startRelay({}, dataDir)
    writer = await connect(relay, await sessionToken(relay, 'alice'))
    await openEmpty(writer, [log, long])
    writer.open([openRequest(both, partial(written.both.updates.slice(0, 2)))])
    await writer.control('opened')
    await write(writer, both, written.both.updates.slice(2), written.both.doc)
    await write(writer, log, written.log.updates, written.log.doc)
    await write(writer, long, written.long.updates, written.long.doc)
    writer.end()
    await relay.close()

    relay = await startRelay({}, dataDir)
    const device = await connect(relay, await sessionToken(relay, 'alice'))
    const names = [compacted, both, log, long, never]
    expect(await openEmpty(device, names)).toEqual(names)
    for (const [name, { doc }] of [[compacted, written.compacted], [both, written.both], [log, written.log], [long, written.long]] as const) {
      // Each doc holds a deletion: still no step 1, the client has nothing to send.
      expect(device.messagesOf(name).map((m) => m.type)).toEqual(['sync-step2', 'persisted'])
      const got = received(device, name)
      expect(got.doc.getText('t').toString()).toBe(doc.getText('t').toString())
      expect(got.persisted).toEqual(Y.encodeStateVector(doc))
    }
    expect(device.messagesOf(never).map((m) => m.type)).toEqual(['persisted'])
    expect(relay.app.sync.rooms).toBe(names.length)
    // A log of more parts than merge cheaply is loaded to answer; the others stay on disk.
    expect(relay.app.sync.loadedRooms).toBe(1)
  })

  it('answers a second new device like the first; an edit reaches both, and the next new device after the doc unloaded again', async () => {
    relay = await startRelay({ ROOM_IDLE_MS: '0', ROOM_IDLE_UNLOAD_MS: '200' })
    const token = await sessionToken(relay, 'alice')
    const name = col('shared')
    const seeded = textDoc('first')
    const writer = await connect(relay, token)
    await openEmpty(writer, [name])
    await write(writer, name, [Y.encodeStateAsUpdate(seeded)], seeded)
    writer.end()
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)

    const [a, b] = [await connect(relay, token), await connect(relay, token)]
    const [docA, docB] = [new Y.Doc(), new Y.Doc()]
    a.bind(name, docA)
    b.bind(name, docB)
    await openEmpty(a, [name])
    await openEmpty(b, [name])
    expect(docA.getText('t').toString()).toBe('first')
    expect(docB.getText('t').toString()).toBe('first')
    expect(relay.app.sync.loadedRooms).toBe(0)

    docA.getText('t').insert(0, 'edited ')
    await textBecomes(docB, 'edited first')
    await vi.waitFor(() => expect(received(a, name).persisted !== null && covers(received(a, name).persisted!, Y.encodeStateVector(docA))).toBe(true))
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)

    const c = await connect(relay, token)
    await openEmpty(c, [name])
    expect(received(c, name).doc.getText('t').toString()).toBe('edited first')
  })
})

/**
 * A read of the store slow enough that meanwhile another socket's edit loads the doc, is stored
 * and the doc unloads again lacks the edit — relayed before the device joined the room. The
 * device must still get it: answered from that read (it was, with a `persisted` for the old
 * state), it never did until it reconnected, and the next new devices got the same kept read.
 * The read is slowed in the store itself (a big doc, a busy database); the unload is quick.
 */
describe('a store read that outlives a load and an unload', { timeout: 30_000 }, () => {
  it('does not answer a new device with what the store held before', async () => {
    relay = await startRelay({ ROOM_IDLE_MS: '60000', ROOM_IDLE_UNLOAD_MS: '100' })
    const token = await sessionToken(relay, 'alice')
    const name = col('raced')
    const writer = await connect(relay, token)
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
    const device = await connect(relay, token)
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

describe.skipIf(skipScaledOut)('an open from a client that holds nothing, two relays on PostgreSQL and Redis', { timeout: 60_000 }, () => {
  const { relay: scaledRelay } = useScaledOut()

  it('gets what the other relay accepted after this one read the store, and so does the next new device', async () => {
    const [here, there] = [await scaledRelay(), await scaledRelay()]
    const email = uniqueEmail('mux-stored')
    await signUpEmail(here, email)
    const session = await signIn(here, email)
    const name = docName(session.userId, 'collection', 'shared')
    const writer = await connect(there, session.accessToken)
    const docThere = new Y.Doc()
    writer.bind(name, docThere)
    await openEmpty(writer, [name])
    docThere.getText('t').insert(0, 'first')
    await write(writer, name, [], docThere)

    const first = await connect(here, session.accessToken)
    const docFirst = new Y.Doc()
    first.bind(name, docFirst)
    await openEmpty(first, [name])
    expect(docFirst.getText('t').toString()).toBe('first')

    docThere.getText('t').insert(0, 'edited ')
    await textBecomes(docFirst, 'edited first')
    const next = await connect(here, session.accessToken)
    const docNext = new Y.Doc()
    next.bind(name, docNext)
    await openEmpty(next, [name])
    await textBecomes(docNext, 'edited first')
  })

  it('two relays opening the same docs for new devices at once load none of them', async () => {
    // Each relay asks the other for what its store read lacked; a question reaching a room
    // still reading the store waits for that read instead of loading the doc to answer it.
    const [here, there] = [await scaledRelay(), await scaledRelay()]
    const email = uniqueEmail('mux-stored-race')
    await signUpEmail(here, email)
    const session = await signIn(here, email)
    const names = Array.from({ length: 40 }, (_, i) => docName(session.userId, 'collection', `c${i}`))
    const [onHere, onThere] = [await connect(here, session.accessToken), await connect(there, session.accessToken)]
    await Promise.all([openEmpty(onHere, names), openEmpty(onThere, names)])
    await new Promise((resolve) => setTimeout(resolve, 300)) // the questions crossing the broadcast
    expect([here.app.sync.rooms, there.app.sync.rooms]).toEqual([40, 40])
    expect([here.app.sync.loadedRooms, there.app.sync.loadedRooms]).toEqual([0, 0])
  })
})

/** A doc holding `updates`. */
function partial(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}
