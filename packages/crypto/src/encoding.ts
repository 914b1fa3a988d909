import { InvalidEncodingError } from './errors.ts'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const values = new Map([...alphabet].map((char, index) => [char.charCodeAt(0), index]))

/** Encodes bytes as unpadded base64url (RFC 4648 §5): safe in URLs, JSON and Yjs strings. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]!
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]!
  }
  return out
}

/**
 * Decodes unpadded base64url. Strict, so that each byte string has exactly one text form:
 * padding, `+`, `/`, whitespace, an impossible length or non-zero trailing bits are rejected.
 * @throws InvalidEncodingError
 */
export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== 'string') throw new InvalidEncodingError('base64url input must be a string')
  if (text.length % 4 === 1) throw new InvalidEncodingError('base64url input has an impossible length')
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let bits = 0
  let bitCount = 0
  let o = 0
  for (let i = 0; i < text.length; i++) {
    const value = values.get(text.charCodeAt(i))
    if (value === undefined) throw new InvalidEncodingError(`invalid base64url character at offset ${i}`)
    bits = ((bits << 6) | value) & 0xffffff
    bitCount += 6
    if (bitCount >= 8) {
      bitCount -= 8
      out[o++] = (bits >> bitCount) & 0xff
    }
  }
  if ((bits & ((1 << bitCount) - 1)) !== 0) throw new InvalidEncodingError('base64url input has non-zero trailing bits')
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * Decodes UTF-8, rejecting invalid sequences instead of silently replacing them.
 * @throws InvalidEncodingError
 */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes)
  } catch {
    throw new InvalidEncodingError('bytes are not valid UTF-8')
  }
}

/** Joins byte arrays into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * WebCrypto's typings accept only views over a plain `ArrayBuffer`; this narrows a view to
 * that, copying only when it sits on a `SharedArrayBuffer`.
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes)
}
