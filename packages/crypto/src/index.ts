export {
  CryptoError,
  DecryptError,
  InvalidEncodingError,
  InvalidKeyError,
  InvalidRecoveryKeyError,
  MalformedEnvelopeError,
  UnknownAlgorithmError,
  UnknownVersionError,
  type CryptoErrorCode,
  type RecoveryKeyProblem,
} from './errors.ts'
export { concatBytes, fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from './encoding.ts'
export {
  AES_GCM_IV_BYTES,
  AES_GCM_TAG_BYTES,
  aesGcmDecrypt,
  aesGcmEncrypt,
  joinAssociatedData,
  type AesGcmSealed,
  type AssociatedData,
} from './aes-gcm.ts'
export {
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_VERSION,
  EnvelopeAlgorithm,
  openEnvelope,
  openText,
  parseEnvelope,
  sealEnvelope,
  sealText,
  type ParsedEnvelope,
} from './envelope.ts'
export {
  AES_KEY_BYTES,
  P256_PUBLIC_KEY_BYTES,
  deriveAesKey,
  exportAesKey,
  exportPublicKey,
  generateAesKey,
  generateEcdhKeyPair,
  hkdf,
  importAesKey,
  importPublicKey,
  unwrapAesKey,
  wrapAesKey,
  type HkdfParams,
  type KeyOptions,
} from './keys.ts'
export { MAC_BYTES, deriveMacKey, macSign, macVerify } from './mac.ts'
export { RECOVERY_KEY_SYMBOLS, formatRecoveryKey, generateRecoveryKey, parseRecoveryKey } from './recovery-key.ts'
