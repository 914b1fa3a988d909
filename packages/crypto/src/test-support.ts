/** Helpers for this package's tests only; not exported from the package. */

/** A copy of `bytes` with one bit flipped in the byte at `index`. */
export function flipByte(bytes: Uint8Array, index: number, mask = 0x80): Uint8Array {
  const copy = bytes.slice()
  copy[index] = copy[index]! ^ mask
  return copy
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing case can be replayed. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let state = seed >>> 0
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = (t ^ (t >>> 14)) & 0xff
  }
  return out
}

export const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
