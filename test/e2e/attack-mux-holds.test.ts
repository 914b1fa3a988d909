/**
 * Mux attack review: what a hostile client tried on `/v1/mux` that held, where the other
 * mux suites do not already show it — doc-name tricks, a list at the control message's limit,
 * frames on docs that are not open, state vectors and delete-set hashes that lie, and quota
 * spread over many docs.
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CloseCode, encodeControl, MAX_DOCS_PER_CONTROL, type OpenRequest } from '@ferry/protocol'
import { deleteSetHash, openRequest } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { readDoc, updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux } = useMuxSuite()

/** A state vector of one client at `clock`. */
function stateVectorAt(client: number, clock: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  return encoding.toUint8Array(encoder)
}

describe('doc names', () => {
  it('opens only the exact own names: case, look-alikes, paths, separators and length tricks are refused, one by one', async () => {
    const { relay, token } = await relayWith()
    const client = await mux(relay, token)
    const forbidden = ['ALICE:collection:x', 'Alice:workspace', 'alice-:workspace', 'alice_:workspace']
    const bad = [
      '\u0430lice:workspace', // Cyrillic a
      'alice\uff1aworkspace', // full-width colon
      'alice:collection:..',
      'alice:collection:../bob',
      'alice:collection:x/y',
      'alice:collection:x:y',
      'alice::workspace',
      'alice:workspace:',
      ' alice:workspace',
      'alice:workspace\u0000',
      'alice:Workspace',
      `alice:collection:${'x'.repeat(65)}`,
    ]
    const good = col('x'.repeat(64))
    client.open([...forbidden, ...bad, good].map((name) => openRequest(name)))
    for (const name of forbidden) expect((await client.refused(name)).code).toBe(CloseCode.Forbidden)
    for (const name of bad) expect((await client.refused(name)).code).toBe(CloseCode.BadDocName)
    expect((await client.control('opened')).docs).toEqual([good])
    expect(relay.app.sync.rooms).toBe(1)
  })

  it('closes the socket (4400) for a name over 512 bytes or not UTF-8, in a frame or an open', async () => {
    const { relay, token } = await relayWith()
    const long = await mux(relay, token)
    long.send('a'.repeat(513), { type: 'query-awareness' })
    expect((await long.closed).code).toBe(CloseCode.Malformed)
    const longOpen = await mux(relay, token)
    longOpen.open([openRequest(`alice:collection:${'x'.repeat(600)}`)])
    expect((await longOpen.closed).code).toBe(CloseCode.Malformed)
    const notUtf8 = await mux(relay, token)
    notUtf8.sendRaw(new Uint8Array([2, 0xc3, 0x28, 3]))
    expect((await notUtf8.closed).code).toBe(CloseCode.Malformed)
  })
})

describe('lists', () => {
  it(`one open of ${MAX_DOCS_PER_CONTROL} docs opens MAX_DOCS_PER_SOCKET and refuses the rest with 4429; one more doc closes the socket`, async () => {
    const { relay, token } = await relayWith({ MAX_DOCS_PER_SOCKET: '100' })
    const client = await mux(relay, token)
    const names = Array.from({ length: MAX_DOCS_PER_CONTROL }, (_, i) => col(`n${i}`))
    client.open(names.map((name) => openRequest(name)))
    expect((await client.control('opened', 20_000)).docs).toEqual(names.slice(0, 100))
    const refusals = client.frames.filter((f) => f.channel === 'control' && f.message.type === 'refused')
    expect(refusals).toHaveLength(MAX_DOCS_PER_CONTROL - 100)
    expect(refusals.every((f) => f.channel === 'control' && f.message.type === 'refused' && f.message.code === CloseCode.TooManyDocs)).toBe(true)

    const over = await mux(relay, token)
    over.sendRaw(encodeControl({ type: 'open', docs: [...names, col('one-more')].map((name) => openRequest(name)) }))
    expect((await over.closed).code).toBe(CloseCode.Malformed)
  })

  it('a doc listed twice in one open is answered and named once', async () => {
    const { relay, token } = await relayWith()
    const client = await mux(relay, token)
    const name = col('twice')
    client.open([openRequest(name), openRequest(name), openRequest(name)])
    expect((await client.control('opened')).docs).toEqual([name])
    expect(client.messagesOf(name).filter((m) => m.type === 'persisted')).toHaveLength(1)
  })
})

