/**
 * HMAC-SHA-256 under keys derived with HKDF-SHA-256: for proofs that whoever wrote some public
 * bytes held a secret key (the vault key chain), where nothing is to be kept secret, only
 * vouched for. Tags are 32 bytes; verification is WebCrypto's (constant time).
 */
import type { AssociatedData } from './aes-gcm.ts'
import { asBufferSource, utf8Encode } from './encoding.ts'
import { InvalidKeyError } from './errors.ts'
import { hkdf, type HkdfParams } from './keys.ts'

/** HMAC-SHA-256 tag length in bytes. */
export const MAC_BYTES = 32

const subtle = (): SubtleCrypto => globalThis.crypto.subtle
const bytesOf = (data: AssociatedData): Uint8Array => (typeof data === 'string' ? utf8Encode(data) : data)

function assertMacKey(key: CryptoKey, usage: KeyUsage): void {
  const algorithm = key?.algorithm as Partial<HmacKeyAlgorithm> | undefined
  if (algorithm?.name !== 'HMAC' || (algorithm.hash as { name?: string } | undefined)?.name !== 'SHA-256' || !key.usages.includes(usage)) {
    throw new InvalidKeyError(`expected an HMAC-SHA-256 key that may ${usage}`)
  }
}

/**
 * Derives a non-extractable HMAC-SHA-256 key (32 bytes) from input key material; `info`
 * separates it from every other key derived from the same material.
 */
export async function deriveMacKey(ikm: Uint8Array, params: HkdfParams): Promise<CryptoKey> {
  const raw = await hkdf(ikm, params, MAC_BYTES)
  return subtle().importKey('raw', asBufferSource(raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
}

/** The 32-byte HMAC-SHA-256 tag of `data` (strings as UTF-8). */
export async function macSign(key: CryptoKey, data: AssociatedData): Promise<Uint8Array> {
  assertMacKey(key, 'sign')
  return new Uint8Array(await subtle().sign('HMAC', key, asBufferSource(bytesOf(data))))
}

/** Whether `tag` is the tag of `data` under `key`; false (never a throw) for a tag of the wrong length. */
export async function macVerify(key: CryptoKey, tag: Uint8Array, data: AssociatedData): Promise<boolean> {
  assertMacKey(key, 'verify')
  if (tag.length !== MAC_BYTES) return false
  return subtle().verify('HMAC', key, asBufferSource(tag), asBufferSource(bytesOf(data)))
}
