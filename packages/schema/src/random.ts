/**
 * Where ids and order-key tie-breaks get their randomness. Production uses WebCrypto; tests
 * pass a seeded source so a failing property run replays exactly.
 */
export type RandomSource = (bytes: Uint8Array) => Uint8Array

/** WebCrypto bytes drawn 4 KiB at a time: an import of 10,000 requests asks for 20,000 ids and keys. */
const pool = new Uint8Array(4096)
let used = pool.length

export const cryptoRandom: RandomSource = (bytes) => {
  if (bytes.length > pool.length) return globalThis.crypto.getRandomValues(bytes)
  if (used + bytes.length > pool.length) {
    globalThis.crypto.getRandomValues(pool)
    used = 0
  }
  bytes.set(pool.subarray(used, used + bytes.length))
  used += bytes.length
  return bytes
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * A fresh 128-bit random id as 22 base64url characters, so it is valid as a doc-name part
 * (`[A-Za-z0-9_-]{1,64}`) and can name a collection doc directly.
 */
export function createId(random: RandomSource = cryptoRandom): string {
  const bytes = random(new Uint8Array(16))
  let out = ''
  let bits = 0
  let acc = 0
  for (const byte of bytes) {
    acc = (acc << 8) | byte
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += BASE64URL[(acc >> bits) & 63]
    }
  }
  return bits > 0 ? out + BASE64URL[(acc << (6 - bits)) & 63] : out
}

/**
 * A deterministic `RandomSource` from a string (sfc32 seeded by cyrb128, 128 bits of state):
 * the same bytes on every device, for writes two devices must make identically (an update
 * from a file: the ids of the items it adds, the order keys of what it moves). Not secret.
 */
export function derivedRandom(seed: string): RandomSource {
  let [a, b, c, d] = [1779033703, 3144134277, 1013904242, 2773480762]
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i)
    a = b ^ Math.imul(a ^ k, 597399067)
    b = c ^ Math.imul(b ^ k, 2869860233)
    c = d ^ Math.imul(c ^ k, 951274213)
    d = a ^ Math.imul(d ^ k, 2716044179)
  }
  a = Math.imul(c ^ (a >>> 18), 597399067)
  b = Math.imul(d ^ (b >>> 22), 2869860233)
  c = Math.imul(a ^ (c >>> 17), 951274213)
  d = Math.imul(b ^ (d >>> 19), 2716044179)
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) next()
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff
    return bytes
  }
}
