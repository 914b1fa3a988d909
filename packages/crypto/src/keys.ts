import { AES_KEY_BITS, assertAesGcmKey, type AssociatedData } from './aes-gcm.ts'
import { asBufferSource, utf8Encode } from './encoding.ts'
import { DecryptError, InvalidKeyError, MalformedEnvelopeError } from './errors.ts'
import { EnvelopeAlgorithm, openParsed, parseEnvelope, sealWithHeader } from './envelope.ts'

const subtle = (): SubtleCrypto => globalThis.crypto.subtle

/** Raw AES-256 key length in bytes. */
export const AES_KEY_BYTES = AES_KEY_BITS / 8

/** Raw uncompressed P-256 public key length in bytes (`0x04 || x || y`). */
export const P256_PUBLIC_KEY_BYTES = 65

const aesUsages: KeyUsage[] = ['encrypt', 'decrypt']
const ecdh = { name: 'ECDH', namedCurve: 'P-256' } as const
const wrapInfo = utf8Encode('ferry/wrap-aes-key/v1')

/** Whether a key's raw bytes may be read back: true only for keys that must be exported or wrapped later. */
export interface KeyOptions {
  readonly extractable?: boolean
}

/** A fresh random AES-256-GCM key. Not extractable unless asked (a vault key must be, to be wrapped). */
export async function generateAesKey(options: KeyOptions = {}): Promise<CryptoKey> {
  return subtle().generateKey({ name: 'AES-GCM', length: AES_KEY_BITS }, options.extractable ?? false, aesUsages)
}

/**
 * Imports 32 raw bytes as an AES-256-GCM key.
 * @throws InvalidKeyError for any other length.
 */
export async function importAesKey(raw: Uint8Array, options: KeyOptions = {}): Promise<CryptoKey> {
  if (!(raw instanceof Uint8Array) || raw.length !== AES_KEY_BYTES) {
    throw new InvalidKeyError(`an AES-256 key is ${AES_KEY_BYTES} bytes`)
  }
  return subtle().importKey('raw', asBufferSource(raw), 'AES-GCM', options.extractable ?? false, aesUsages)
}

/**
 * The 32 raw bytes of an extractable AES-256-GCM key.
 * @throws InvalidKeyError when the key is not AES-256-GCM or not extractable.
 */
export async function exportAesKey(key: CryptoKey): Promise<Uint8Array> {
  assertAesGcmKey(key, 'encrypt')
  if (!key.extractable) throw new InvalidKeyError('the key is not extractable')
  return new Uint8Array(await subtle().exportKey('raw', key))
}

/** HKDF-SHA-256 inputs. `salt` may be empty; `info` separates derived keys by purpose. */
export interface HkdfParams {
  readonly salt: Uint8Array
  readonly info: AssociatedData
}

async function hkdfBits(ikm: Uint8Array, params: HkdfParams, bits: number): Promise<ArrayBuffer> {
  const base = await subtle().importKey('raw', asBufferSource(ikm), 'HKDF', false, ['deriveBits'])
  const info = typeof params.info === 'string' ? utf8Encode(params.info) : params.info
  return subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(params.salt), info: asBufferSource(info) }, base, bits)
}

/**
 * Derives `length` bytes (1 to 8160, HKDF's limit of 255 × 32) from input key material.
 * @throws RangeError for a length outside that range.
 */
export async function hkdf(ikm: Uint8Array, params: HkdfParams, length: number): Promise<Uint8Array> {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new RangeError('HKDF-SHA-256 output is 1 to 8160 bytes')
  return new Uint8Array(await hkdfBits(ikm, params, length * 8))
}

/** Derives an AES-256-GCM key from input key material with HKDF-SHA-256 (for example a per-document key from a master key). */
export async function deriveAesKey(ikm: Uint8Array, params: HkdfParams, options: KeyOptions = {}): Promise<CryptoKey> {
  const raw = new Uint8Array(await hkdfBits(ikm, params, AES_KEY_BITS))
  return importAesKey(raw, options)
}

function assertEcdhKey(key: CryptoKey, type: KeyType): void {
  const algorithm = key?.algorithm as Partial<EcKeyAlgorithm> | undefined
  if (key?.type !== type || algorithm?.name !== 'ECDH' || algorithm.namedCurve !== 'P-256') {
    throw new InvalidKeyError(`expected an ECDH P-256 ${type} key`)
  }
}

