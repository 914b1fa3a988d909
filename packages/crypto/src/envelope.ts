import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, aesGcmDecrypt, aesGcmEncrypt, associatedBytes, type AssociatedData } from './aes-gcm.ts'
import { concatBytes, fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from './encoding.ts'
import { MalformedEnvelopeError, UnknownAlgorithmError, UnknownVersionError } from './errors.ts'

/**
 * The envelope format version written today. Layout:
 * `[version: 1 byte][algorithm: 1 byte][key info: per algorithm][iv: 12 bytes][ciphertext + 16-byte tag]`.
 * Everything before the IV is the header, which is authenticated as associated data (ahead of
 * any associated data the caller adds), so a changed version or algorithm never decrypts.
 */
export const ENVELOPE_VERSION = 1

/** Algorithms an envelope may name. */
export const EnvelopeAlgorithm = {
  /** AES-256-GCM under a symmetric key; no key info. */
  AesGcm: 1,
  /** A key wrapped to an ECDH P-256 public key: key info is the sender's ephemeral public key (65 bytes, uncompressed). */
  EcdhP256AesGcm: 2,
} as const
export type EnvelopeAlgorithm = (typeof EnvelopeAlgorithm)[keyof typeof EnvelopeAlgorithm]

const keyInfoBytes: Readonly<Record<EnvelopeAlgorithm, number>> = { 1: 0, 2: 65 }

/** Bytes an AES-GCM envelope adds to its plaintext: 2 header + 12 IV + 16 tag. */
export const ENVELOPE_OVERHEAD_BYTES = 2 + AES_GCM_IV_BYTES + AES_GCM_TAG_BYTES

/** An envelope split into its regions (views into the input, not copies). */
export interface ParsedEnvelope {
  readonly version: number
  readonly algorithm: EnvelopeAlgorithm
  /** Version, algorithm and key info: the bytes bound as associated data. */
  readonly header: Uint8Array
  readonly keyInfo: Uint8Array
  readonly iv: Uint8Array
  /** Ciphertext with the tag appended. */
  readonly ciphertext: Uint8Array
}

function isAlgorithm(value: number): value is EnvelopeAlgorithm {
  return Object.hasOwn(keyInfoBytes, value)
}

/**
 * Splits an envelope into its regions without decrypting it.
 * @throws UnknownVersionError, UnknownAlgorithmError, or MalformedEnvelopeError when it is empty or truncated.
 */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new MalformedEnvelopeError('envelope is empty')
  const version = bytes[0]!
  if (version !== ENVELOPE_VERSION) throw new UnknownVersionError(version)
  if (bytes.length < 2) throw new MalformedEnvelopeError('envelope is truncated before its algorithm')
  const algorithm = bytes[1]!
  if (!isAlgorithm(algorithm)) throw new UnknownAlgorithmError(algorithm)
  const headerEnd = 2 + keyInfoBytes[algorithm]
  const ivEnd = headerEnd + AES_GCM_IV_BYTES
  if (bytes.length < ivEnd + AES_GCM_TAG_BYTES) throw new MalformedEnvelopeError('envelope is truncated')
  return {
    version,
    algorithm,
    header: bytes.subarray(0, headerEnd),
    keyInfo: bytes.subarray(2, headerEnd),
    iv: bytes.subarray(headerEnd, ivEnd),
    ciphertext: bytes.subarray(ivEnd),
  }
}

/** Encrypts into an envelope of `algorithm` carrying `keyInfo`; the building block for {@link sealEnvelope} and key wrapping. */
export async function sealWithHeader(
  key: CryptoKey,
  algorithm: EnvelopeAlgorithm,
  keyInfo: Uint8Array,
  plaintext: Uint8Array,
  associatedData?: AssociatedData,
): Promise<Uint8Array> {
  if (keyInfo.length !== keyInfoBytes[algorithm]) throw new RangeError(`algorithm ${algorithm} takes ${keyInfoBytes[algorithm]} bytes of key info`)
  const header = concatBytes(Uint8Array.of(ENVELOPE_VERSION, algorithm), keyInfo)
  const { iv, ciphertext } = await aesGcmEncrypt(key, plaintext, concatBytes(header, associatedBytes(associatedData)))
  return concatBytes(header, iv, ciphertext)
}

/** Decrypts a parsed envelope, authenticating its header and the caller's associated data. */
export async function openParsed(key: CryptoKey, envelope: ParsedEnvelope, associatedData?: AssociatedData): Promise<Uint8Array> {
  const ad = concatBytes(envelope.header, associatedBytes(associatedData))
  return aesGcmDecrypt(key, envelope.iv, envelope.ciphertext, ad)
}

/**
 * Encrypts `plaintext` under an AES-256-GCM key into a versioned envelope
 * ({@link ENVELOPE_OVERHEAD_BYTES} longer than the plaintext).
 * @throws InvalidKeyError
 */
export async function sealEnvelope(key: CryptoKey, plaintext: Uint8Array, associatedData?: AssociatedData): Promise<Uint8Array> {
  return sealWithHeader(key, EnvelopeAlgorithm.AesGcm, new Uint8Array(0), plaintext, associatedData)
}

/**
 * Opens an envelope made by {@link sealEnvelope} with the same key and associated data.
 * @throws DecryptError, UnknownVersionError, UnknownAlgorithmError, MalformedEnvelopeError (also
 * for an envelope of another algorithm, such as a wrapped key), InvalidKeyError
 */
export async function openEnvelope(key: CryptoKey, envelope: Uint8Array, associatedData?: AssociatedData): Promise<Uint8Array> {
  const parsed = parseEnvelope(envelope)
  if (parsed.algorithm !== EnvelopeAlgorithm.AesGcm) {
    throw new MalformedEnvelopeError(`expected an AES-GCM envelope, got algorithm ${parsed.algorithm}`)
  }
  return openParsed(key, parsed, associatedData)
}

/**
 * Encrypts a string into base64url envelope text, for values that must live in a string field
 * (vault ciphertext in a Yjs map). Text length ≈ 4/3 × (UTF-8 bytes + 30).
 */
export async function sealText(key: CryptoKey, text: string, associatedData?: AssociatedData): Promise<string> {
  return toBase64Url(await sealEnvelope(key, utf8Encode(text), associatedData))
}

/**
 * Opens text made by {@link sealText}.
 * @throws InvalidEncodingError when it is not base64url (or the plaintext is not UTF-8), and
 * everything {@link openEnvelope} throws.
 */
export async function openText(key: CryptoKey, sealed: string, associatedData?: AssociatedData): Promise<string> {
  return utf8Decode(await openEnvelope(key, fromBase64Url(sealed), associatedData))
}
