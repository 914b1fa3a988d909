import { describe, expect, it } from 'vitest'
import { Backoff } from './backoff.ts'

function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

describe('Backoff', () => {
  it('starts between 1 and 2 s, then spreads each delay over the whole window up to the 30 s cap (full jitter)', () => {
    const backoff = new Backoff({ random: seeded(7) })
    const delays = Array.from({ length: 200 }, () => backoff.next())
    expect(delays[0]).toBeGreaterThanOrEqual(1_000)
    expect(delays[0]).toBeLessThan(2_000)
    expect(delays[1]).toBeLessThan(4_000)
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(1_000)
      expect(delay).toBeLessThanOrEqual(30_000)
    }
    // Once capped, delays cover the window from the floor to the cap, not only its top half.
    const capped = delays.slice(5)
    expect(Math.min(...capped)).toBeLessThan(8_000)
    expect(Math.max(...capped)).toBeGreaterThan(25_000)
  })

  it('waits at least what the relay named (retry-after), with jitter on top', () => {
    const a = new Backoff({ random: seeded(3) })
    const b = new Backoff({ random: seeded(4) })
    const [x, y] = [a.next(5_000), b.next(5_000)]
    expect(x).toBeGreaterThanOrEqual(6_000)
    expect(y).toBeGreaterThanOrEqual(6_000)
    expect(x).not.toBe(y)
  })

  it('spreads clients apart (jitter) and starts over after reset', () => {
    const a = new Backoff({ random: seeded(1) })
    const b = new Backoff({ random: seeded(2) })
    expect(a.next()).not.toBe(b.next())
    a.next()
    a.next()
    a.reset()
    expect(a.next()).toBeLessThan(2_000)
  })
})
