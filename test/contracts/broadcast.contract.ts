/**
 * The `Broadcast` contract: every implementation's test file calls `broadcastContract` with a
 * factory of connected endpoints (one per relay instance). Delivery may be asynchronous, so
 * absence is checked once a later marker frame has arrived (delivery is in order per sender).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { docName } from '@ferry/protocol'
import type { Broadcast, ControlMessage, InstanceId } from '../../relay/src/sync/broadcast.ts'

export interface BroadcastHarness {
  /** Endpoints connected to each other (and only to each other). */
  connect(count: number): Promise<Broadcast[]>
  cleanup(): Promise<void>
}

export interface Heard {
  frames: Array<{ bytes: number[]; from: InstanceId; direct: boolean }>
}

/** Records what `endpoint` hears for `doc`; resolves once it listens. */
export async function listen(endpoint: Broadcast, doc: ReturnType<typeof docName>): Promise<Heard & { stop: () => void }> {
  const heard: Heard = { frames: [] }
  const stop = await endpoint.subscribe(doc, (frame, from, direct) => heard.frames.push({ bytes: [...frame], from, direct }))
  return { ...heard, stop }
}

export const MARKER = [255]

/** Waits until `heard` got the marker frame (so everything published before it arrived too). */
export async function untilMarker(heard: Heard): Promise<void> {
  await vi.waitFor(() => expect(heard.frames.map((f) => f.bytes)).toContainEqual(MARKER), 5_000)
}

export function broadcastContract(backend: string, harness: () => Promise<BroadcastHarness>): void {
  describe(`Broadcast contract: ${backend}`, () => {
    let h: BroadcastHarness
    const doc = docName('alice', 'workspace')
    const other = docName('alice', 'history')

    afterEach(async () => {
      await h.cleanup()
    })

    it("delivers a doc's frames to the other instances listening to it, with the sender's id, and never back", async () => {
      h = await harness()
      const [a, b, c] = await h.connect(3) as [Broadcast, Broadcast, Broadcast]
      const [heardA, heardB, heardC, heardOther] = await Promise.all([listen(a, doc), listen(b, doc), listen(c, doc), listen(c, other)])
      a.publish(doc, new Uint8Array([1, 2, 3]))
      a.publish(doc, new Uint8Array(MARKER))
      b.publish(doc, new Uint8Array(MARKER))
      await Promise.all([untilMarker(heardA), untilMarker(heardB), untilMarker(heardC)])
      const fromA = [{ bytes: [1, 2, 3], from: a.id, direct: false }, { bytes: MARKER, from: a.id, direct: false }]
      expect(heardB.frames).toEqual(fromA)
      expect(heardC.frames.filter((f) => f.from === a.id)).toEqual(fromA)
      expect(heardA.frames).toEqual([{ bytes: MARKER, from: b.id, direct: false }])
      expect(heardOther.frames).toEqual([])
      expect(new Set([a.id, b.id, c.id]).size).toBe(3)
    })

    it('delivers a frame addressed to one instance to that instance alone, marked direct', async () => {
      h = await harness()
      const [a, b, c] = await h.connect(3) as [Broadcast, Broadcast, Broadcast]
      const [heardB, heardC] = await Promise.all([listen(b, doc), listen(c, doc)])
      a.publish(doc, new Uint8Array([7]), c.id)
      a.publish(doc, new Uint8Array(MARKER))
      await Promise.all([untilMarker(heardB), untilMarker(heardC)])
      expect(heardB.frames.map((f) => f.bytes)).toEqual([MARKER])
      expect(heardC.frames).toEqual([{ bytes: [7], from: a.id, direct: true }, { bytes: MARKER, from: a.id, direct: false }])
    })

    it('stops delivering once unsubscribed, and delivers again after a new subscription', async () => {
      h = await harness()
      const [a, b, c] = await h.connect(3) as [Broadcast, Broadcast, Broadcast]
      const first = await listen(b, doc)
      const witness = await listen(c, doc)
      first.stop()
      a.publish(doc, new Uint8Array([1]))
      a.publish(doc, new Uint8Array(MARKER))
      // Subscribing again only once the frame went out: a frame racing a subscription may or may not be heard.
      await untilMarker(witness)
      const second = await listen(b, doc)
      a.publish(doc, new Uint8Array([2]))
      a.publish(doc, new Uint8Array(MARKER))
      await untilMarker(second)
      expect(first.frames).toEqual([])
      expect(second.frames.map((f) => f.bytes)).toEqual([[2], MARKER])
    })

    it('delivers control messages to every other instance', async () => {
      h = await harness()
      const [a, b, c] = await h.connect(3) as [Broadcast, Broadcast, Broadcast]
      const heard: Array<[string, ControlMessage]> = []
      for (const [name, endpoint] of [['a', a], ['b', b], ['c', c]] as const) endpoint.onControl((message) => heard.push([name, message]))
      a.publishControl({ kind: 'revoke', grantId: 'link:1' })
      b.publishControl({ kind: 'delete', doc: docName('u1', 'collection', 'c1') })
      await vi.waitFor(() => expect(heard).toHaveLength(4), 5_000)
      expect(heard).toEqual(expect.arrayContaining([
        ['b', { kind: 'revoke', grantId: 'link:1' }],
        ['c', { kind: 'revoke', grantId: 'link:1' }],
        ['a', { kind: 'delete', doc: 'u1:collection:c1' }],
        ['c', { kind: 'delete', doc: 'u1:collection:c1' }],
      ]))
    })

    it('answers ping while open', async () => {
      h = await harness()
      const [a] = await h.connect(1) as [Broadcast]
      await expect(a.ping()).resolves.toBeUndefined()
    })
  })
}
