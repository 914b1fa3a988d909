/**
 * Idle docs unload on one relay of two (PostgreSQL + Redis) while a mux socket there keeps them
 * open: an edit accepted by the other relay still reaches that socket — relayed as it came,
 * without loading the doc (its origin stores and acknowledges it) — and an edit from that socket
 * loads the doc again, reaches the other relay and is acknowledged. A doc the other relay loads
 * meanwhile does not make this one load it (its question finds nothing the store lacks).
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { textBecomes } from '../helpers/mux-suite.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { signIn, signUpEmail } from '../helpers/sessions.ts'
import { covers } from '../helpers/sync-clients.ts'

const acked = (client: MuxClient, name: string, doc: Y.Doc): boolean =>
  client.messagesOf(name).some((m) => m.type === 'persisted' && covers(m.stateVector, Y.encodeStateVector(doc)))

describe.skipIf(skipScaledOut)('idle docs across two relays on PostgreSQL and Redis', { timeout: 60_000 }, () => {
  const { relay } = useScaledOut()
  const sockets: MuxClient[] = []
  const connect = async (on: TestRelay, token: string): Promise<MuxClient> => {
    const socket = await muxClient(muxUrl(on.wsUrl, token))
    sockets.push(socket)
    return socket
  }

  it('reach a socket whose doc is unloaded here, and load again on its own edit', async () => {
    const idle = await relay({ ROOM_IDLE_UNLOAD_MS: '200' })
    const busy = await relay()
    const email = uniqueEmail('mux-unload')
    await signUpEmail(idle, email)
    const session = await signIn(idle, email)
    const [shared, later] = [docName(session.userId, 'collection', 'shared'), docName(session.userId, 'collection', 'later')]
    const [here, there, laterHere] = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    const onIdle = await connect(idle, session.accessToken)
    const onBusy = await connect(busy, session.accessToken)
    const unbind = [onIdle.bind(shared, here), onBusy.bind(shared, there), onIdle.bind(later, laterHere)]
    onIdle.open([openRequest(shared, here), openRequest(later, laterHere)])
    onBusy.open([openRequest(shared, there)])
    await onIdle.control('opened')
    await onBusy.control('opened')
    laterHere.getText('t').insert(0, 'stored before the unload')
    await vi.waitFor(() => expect(acked(onIdle, later, laterHere)).toBe(true))

    await vi.waitFor(() => expect(idle.app.sync.loadedRooms).toBe(0), 5_000)
    expect(idle.app.sync.rooms).toBe(2)
    // Its socket held nothing: answered from the store, the doc not loaded there either.
    expect(busy.app.sync.loadedRooms).toBe(0)

    // Accepted by the other relay: relayed here as it came; the doc stays unloaded here.
    there.getText('t').insert(0, 'from the busy relay')
    await textBecomes(here, 'from the busy relay')
    await vi.waitFor(() => expect(acked(onBusy, shared, there)).toBe(true))
    expect(idle.app.sync.loadedRooms).toBe(0)

    // An edit from the socket here loads the doc again, crosses, and is acknowledged here.
    here.getText('t').insert(0, '> ')
    await textBecomes(there, '> from the busy relay')
    await vi.waitFor(() => expect(acked(onIdle, shared, here)).toBe(true))
    expect(idle.app.sync.loadedRooms).toBeLessThanOrEqual(1) // that doc alone (it may have gone idle again on a busy machine)

    // The other relay loading a doc unloaded here asks for what it lacks: nothing, so nothing loads here.
    await vi.waitFor(() => expect(idle.app.sync.loadedRooms).toBe(0), 5_000)
    let loadedHere = 0
    const watch = setInterval(() => (loadedHere = Math.max(loadedHere, idle.app.sync.loadedRooms)), 5)
    const laterThere = new Y.Doc()
    const second = await connect(busy, session.accessToken)
    unbind.push(second.bind(later, laterThere))
    second.open([openRequest(later)])
    await second.control('opened')
    await textBecomes(laterThere, 'stored before the unload')
    await new Promise((resolve) => setTimeout(resolve, 300))
    clearInterval(watch)
    expect(loadedHere).toBe(0)
    laterThere.getText('t').insert(0, 'edited there: ')
    await textBecomes(laterHere, 'edited there: stored before the unload')
    expect(idle.app.sync.loadedRooms).toBe(0)

    for (const stop of unbind) stop()
    for (const socket of sockets) socket.end()
  })
})
