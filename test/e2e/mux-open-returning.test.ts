/**
 * A returning device's `open` of docs the relay has not loaded (after a restart, or once they
 * unloaded) is answered from the stored bytes (docs/PROTOCOL.md, "Opening docs"): a doc it holds
 * exactly as stored gets its `persisted` alone, one it is behind on gets what it lacks, and only
 * a doc it holds something of that the store lacks (an offline edit, an offline deletion) loads —
 * when its answer to the relay's step 1 arrives. Everything ends up stored on both sides.
 * Fails when the open loads the docs to answer (the relay did before), or answers wrongly.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { textBecomes } from '../helpers/mux-suite.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { covers, updateFrame } from '../helpers/sync-clients.ts'

let relay: TestRelay | null = null
const sockets: MuxClient[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.end()
  await relay?.close(true)
  relay = null
})

async function connect(token: string, docs: ReadonlyMap<string, Y.Doc>): Promise<MuxClient> {
  const socket = await muxClient(muxUrl(relay!.wsUrl, token))
  sockets.push(socket)
  for (const [name, ydoc] of docs) socket.bind(name, ydoc)
  socket.open([...docs].map(([name, ydoc]) => openRequest(name, ydoc)))
  await socket.control('opened', 20_000)
  return socket
}

async function storedOn(socket: MuxClient, name: string, ydoc: Y.Doc): Promise<void> {
  await vi.waitFor(() => expect(socket.messagesOf(name).some((m) => m.type === 'persisted' && covers(m.stateVector, Y.encodeStateVector(ydoc)))).toBe(true), 10_000)
}

describe('an open from a returning device, docs not loaded', () => {
  it('loads only the docs the device holds something of that the store lacks', async () => {
    relay = await startRelay()
    const userId = 'returning'
    const token = await sessionToken(relay, userId)
    const names = { same: docName(userId, 'collection', 'same'), behind: docName(userId, 'collection', 'behind'), ahead: docName(userId, 'collection', 'ahead'), deleted: docName(userId, 'collection', 'deleted') }
    const laptop = new Map(Object.values(names).map((name) => [name, new Y.Doc()]))
    const doc = (name: DocName): Y.Doc => laptop.get(name)!
    const first = await connect(token, laptop)
    for (const [label, name] of Object.entries(names)) {
      const ydoc = doc(name)
      ydoc.getText('t').insert(0, `${label} as written`)
      first.send(name, updateFrame(Y.encodeStateAsUpdate(ydoc)))
    }
    for (const [name, ydoc] of laptop) await storedOn(first, name, ydoc)
    first.end()

    // Another device adds to `behind` while the laptop is away. (A deletion there would make
    // the delete-set hashes differ: then each side sends the other what it may lack, and the
    // laptop's answer loads the doc, as for `deleted` below.)
    const phone = new Map([[names.behind, new Y.Doc()]])
    const other = await connect(token, phone)
    await textBecomes(phone.get(names.behind)!, 'behind as written')
    phone.get(names.behind)!.getText('t').insert(0, 'phone: ')
    await storedOn(other, names.behind, phone.get(names.behind)!)
    other.end()

    const restart = await stopRelay(relay)
    relay = await restart()
    // Offline on the laptop meanwhile: an insert into `ahead`, a deletion alone in `deleted` (no state vector shows it).
    doc(names.ahead).getText('t').insert(0, 'offline: ')
    doc(names.deleted).getText('t').delete(0, 'deleted '.length)

    const back = await connect(token, laptop)
    expect(back.messagesOf(names.same).map((m) => m.type)).toEqual(['persisted'])
    expect(back.messagesOf(names.behind).map((m) => m.type)).toEqual(['sync-step2', 'persisted'])
    expect(doc(names.behind).getText('t').toString()).toBe('phone: behind as written')
    await storedOn(back, names.ahead, doc(names.ahead))
    await storedOn(back, names.deleted, doc(names.deleted))
    expect(relay.app.sync.rooms).toBe(4)
    // `ahead` and `deleted` loaded to take the laptop's answers; `same` and `behind` never did.
    expect(relay.app.sync.loadedRooms).toBe(2)

    // What the relay stored is what the laptop holds: a new device gets it.
    const tablet = new Map(Object.values(names).map((name) => [name, new Y.Doc()]))
    await connect(token, tablet)
    for (const [name, ydoc] of laptop) await textBecomes(tablet.get(name)!, ydoc.getText('t').toString())
    expect(tablet.get(names.deleted)!.getText('t').toString()).toBe('as written')
  })
})
