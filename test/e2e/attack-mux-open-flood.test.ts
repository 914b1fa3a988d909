/**
 * Mux attack review: `open`s sent faster than the relay answers them. Each `open` is answered
 * after the previous one, docs a few at a time, so what a client sends meanwhile waits in the
 * relay's memory; a client that floods `open`s (or stops reading, which stalls the answers)
 * made the relay hold every one of them with its decoded state vectors: 40 `open`s of 1,000
 * docs with 8 KB state vectors each (320 MB sent in 2 s) took 1.4 GB of relay memory, without
 * bound. Now the docs and state-vector bytes waiting per socket are bounded, past which the
 * socket is closed with 4529 and a retry-after.
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { CloseCode, encodeControl, retryAfterSeconds, type OpenRequest } from '@ferry/protocol'
import { openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux } = useMuxSuite()

/** The close code and reason, or 'open' when the socket is still open after 10 s. */
function closedWithin10s(client: MuxClient): Promise<{ code: number; reason: string } | 'open'> {
  let timer: NodeJS.Timeout | undefined
  const open = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), 10_000)))
  return Promise.race([client.closed, open]).finally(() => clearTimeout(timer))
}

/** A valid state vector naming `clients` clients (about 5 bytes each). */
function wideStateVector(clients: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, clients)
  for (let i = 0; i < clients; i++) {
    encoding.writeVarUint(encoder, 1_000_000 + i)
    encoding.writeVarUint(encoder, 3)
  }
  return encoding.toUint8Array(encoder)
}

describe('opens sent faster than they are answered', () => {
  it('closes the socket with 4529 and a retry-after once too many docs wait to open; other sockets carry on', async () => {
    const { relay, token } = await relayWith({ MAX_DOCS_PER_SOCKET: '10' })
    const docs = Array.from({ length: 10 }, (_, i) => openRequest(col(`d${i}`)))
    const flood = await mux(relay, token)
    const frame = encodeControl({ type: 'open', docs })
    for (let i = 0; i < 200; i++) flood.sendRaw(frame)
    const closed = await closedWithin10s(flood)
    expect(closed).toMatchObject({ code: CloseCode.RateLimited })
    expect(retryAfterSeconds((closed as { reason: string }).reason)).toBeGreaterThanOrEqual(1)

    const other = await mux(relay, token)
    const ydoc = textDoc('still served')
    other.open([openRequest(col('d0'))])
    await other.control('opened')
    other.send(col('d0'), updateFrame(Y.encodeStateAsUpdate(ydoc)))
    await other.doc(col('d0'), 'persisted')
    await other.doc(col('d0'), 'persisted')
  })

  it('closes the socket once the state vectors waiting pass MAX_REASSEMBLED_BYTES', async () => {
    const { relay, token } = await relayWith({ MAX_REASSEMBLED_BYTES: String(1024 * 1024) })
    const wide = wideStateVector(60_000) // ~300 KB
    const request = (name: string): OpenRequest => ({ docName: col(name), stateVector: wide, deleteSetHash: new Uint8Array(32) })
    const flood = await mux(relay, token)
    for (let i = 0; i < 8; i++) flood.open([request(`w${i}`)])
    expect(await closedWithin10s(flood)).toMatchObject({ code: CloseCode.RateLimited })
  })

  it('a client that waits for `opened`, or resyncs a few times meanwhile, is never cut off', async () => {
    const { relay, token } = await relayWith({ MAX_DOCS_PER_SOCKET: '10' })
    const docs = Array.from({ length: 10 }, (_, i) => openRequest(col(`d${i}`)))
    const client = await mux(relay, token)
    for (let round = 0; round < 3; round++) {
      client.open(docs)
      client.open(docs)
      client.open(docs)
      for (let i = 0; i < 3; i++) expect((await client.control('opened')).docs).toHaveLength(10)
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })
})
