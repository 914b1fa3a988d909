/**
 * Idle docs unload while their sockets stay (ROOM_IDLE_UNLOAD_MS): a mux socket with 50 docs
 * open goes quiet, every doc leaves memory (`loadedRooms` drops to 0) and the socket stays open
 * with all 50 still open on it. Then each doc loads again on the next frame that needs it, as
 * if it had never left: an edit from another socket reaches the first one and is acknowledged
 * to its sender; a sync step 1 gets the whole doc; edits sent while the doc loads are applied
 * in order and acknowledged; presence and the client's liveness probe need no load at all.
 * Across relays: mux-scaled-out-unload.test.ts; kill -9: test/faults/sigkill-durability.test.ts.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { encodeAwareness } from '../../relay/src/sync/awareness-states.ts'
import { openRequest } from '../helpers/mux-client.ts'
import { col, copyOf, textBecomes, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { covers } from '../helpers/sync-clients.ts'

const { relayWith, mux, raw, seed, later } = useMuxSuite()
const IDLE = { ROOM_IDLE_UNLOAD_MS: '200' }

describe('docs idle on a live socket', () => {
  it('unload while the socket stays, and load again transparently on the next frame that needs them', async () => {
    const { relay, token } = await relayWith(IDLE)
    const names = Array.from({ length: 50 }, (_, i) => col(`c${i}`))
    const held = names.map((name) => textDoc(`${name};`))
    for (const [i, name] of names.slice(0, 10).entries()) await seed(relay, token, name, held[i]!)
    const a = await mux(relay, token)
    names.forEach((name, i) => later(a.bind(name, held[i]!)))
    a.open(names.map((name, i) => openRequest(name, held[i])))
    expect((await a.control('opened')).docs).toEqual(names)
    // Another device with one of the docs open too.
    const b = await mux(relay, token)
    const onB = copyOf(held[1]!)
    later(b.bind(names[1]!, onB))
    b.open([openRequest(names[1]!, onB)])
    await b.control('opened')
    // The docs the relay lacked come from the client (the relay's step 1, its step 2) and are stored.
    for (const [i, name] of names.entries()) {
      await vi.waitFor(() => expect(covers(lastPersisted(a.messagesOf(name)), Y.encodeStateVector(held[i]!))).toBe(true))
    }
    // Some rooms may already have gone idle and unloaded on a slow machine; every doc still has its room.
    expect(relay.app.sync.rooms).toBe(50)

    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    expect(relay.app.sync.rooms).toBe(50)
    expect(a.ws.readyState).toBe(a.ws.OPEN)

    // The client's liveness probe is answered without loading anything.
    a.send(names[0]!, { type: 'query-awareness' })
    await a.doc(names[0]!, 'awareness')
    expect(relay.app.sync.loadedRooms).toBe(0)

    // An edit from the other device loads its doc, reaches the first socket, and is acknowledged to its sender.
    const acksOnB = b.messagesOf(names[1]!).filter((m) => m.type === 'persisted').length
    onB.getText('t').insert(0, 'from the other device;')
    await textBecomes(held[1]!, onB.getText('t').toString())
    await vi.waitFor(() => expect(b.messagesOf(names[1]!).filter((m) => m.type === 'persisted').length).toBe(acksOnB + 1))
    expect(covers(lastPersisted(b.messagesOf(names[1]!)), Y.encodeStateVector(onB))).toBe(true)
    expect(relay.app.sync.loadedRooms).toBeLessThanOrEqual(1) // that doc alone (it may have gone idle again on a busy machine)

    // A sync step 1 on an unloaded doc gets the whole doc.
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    a.send(names[2]!, { type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const fetched = new Y.Doc()
    Y.applyUpdate(fetched, (await a.doc(names[2]!, 'sync-step2')).update)
    expect(fetched.getText('t').toString()).toBe(held[2]!.getText('t').toString())

    // Edits sent while the doc loads again are all applied, in order, and acknowledged.
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    const before = a.messagesOf(names[3]!).filter((m) => m.type === 'persisted').length
    for (let i = 0; i < 20; i++) held[3]!.getText('t').insert(held[3]!.getText('t').length, ` ${i}`)
    a.send(names[3]!, { type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })
    const answer = new Y.Doc()
    Y.applyUpdate(answer, (await a.doc(names[3]!, 'sync-step2')).update)
    expect(answer.getText('t').toString()).toBe(held[3]!.getText('t').toString())
    await vi.waitFor(() => expect(covers(lastPersisted(a.messagesOf(names[3]!)), Y.encodeStateVector(held[3]!))).toBe(true))
    expect(a.messagesOf(names[3]!).filter((m) => m.type === 'persisted').length).toBeGreaterThan(before)

    // Everything is stored: new sockets read it all back.
    a.end()
    b.end()
    await relay.app.sync.flush()
    for (const [i, name] of names.entries()) {
      const check = await raw(relay, name, token)
      check.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
      const stored = new Y.Doc()
      Y.applyUpdate(stored, (await check.next('sync-step2')).update)
      expect(stored.getText('t').toString()).toBe(held[i]!.getText('t').toString())
      check.close()
    }
  })

  it('keeps presence across an unload and relays it without loading the doc', async () => {
    const { relay, token } = await relayWith(IDLE)
    const name = col('presence')
    await seed(relay, token, name, textDoc('x'))
    const a = await mux(relay, token)
    const b = await mux(relay, token)
    a.open([openRequest(name)])
    b.open([openRequest(name)])
    await a.control('opened')
    await b.control('opened')
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    const state = { clientId: 77, clock: 1, state: JSON.stringify({ user: 'a' }) }
    a.send(name, { type: 'awareness', update: encodeAwareness([state]) })
    await b.doc(name, 'awareness')
    expect(relay.app.sync.loadedRooms).toBe(0)
    // A socket joining later (which loads the doc) is greeted with the presence kept meanwhile.
    const c = await raw(relay, name, token)
    await vi.waitFor(() => expect(c.messages.some((m) => m.type === 'awareness')).toBe(true))
  })

  it('never unloads while sockets are on a room when ROOM_IDLE_UNLOAD_MS is 0', async () => {
    const { relay, token } = await relayWith({ ROOM_IDLE_UNLOAD_MS: '0', ROOM_IDLE_MS: '0' })
    const a = await mux(relay, token)
    // The client holds something the relay lacks: its answer to the relay's step 1 loads the doc.
    const kept = textDoc('kept')
    a.bind(col('kept'), kept)
    a.open([openRequest(col('kept'), kept)])
    await a.control('opened')
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(1))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(relay.app.sync.loadedRooms).toBe(1)
    a.end()
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 5_000)
    expect(relay.app.sync.rooms).toBe(0)
  })
})

function lastPersisted(messages: ReturnType<Awaited<ReturnType<typeof mux>>['messagesOf']>): Uint8Array {
  const acks = messages.filter((m) => m.type === 'persisted')
  return acks.at(-1)?.stateVector ?? new Uint8Array([0])
}
