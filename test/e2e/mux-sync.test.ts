/**
 * The multiplexed sync endpoint (`/v1/mux`, docs/PROTOCOL.md) on one relay, with a raw client
 * speaking the framing: a batched open answers only the docs that differ, in the direction
 * they differ, a few docs at a time; edits cross between mux sockets and stock `/v1/sync`
 * sockets on the same doc, acknowledged with `persisted`; docs open and close on a live
 * socket. Problems with one doc or with the socket: mux-errors.test.ts.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { openRequest } from '../helpers/mux-client.ts'
import { col, copyOf, textBecomes, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { covers, stockProvider, synced, updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux, raw, seed, later } = useMuxSuite()

describe('a batched open', () => {
  it('answers only the docs that differ, each in the direction it differs, then one opened', async () => {
    const { relay, token } = await relayWith()
    const [same, behind, ahead, deleted] = [col('same'), col('behind'), col('ahead'), col('deleted')]
    const sameDoc = textDoc('held by both')
    await seed(relay, token, same, sameDoc)
    await seed(relay, token, behind, textDoc('only the relay has this'))
    // Same state vector on both sides, but the relay holds a deletion the client lacks.
    const deletedDoc = textDoc('hello world')
    const clientDeleted = copyOf(deletedDoc)
    deletedDoc.getText('t').delete(0, 6)
    expect(Y.encodeStateVector(deletedDoc)).toEqual(Y.encodeStateVector(clientDeleted))
    await seed(relay, token, deleted, deletedDoc)

    const clientSame = copyOf(sameDoc)
    const clientAhead = textDoc('only the client has this')
    const client = await mux(relay, token)
    client.open([openRequest(same, clientSame), openRequest(behind), openRequest(ahead, clientAhead), openRequest(deleted, clientDeleted)])
    expect((await client.control('opened')).docs).toEqual([same, behind, ahead, deleted])

    expect(client.messagesOf(same).map((m) => m.type)).toEqual(['persisted'])
    expect(client.messagesOf(behind).map((m) => m.type)).toEqual(['sync-step2', 'persisted'])
    expect(client.messagesOf(ahead).map((m) => m.type)).toEqual(['sync-step1', 'persisted'])
    expect(client.messagesOf(deleted).map((m) => m.type)).toEqual(['sync-step2', 'sync-step1', 'persisted'])

    const fetched = new Y.Doc()
    Y.applyUpdate(fetched, (await client.doc(behind, 'sync-step2')).update)
    expect(fetched.getText('t').toString()).toBe('only the relay has this')
    Y.applyUpdate(clientDeleted, (await client.doc(deleted, 'sync-step2')).update)
    expect(clientDeleted.getText('t').toString()).toBe('world')

    // The client answers the step 1 with what the relay lacks; the relay stores and acks it.
    const step1 = await client.doc(ahead, 'sync-step1')
    await client.doc(ahead, 'persisted')
    client.send(ahead, { type: 'sync-step2', update: Y.encodeStateAsUpdate(clientAhead, step1.stateVector) })
    expect(covers((await client.doc(ahead, 'persisted')).stateVector, Y.encodeStateVector(clientAhead))).toBe(true)
  })

  it('loads a large open a few docs at a time and answers every doc; a second open on the live socket resyncs', async () => {
    const { relay, token } = await relayWith()
    const names = Array.from({ length: 40 }, (_, i) => col(`c${i}`))
    for (const name of names.slice(0, 5)) await seed(relay, token, name, textDoc(name))
    const client = await mux(relay, token)
    client.open(names.map((name) => openRequest(name)))
    expect((await client.control('opened')).docs).toEqual(names)
    expect(names.filter((name) => client.messagesOf(name).some((m) => m.type === 'sync-step2'))).toEqual(names.slice(0, 5))
    // The client holds nothing: the 35 docs not in memory were answered from the store, not loaded.
    expect(relay.app.sync.rooms).toBe(40)
    expect(relay.app.sync.loadedRooms).toBe(5)
    expect(relay.app.sync.openSockets).toBe(1)
    client.open([openRequest(names[0]!)])
    expect((await client.control('opened')).docs).toEqual([names[0]])
    expect(client.messagesOf(names[0]!).filter((m) => m.type === 'sync-step2')).toHaveLength(2)
  })
})

describe('live edits', () => {
  it('cross between two mux sockets and a stock /v1/sync socket on the same doc, both ways, acknowledged', async () => {
    const { relay, token } = await relayWith()
    const name = col('shared')
    const [docA, docB, docStock] = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    const a = await mux(relay, token)
    const b = await mux(relay, token)
    later(a.bind(name, docA))
    later(b.bind(name, docB))
    a.open([openRequest(name, docA)])
    b.open([openRequest(name, docB)])
    await a.control('opened')
    await b.control('opened')
    const stock = stockProvider(relay.wsUrl, name, token, docStock)
    later(() => stock.destroy())
    await synced(stock)

    docA.getText('t').insert(0, 'from A')
    await textBecomes(docB, 'from A')
    await textBecomes(docStock, 'from A')
    await a.doc(name, 'persisted') // the open's
    expect(covers((await a.doc(name, 'persisted')).stateVector, Y.encodeStateVector(docA))).toBe(true)

    docStock.getText('t').insert(6, ', stock')
    await textBecomes(docA, 'from A, stock')
    await textBecomes(docB, 'from A, stock')
  })

  it('opens and closes docs on a live socket: a closed doc hears nothing more, the others carry on', async () => {
    const { relay, token } = await relayWith()
    const [first, second] = [col('first'), col('second')]
    const client = await mux(relay, token)
    client.open([openRequest(first)])
    expect((await client.control('opened')).docs).toEqual([first])
    client.open([openRequest(second)])
    expect((await client.control('opened')).docs).toEqual([second])
    client.close([first])
    const writerFirst = await raw(relay, first, token)
    const writerSecond = await raw(relay, second, token)
    writerFirst.send(updateFrame(Y.encodeStateAsUpdate(textDoc('one'))))
    writerSecond.send(updateFrame(Y.encodeStateAsUpdate(textDoc('two'))))
    await client.doc(second, 'sync-update')
    await writerFirst.next('persisted')
    expect(client.messagesOf(first).filter((m) => m.type === 'sync-update')).toHaveLength(0)
  })

  it('keeps what a client sends while its doc loads and takes it once the doc is open', async () => {
    const { relay, token } = await relayWith()
    const name = col('eager')
    const local = textDoc('sent before opened')
    const client = await mux(relay, token)
    client.open([openRequest(name, local)])
    client.send(name, updateFrame(Y.encodeStateAsUpdate(local)))
    await client.control('opened')
    let acked = false
    while (!acked) acked = covers((await client.doc(name, 'persisted')).stateVector, Y.encodeStateVector(local))
    const other = await mux(relay, token)
    other.open([openRequest(name)])
    const fetched = new Y.Doc()
    Y.applyUpdate(fetched, (await other.doc(name, 'sync-step2')).update)
    expect(fetched.getText('t').toString()).toBe('sent before opened')
  })

  it('answers an awareness query on an open doc (the client’s liveness probe)', async () => {
    const { relay, token } = await relayWith()
    const client = await mux(relay, token)
    client.open([openRequest(col('probe'))])
    await client.control('opened')
    client.send(col('probe'), { type: 'query-awareness' })
    await client.doc(col('probe'), 'awareness')
  })
})
