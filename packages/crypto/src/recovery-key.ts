/**
 * Recovery keys: a 256-bit secret a person can write down and type back. The text is the 32
 * key bytes plus a 3-byte CRC-24 checksum (35 bytes = 280 bits = exactly 56 symbols) in
 * Crockford base32, shown as 14 groups of 4 separated by `-`.
 *
 * Crockford's alphabet has no I, L, O or U, and parsing forgives case, spaces, dashes and the
 * look-alikes (I/L → 1, O → 0). CRC-24 catches every error burst of up to 24 bits, so any one
 * mistyped symbol (5 bits) and any swap of two neighbouring symbols (10 bits) is detected
 * before the key is ever tried.
 */
import { AES_KEY_BYTES } from './keys.ts'
import { InvalidRecoveryKeyError } from './errors.ts'

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CHECKSUM_BYTES = 3
/** Symbols in a recovery key, not counting separators. */
export const RECOVERY_KEY_SYMBOLS = ((AES_KEY_BYTES + CHECKSUM_BYTES) * 8) / 5
const GROUP = 4

const symbolValues = new Map<string, number>([...alphabet].map((char, index) => [char, index]))
for (const [alias, target] of [['I', '1'], ['L', '1'], ['O', '0']] as const) symbolValues.set(alias, symbolValues.get(target)!)

/** CRC-24 as in OpenPGP (RFC 4880 §6.1): polynomial 0x864CFB, initial value 0xB704CE. */
function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce
  for (const byte of bytes) {
    crc ^= byte << 16
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1
      if (crc & 0x1000000) crc ^= 0x864cfb
    }
  }
  return crc & 0xffffff
}

/**
 * Formats 32 key bytes as recovery-key text (`XXXX-XXXX-…`, 69 characters).
 * @throws RangeError when `key` is not 32 bytes.
 */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== AES_KEY_BYTES) throw new RangeError(`a recovery key is ${AES_KEY_BYTES} bytes`)
  const crc = crc24(key)
  const payload = new Uint8Array(AES_KEY_BYTES + CHECKSUM_BYTES)
  payload.set(key)
  payload.set([crc >> 16, (crc >> 8) & 0xff, crc & 0xff], AES_KEY_BYTES)
  let symbols = ''
  let bits = 0
  let bitCount = 0
  for (const byte of payload) {
    bits = ((bits << 8) | byte) & 0xfff
    bitCount += 8
    while (bitCount >= 5) {
      bitCount -= 5
      symbols += alphabet[(bits >> bitCount) & 31]!
    }
  }
  return symbols.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-')
}

/**
 * Parses recovery-key text back into its 32 bytes. Case, spaces and dashes do not matter, and
 * I, L and O read as 1, 1 and 0.
 * @throws InvalidRecoveryKeyError with `reason` `character` (a symbol outside the alphabet),
 * `length` (not 56 symbols) or `checksum` (a typo).
 */
export function parseRecoveryKey(text: string): Uint8Array {
  const compact = String(text).toUpperCase().replace(/[\s-]+/g, '')
  const values = [...compact].map((char) => {
    const value = symbolValues.get(char)
    if (value === undefined) throw new InvalidRecoveryKeyError('character', `"${char}" is not a recovery-key character`)
    return value
  })
  if (values.length !== RECOVERY_KEY_SYMBOLS) {
    throw new InvalidRecoveryKeyError('length', `a recovery key has ${RECOVERY_KEY_SYMBOLS} characters, this has ${values.length}`)
  }
  const bytes = new Uint8Array(AES_KEY_BYTES + CHECKSUM_BYTES)
  let bits = 0
  let bitCount = 0
  let o = 0
  for (const value of values) {
    bits = ((bits << 5) | value) & 0xfff
    bitCount += 5
    if (bitCount >= 8) {
      bitCount -= 8
      bytes[o++] = (bits >> bitCount) & 0xff
    }
  }
  const key = bytes.slice(0, AES_KEY_BYTES)
  const stored = (bytes[AES_KEY_BYTES]! << 16) | (bytes[AES_KEY_BYTES + 1]! << 8) | bytes[AES_KEY_BYTES + 2]!
  if (stored !== crc24(key)) throw new InvalidRecoveryKeyError('checksum', 'the recovery key has a typo: its checksum does not match')
  return key
}

/** A fresh random recovery key as text, from the platform's CSPRNG. */
export function generateRecoveryKey(): string {
  return formatRecoveryKey(globalThis.crypto.getRandomValues(new Uint8Array(AES_KEY_BYTES)))
}
