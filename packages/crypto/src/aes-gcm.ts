import { asBufferSource, concatBytes, utf8Encode } from './encoding.ts'
import { DecryptError, InvalidKeyError } from './errors.ts'

/** IV length in bytes: 96 bits, the size GCM is designed for. */
export const AES_GCM_IV_BYTES = 12

/** Authentication tag length in bytes (128 bits), appended to every ciphertext. */
export const AES_GCM_TAG_BYTES = 16

/** AES key length in bits; Ferry uses AES-256 only. */
export const AES_KEY_BITS = 256

/**
 * Bytes authenticated but not encrypted: binds a ciphertext to its context (a doc name, a
 * variable id) so it cannot be replayed elsewhere. Strings are taken as UTF-8.
 */
export type AssociatedData = Uint8Array | string

/**
 * Binds several strings as one associated data value, each length-prefixed (4 bytes, big
 * endian) so that ("a", "bc") and ("ab", "c") never authenticate the same bytes.
 */
export function joinAssociatedData(...parts: readonly string[]): Uint8Array {
  return concatBytes(
    ...parts.flatMap((part) => {
      const bytes = utf8Encode(part)
      const length = new Uint8Array(4)
      new DataView(length.buffer).setUint32(0, bytes.length)
      return [length, bytes]
    }),
  )
}

/** One AES-GCM encryption: the random IV and the ciphertext with its tag appended. */
export interface AesGcmSealed {
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
}

/** The bytes of `data`; none when it is absent. */
export function associatedBytes(data: AssociatedData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  return typeof data === 'string' ? utf8Encode(data) : data
}

/** @throws InvalidKeyError unless `key` is an AES-256-GCM key allowing `usage`. */
export function assertAesGcmKey(key: CryptoKey, usage: KeyUsage): void {
  const algorithm = key?.algorithm as Partial<AesKeyAlgorithm> | undefined
  if (algorithm?.name !== 'AES-GCM' || algorithm.length !== AES_KEY_BITS || !key.usages.includes(usage)) {
    throw new InvalidKeyError(`expected an AES-256-GCM key allowing ${usage}`)
  }
}

/**
 * Encrypts with a fresh random 96-bit IV. A random IV is safe for up to about 2^32 messages
 * per key (NIST SP 800-38D); Ferry's per-account and per-document keys stay far below that.
 * @throws InvalidKeyError
 */
export async function aesGcmEncrypt(key: CryptoKey, plaintext: Uint8Array, associatedData?: AssociatedData): Promise<AesGcmSealed> {
  assertAesGcmKey(key, 'encrypt')
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(AES_GCM_IV_BYTES))
  const additionalData = asBufferSource(associatedBytes(associatedData))
  const ciphertext = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, asBufferSource(plaintext))
  return { iv, ciphertext: new Uint8Array(ciphertext) }
}

/**
 * Decrypts and authenticates `ciphertext` (tag appended).
 * @throws DecryptError on a wrong key, wrong associated data or any tampering; InvalidKeyError
 * when `key` is not an AES-256-GCM decryption key.
 */
export async function aesGcmDecrypt(
  key: CryptoKey,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  associatedData?: AssociatedData,
): Promise<Uint8Array> {
  assertAesGcmKey(key, 'decrypt')
  if (iv.length !== AES_GCM_IV_BYTES || ciphertext.length < AES_GCM_TAG_BYTES) throw new DecryptError()
  const additionalData = asBufferSource(associatedBytes(associatedData))
  try {
    const plaintext = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: asBufferSource(iv), additionalData },
      key,
      asBufferSource(ciphertext),
    )
    return new Uint8Array(plaintext)
  } catch {
    throw new DecryptError()
  }
}
