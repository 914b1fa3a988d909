/**
 * One doc's protocol on a hand-driven link: when a multiplexed open makes the doc `in sync`,
 * and when it must still wait for an ack — the cases a state vector alone cannot tell.
 */
import { describe, expect, it } from 'vitest'
import { decodeMessage, type DocName, type Message } from '@ferry/protocol'
import * as Y from 'yjs'
import { describeStatus } from '../sync-status.ts'
import { DocProtocol } from './doc-protocol.ts'

function setup(seed?: (doc: Y.Doc) => void) {
  const doc = new Y.Doc()
  seed?.(doc)
  const protocol = new DocProtocol(doc, 'a:collection:c' as DocName)
  const sent: Message[] = []
  protocol.bind({
    sendFrame: (frame) => {
      const decoded = decodeMessage(frame)
      if (decoded.ok) sent.push(decoded.value)
    },
    hasSocket: true,
    syncNow: () => {},
    halt: () => {},
    release: async () => {},
  })
  protocol.connecting()
  return { doc, protocol, sent, label: () => describeStatus(protocol.status) }
}

/** What the relay holds: a copy of `doc` now. */
const copy = (doc: Y.Doc): Y.Doc => {
  const relay = new Y.Doc()
  Y.applyUpdate(relay, Y.encodeStateAsUpdate(doc))
  return relay
}

describe('DocProtocol on a multiplexed open', () => {
  it('is in sync once the answer to its first open ends, with no step 1: everything it held is settled, deletions included', () => {
    const { doc, protocol, sent, label } = setup((d) => {
      d.getMap('m').set('a', 1)
      d.getMap('m').delete('a')
    })
    const relay = copy(doc)
    protocol.openSnapshot(true)
    expect(label()).toBe('syncing (1 pending)')
    protocol.receive({ type: 'persisted', stateVector: Y.encodeStateVector(relay) })
    expect(label()).toBe('in sync')
    expect(sent).toEqual([])
    protocol.opened()
    expect(label()).toBe('in sync')
  })

  it('waits for the ack of its step 2 when the relay asked for more, and never takes the answer\'s persisted for that ack', () => {
    const { doc, protocol, sent, label } = setup((d) => d.getMap('m').set('a', 1))
    const relay = copy(doc)
    doc.getMap('m').delete('a') // a deletion the relay lacks: same clocks, another delete set
    protocol.openSnapshot(true)
    protocol.receive({ type: 'sync-step1', stateVector: Y.encodeStateVector(relay) })
    expect(sent.map((m) => m.type)).toEqual(['sync-step2'])
    // The answer's persisted: the relay's stored state, which covers every clock we have.
    protocol.receive({ type: 'persisted', stateVector: Y.encodeStateVector(relay) })
    protocol.opened()
    expect(label()).toBe('syncing (2 pending)')
    Y.applyUpdate(relay, (sent[0] as { update: Uint8Array }).update)
    protocol.receive({ type: 'persisted', stateVector: Y.encodeStateVector(relay) })
    expect(label()).toBe('in sync')
  })

  it('ships what changed while it was opening once the relay has it open, and waits for that ack', () => {
    const { doc, protocol, sent, label } = setup((d) => d.getMap('m').set('a', 1))
    const relay = copy(doc)
    protocol.openSnapshot(true)
    doc.getMap('m').set('b', 2)
    expect(sent).toEqual([])
    protocol.receive({ type: 'persisted', stateVector: Y.encodeStateVector(relay) })
    expect(sent.map((m) => m.type)).toEqual(['sync-update'])
    expect(label()).toBe('syncing (1 pending)')
    Y.applyUpdate(relay, (sent[0] as { update: Uint8Array }).update)
    protocol.receive({ type: 'persisted', stateVector: Y.encodeStateVector(relay) })
    expect(label()).toBe('in sync')
    expect(relay.getMap('m').get('b')).toBe(2)
  })

  it('on a resync of an open doc, a persisted before opened proves nothing about the open', () => {
    const { doc, protocol, sent, label } = setup()
    protocol.openSnapshot(true)
    protocol.opened()
    expect(label()).toBe('in sync')
    doc.getMap('m').set('a', 1)
    doc.getMap('m').delete('a')
    expect(sent.map((m) => m.type)).toEqual(['sync-update', 'sync-update'])
    protocol.openSnapshot(false)
    // An ack of an earlier send may come before the relay read the open: not the answer.
    protocol.receive({ type: 'persisted', stateVector: new Uint8Array([0]) })
    expect(label()).toMatch(/^syncing/)
    protocol.opened()
    expect(label()).toBe('in sync')
  })
})
