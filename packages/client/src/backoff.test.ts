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
  it('starts between 1 and 2 s, doubles, and stays within 15–30 s once capped', () => {
    const backoff = new Backoff({ random: seeded(7) })
    const delays = Array.from({ length: 10 }, () => backoff.next())
    expect(delays[0]).toBeGreaterThanOrEqual(1_000)
    expect(delays[0]).toBeLessThan(2_000)
    expect(delays[1]).toBeGreaterThanOrEqual(2_000)
    expect(delays[1]).toBeLessThan(4_000)
    for (const delay of delays.slice(5)) {
      expect(delay).toBeGreaterThanOrEqual(15_000)
      expect(delay).toBeLessThanOrEqual(30_000)
    }
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
