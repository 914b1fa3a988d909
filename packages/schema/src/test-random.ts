/**
 * A seeded `RandomSource` for tests (mulberry32), so runs that use ids and order keys replay.
 * Not cryptographic; production code uses `cryptoRandom`.
 */
import type { RandomSource } from './random.ts'

export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      state = (state + 0x6d2b79f5) >>> 0
      let t = state
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff
    }
    return bytes
  }
}