describe('frames on docs that are not open', () => {
  it('stores nothing sent on a doc never opened, or after its close, and answers nothing', async () => {
    const { relay, token } = await relayWith()
    const [never, closed] = [col('never'), col('closed')]
    const client = await mux(relay, token)
    client.send(never, updateFrame(Y.encodeStateAsUpdate(textDoc('sneaked in'))))
    client.open([openRequest(closed)])
    await client.control('opened')
    client.close([closed])
    client.send(closed, updateFrame(Y.encodeStateAsUpdate(textDoc('after close'))))
    client.send(closed, { type: 'sync-step1', stateVector: new Uint8Array([0]) })
    // A round trip on the control channel: everything sent before it was handled.
    client.open([openRequest(col('marker'))])
    await client.control('opened')
    await relay.app.sync.flush()
    expect(client.messagesOf(never)).toEqual([])
    expect(client.messagesOf(closed).filter((m) => m.type !== 'persisted')).toEqual([])
    for (const name of [never, closed]) {
      const stored = await readDoc(relay.wsUrl, name, token)
      expect(stored instanceof Y.Doc && stored.getText('t').toString()).toBe('')
    }
  })
})

describe('state vectors and hashes that lie', () => {
  it('a clock far ahead or a wrong hash only makes the relay answer both ways; the doc stays intact', async () => {
    const { relay, token } = await relayWith()
    const name = col('liar')
    const honest = textDoc('kept')
    const client = await mux(relay, token)
    client.open([openRequest(name, honest)])
    await client.control('opened')
    client.send(name, updateFrame(Y.encodeStateAsUpdate(honest)))
    await client.doc(name, 'persisted')
    await client.doc(name, 'persisted')

    const liar = await mux(relay, token)
    const lies: OpenRequest[] = [{ docName: name, stateVector: stateVectorAt(honest.clientID, Number.MAX_SAFE_INTEGER), deleteSetHash: new Uint8Array(64).fill(7) }]
    liar.open(lies)
    await liar.doc(name, 'sync-step1') // asked back: the relay lacks what the claim says
    const step2 = await liar.doc(name, 'sync-step2') // and answered: the hash differs
    await liar.control('opened')
    const copy = new Y.Doc()
    Y.applyUpdate(copy, step2.update)
    expect(copy.getText('t').toString()).toBe('') // it claimed to hold everything up to the clock
    // Its step 2 holds nothing: nothing changes.
    liar.send(name, { type: 'sync-step2', update: Y.encodeStateAsUpdate(new Y.Doc()) })
    await liar.doc(name, 'persisted')
    const stored = await readDoc(relay.wsUrl, name, token)
    expect(stored instanceof Y.Doc && stored.getText('t').toString()).toBe('kept')

    const overlong = await mux(relay, token)
    overlong.open([{ docName: name, stateVector: Y.encodeStateVector(honest), deleteSetHash: new Uint8Array(65) }])
    expect((await overlong.closed).code).toBe(CloseCode.Malformed)
    expect(deleteSetHash(honest)).toHaveLength(32)
  })
})

describe('quota', () => {
  it('spread over many docs, updates count against the one account quota', async () => {
    const { relay, token } = await relayWith({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: String(64 * 1024) })
    const names = Array.from({ length: 12 }, (_, i) => col(`spread${i}`))
    const client = await mux(relay, token)
    client.open(names.map((name) => openRequest(name)))
    await client.control('opened')
    let refused = 0
    for (const name of names) {
      client.send(name, updateFrame(Y.encodeStateAsUpdate(textDoc('y'.repeat(8 * 1024)))))
      const answer = await Promise.race([
        client.refused(name).then(() => 'refused' as const),
        client.doc(name, 'persisted').then(() => client.doc(name, 'persisted')).then(() => 'stored' as const),
      ])
      if (answer === 'refused') refused++
    }
    expect(refused).toBeGreaterThanOrEqual(12 - 8)
    expect(refused).toBeLessThan(12)
  })
})