/**
 * A fresh ECDH P-256 key pair for receiving wrapped keys (one per device). The private key is
 * never extractable, so it can be stored as a `CryptoKey` (IndexedDB) but never read out.
 */
export async function generateEcdhKeyPair(): Promise<CryptoKeyPair> {
  return subtle().generateKey(ecdh, false, ['deriveBits'])
}

/** The 65-byte uncompressed form of an ECDH P-256 public key, to publish or store. */
export async function exportPublicKey(key: CryptoKey): Promise<Uint8Array> {
  assertEcdhKey(key, 'public')
  return new Uint8Array(await subtle().exportKey('raw', key))
}

/**
 * Imports a 65-byte uncompressed P-256 public key (from the relay or another device).
 * @throws InvalidKeyError when it is not a point on the curve.
 */
export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (!(raw instanceof Uint8Array) || raw.length !== P256_PUBLIC_KEY_BYTES || raw[0] !== 0x04) {
    throw new InvalidKeyError('expected a 65-byte uncompressed P-256 public key')
  }
  try {
    return await subtle().importKey('raw', asBufferSource(raw), ecdh, true, [])
  } catch {
    throw new InvalidKeyError('the bytes are not a valid P-256 public key')
  }
}

async function wrappingKey(privateKey: CryptoKey, publicKey: CryptoKey, ephemeralPublic: Uint8Array): Promise<CryptoKey> {
  const shared = await subtle().deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256)
  // The ephemeral public key salts the derivation, so each wrap gets its own key even if a shared secret repeated.
  return deriveAesKey(new Uint8Array(shared), { salt: ephemeralPublic, info: wrapInfo })
}

/**
 * Wraps an extractable AES-256-GCM key to a recipient's ECDH P-256 public key: a fresh
 * ephemeral key pair, ECDH, HKDF-SHA-256, then AES-256-GCM over the raw key. The result is an
 * envelope of algorithm {@link EnvelopeAlgorithm.EcdhP256AesGcm} (2 + 65 + 12 + 32 + 16 = 127 bytes).
 * @throws InvalidKeyError
 */
export async function wrapAesKey(key: CryptoKey, recipient: CryptoKey, associatedData?: AssociatedData): Promise<Uint8Array> {
  const raw = await exportAesKey(key)
  assertEcdhKey(recipient, 'public')
  const ephemeral = await generateEcdhKeyPair()
  const ephemeralPublic = await exportPublicKey(ephemeral.publicKey)
  const kek = await wrappingKey(ephemeral.privateKey, recipient, ephemeralPublic)
  return sealWithHeader(kek, EnvelopeAlgorithm.EcdhP256AesGcm, ephemeralPublic, raw, associatedData)
}

/**
 * Unwraps a key made by {@link wrapAesKey} with the recipient's private key and the same associated data.
 * @throws DecryptError (wrong private key, wrong associated data, tampering), UnknownVersionError,
 * UnknownAlgorithmError, MalformedEnvelopeError, InvalidKeyError
 */
export async function unwrapAesKey(
  envelope: Uint8Array,
  privateKey: CryptoKey,
  options: KeyOptions & { readonly associatedData?: AssociatedData } = {},
): Promise<CryptoKey> {
  const parsed = parseEnvelope(envelope)
  if (parsed.algorithm !== EnvelopeAlgorithm.EcdhP256AesGcm) {
    throw new MalformedEnvelopeError(`expected a wrapped-key envelope, got algorithm ${parsed.algorithm}`)
  }
  assertEcdhKey(privateKey, 'private')
  let ephemeralPublic: CryptoKey
  try {
    ephemeralPublic = await importPublicKey(parsed.keyInfo)
  } catch {
    // A tampered ephemeral key is tampered ciphertext to the caller, nothing more specific.
    throw new DecryptError()
  }
  const kek = await wrappingKey(privateKey, ephemeralPublic, parsed.keyInfo)
  const raw = await openParsed(kek, parsed, options.associatedData)
  if (raw.length !== AES_KEY_BYTES) throw new DecryptError()
  return importAesKey(raw, options)
}
