/**
 * Where ids and order-key tie-breaks get their randomness. Production uses WebCrypto; tests
 * pass a seeded source so a failing property run replays exactly.
 */
export type RandomSource = (bytes: Uint8Array) => Uint8Array

export const cryptoRandom: RandomSource = (bytes) => globalThis.crypto.getRandomValues(bytes)

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
