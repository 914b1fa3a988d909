/**
 * Fuzz: thousands of random and mutated frames from a seeded generator (replay a failure with
 * FUZZ_SEED=<seed>), each burst on its own socket. The relay stays up, the doc keeps what
 * was stored before, a peer connected all along is never disturbed, and sync is still live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeMessage } from '@ferry/protocol'
import { encodeAwareness } from '../../relay/src/sync/awareness-states.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, syncUrl, type RawClient } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261127)
const BURSTS = 400
const FRAMES_PER_BURST = 8
const DOC = 'alice:collection:fuzz'

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function validFrames(random: () => number): Uint8Array[] {
  const doc = new Y.Doc()
  doc.clientID = 1 + Math.floor(random() * 1e9)
  doc.getMap('fuzz').set(`k${Math.floor(random() * 1e6)}`, 'x'.repeat(Math.floor(random() * 40)))
  doc.getText('t').insert(0, 'fuzz')
  const update = Y.encodeStateAsUpdate(doc)
  return [
    encodeMessage({ type: 'sync-update', update }),
    encodeMessage({ type: 'sync-step2', update }),
    encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) }),
    encodeMessage({ type: 'awareness', update: encodeAwareness([{ clientId: doc.clientID, clock: 1, state: '{"u":1}' }]) }),
    encodeMessage({ type: 'query-awareness' }),
  ]
}

function fuzzFrame(random: () => number): Uint8Array | string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const base = pick(validFrames(random))
  const bytes = Uint8Array.from(base)
  switch (Math.floor(random() * 8)) {
    case 0:
      return Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))
    case 1:
      for (let i = 0; i < 1 + random() * 4; i++) {
        const at = Math.floor(random() * bytes.length)
        bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8))
      }
      return bytes
    case 2:
      return bytes.subarray(0, Math.floor(random() * bytes.length))
    case 3:
      // A bogus length prefix: claims far more bytes than follow.
      return Uint8Array.from([0, 2, 0xff, 0xff, 0xff, 0x7f, ...bytes.subarray(3)])
    case 4:
      bytes[0] = pick([4, 5, 7, 8, 99, 100, 127])
      return bytes
    case 5:
      return Uint8Array.from([...bytes, ...Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256))])
    case 6:
      return 'not a binary frame'
    default:
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      return bytes
  }
}

describe('sync fuzz', () => {
  let relay: TestRelay
  let peer: RawClient
  let token: string

  beforeAll(async () => {
    relay = await startRelay({ CONNECTIONS_PER_MINUTE_PER_IP: '100000' })
    token = await sessionToken(relay, 'alice')
    peer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
    await peer.next('sync-step1')
    const doc = new Y.Doc()
    doc.getMap('items').set('marker', 'stored before the fuzzing')
    peer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
    await peer.next('persisted')
  })
  afterAll(async () => {
    peer.close()
    await relay.close(true)
  })

  it(`survives ${BURSTS * FRAMES_PER_BURST} fuzzed frames (seed ${SEED})`, async () => {
    const random = prng(SEED)
    let closedByRelay = 0
    for (let burst = 0; burst < BURSTS; burst++) {
      const client = await rawClient(syncUrl(relay.wsUrl, DOC, token))
      for (let i = 0; i < FRAMES_PER_BURST; i++) client.send(fuzzFrame(random))
      // Either the relay closed the socket, or it still answers: both are fine, a hang is not.
      client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
      const outcome = await Promise.race([client.closed.then(() => 'closed'), client.next('sync-step2').then(() => 'answered')])
      if (outcome === 'closed') closedByRelay++
      client.close()
    }
    expect(closedByRelay).toBeGreaterThan(BURSTS / 2)
    expect(peer.ws.readyState).toBe(peer.ws.OPEN)

    const reader = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    reader.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const { update } = await reader.next('sync-step2')
    const loaded = new Y.Doc()
    Y.applyUpdate(loaded, update)
    expect(loaded.getMap('items').get('marker')).toBe('stored before the fuzzing')

    const live = new Y.Doc()
    live.getMap('items').set('after', 'live')
    reader.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(live) })
    await expect.poll(() => peer.messages.some((m) => m.type === 'sync-update' && Buffer.from(m.update).includes('after')), { timeout: 5_000 }).toBe(true)
    reader.close()
  }, 120_000)
})
