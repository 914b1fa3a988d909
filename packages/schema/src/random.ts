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
