import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { catchUpUpdates } from './catch-up.ts'

/** A device whose doc was edited in `sessions` page loads (one Yjs client each), offline. */
function deviceWithSessions(base: Y.Doc, sessions: number, bytesEach: number): Y.Doc {
  const device = new Y.Doc()
  Y.applyUpdate(device, Y.encodeStateAsUpdate(base))
  for (let s = 0; s < sessions; s++) {
    const session = new Y.Doc()
    Y.applyUpdate(session, Y.encodeStateAsUpdate(device))
    const text = session.getText('body')
    text.insert(text.length, String(s).repeat(bytesEach))
    session.getMap('items').set(`s${s}`, { from: s })
    if (s > 0) session.getMap('items').delete(`s${s - 1}`)
    Y.applyUpdate(device, Y.encodeStateAsUpdate(session, Y.encodeStateVector(device)))
  }
  return device
}

describe('catch-up updates', () => {
  it('is one update when small', () => {
    const device = deviceWithSessions(new Y.Doc(), 3, 100)
    expect(catchUpUpdates(device, new Uint8Array([0]), 10_000)).toHaveLength(1)
  })

  it('splits a large catch-up by client into pieces near the size asked, which together rebuild the doc in any order', () => {
    const base = new Y.Doc()
    base.getText('body').insert(0, 'shared start ')
    const relay = new Y.Doc()
    Y.applyUpdate(relay, Y.encodeStateAsUpdate(base))
    const device = deviceWithSessions(base, 12, 3_000)
    const pieces = catchUpUpdates(device, Y.encodeStateVector(relay), 10_000)
    expect(pieces.length).toBeGreaterThanOrEqual(3)
    for (const piece of pieces) expect(piece.length).toBeLessThan(10_000 + 3_500)
    for (const order of [pieces, [...pieces].reverse()]) {
      const copy = new Y.Doc()
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(relay))
      for (const piece of order) Y.applyUpdate(copy, piece)
      expect(copy.getText('body').toString()).toBe(device.getText('body').toString())
      expect(copy.getMap('items').toJSON()).toEqual({ s11: { from: 11 } })
    }
  })

  it('keeps one client larger than the piece size as one update', () => {
    const device = deviceWithSessions(new Y.Doc(), 1, 50_000)
    const pieces = catchUpUpdates(device, new Uint8Array([0]), 10_000)
    expect(pieces).toHaveLength(1)
  })
})
