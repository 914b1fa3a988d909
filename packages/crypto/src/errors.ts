/** Stable codes for every failure @ferry/crypto reports; callers switch on these, not on messages. */
export type CryptoErrorCode =
  | 'decrypt_failed'
  | 'unknown_version'
  | 'unknown_algorithm'
  | 'malformed_envelope'
  | 'invalid_encoding'
  | 'invalid_key'
  | 'invalid_recovery_key'

/** Base class of every error this package throws on bad input, so one `instanceof` catches them all. */
export abstract class CryptoError extends Error {
  abstract readonly code: CryptoErrorCode
}

/**
 * The ciphertext did not authenticate: wrong key, wrong associated data, or tampered bytes.
 * Deliberately says no more, so a failure leaks nothing about which part was wrong.
 */
export class DecryptError extends CryptoError {
  override name = 'DecryptError'
  readonly code = 'decrypt_failed'
  constructor(message = 'decryption failed: wrong key, wrong associated data or tampered data') {
    super(message)
  }
}

/** The envelope was written by a newer (or corrupt) format version this code cannot read. */
export class UnknownVersionError extends CryptoError {
  override name = 'UnknownVersionError'
  readonly code = 'unknown_version'
  constructor(readonly version: number) {
    super(`unknown envelope version ${version}`)
  }
}

/** The envelope names an algorithm this code does not know. */
export class UnknownAlgorithmError extends CryptoError {
  override name = 'UnknownAlgorithmError'
  readonly code = 'unknown_algorithm'
  constructor(readonly algorithm: number) {
    super(`unknown envelope algorithm ${algorithm}`)
  }
}

/** The bytes are not an envelope of the expected kind: too short, or the wrong algorithm for the call. */
export class MalformedEnvelopeError extends CryptoError {
  override name = 'MalformedEnvelopeError'
  readonly code = 'malformed_envelope'
}

/** Text that should be base64url or UTF-8 is not. */
export class InvalidEncodingError extends CryptoError {
  override name = 'InvalidEncodingError'
  readonly code = 'invalid_encoding'
}

/** A key has the wrong type, algorithm, usage or length for the operation. */
export class InvalidKeyError extends CryptoError {
  override name = 'InvalidKeyError'
  readonly code = 'invalid_key'
}

/** Why recovery-key text was refused: a character outside the alphabet, the wrong length, or a typo the checksum caught. */
export type RecoveryKeyProblem = 'character' | 'length' | 'checksum'

/** Recovery-key text that cannot be a recovery key; `reason` says what to tell the person typing it. */
export class InvalidRecoveryKeyError extends CryptoError {
  override name = 'InvalidRecoveryKeyError'
  readonly code = 'invalid_recovery_key'
  constructor(
    readonly reason: RecoveryKeyProblem,
    message: string,
  ) {
    super(message)
  }
}
