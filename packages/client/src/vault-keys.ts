/**
 * Wrapping the vault key for its two kinds of holders, each bound by associated data to the
 * account, the key generation and (for a device) the device id, so a wrapped key replayed for
 * another device, account or generation does not open:
 * - a device: ECDH P-256 to its public key (`wrapAesKey`);
 * - the recovery key: AES-256-GCM under a key derived from it with HKDF-SHA-256.
 */
import {
  DecryptError,
  deriveAesKey,
  fromBase64Url,
  importPublicKey,
  joinAssociatedData,
  openEnvelope,
  importAesKey,
  exportAesKey,
  parseRecoveryKey,
  sealEnvelope,
  toBase64Url,
  unwrapAesKey,
  wrapAesKey,
} from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { WrongRecoveryKey } from './vault-errors.ts'

const deviceAd = (owner: UserId, deviceId: string, generation: number) =>
  joinAssociatedData('ferry/vault/device-key/v1', owner, deviceId, String(generation))
const recoveryAd = (owner: UserId, generation: number) => joinAssociatedData('ferry/vault/recovery-key/v1', owner, String(generation))

/** Wraps `vaultKey` (extractable) to a device's base64url public key. */
export async function wrapForDevice(vaultKey: CryptoKey, publicKey: string, owner: UserId, deviceId: string, generation: number): Promise<string> {
  const recipient = await importPublicKey(fromBase64Url(publicKey))
  return toBase64Url(await wrapAesKey(vaultKey, recipient, deviceAd(owner, deviceId, generation)))
}

/** Unwraps a key wrapped to this device; extractable, so this device can approve others. @throws a CryptoError when it does not open. */
export async function unwrapForDevice(wrapped: string, privateKey: CryptoKey, owner: UserId, deviceId: string, generation: number): Promise<CryptoKey> {
  return unwrapAesKey(fromBase64Url(wrapped), privateKey, { associatedData: deviceAd(owner, deviceId, generation), extractable: true })
}

async function recoveryWrappingKey(recoveryKey: string): Promise<CryptoKey> {
  return deriveAesKey(parseRecoveryKey(recoveryKey), { salt: new Uint8Array(0), info: 'ferry/vault/recovery-wrap/v1' })
}

/** @throws InvalidRecoveryKeyError when the text is not a recovery key. */
export async function wrapWithRecoveryKey(vaultKey: CryptoKey, recoveryKey: string, owner: UserId, generation: number): Promise<string> {
  const kek = await recoveryWrappingKey(recoveryKey)
  return toBase64Url(await sealEnvelope(kek, await exportAesKey(vaultKey), recoveryAd(owner, generation)))
}

/**
 * @throws InvalidRecoveryKeyError (a typo: the checksum caught it), WrongRecoveryKey (a valid
 * key, but not the one this vault was wrapped with).
 */
export async function unwrapWithRecoveryKey(wrapped: string, recoveryKey: string, owner: UserId, generation: number): Promise<CryptoKey> {
  const kek = await recoveryWrappingKey(recoveryKey)
  try {
    return await importAesKey(await openEnvelope(kek, fromBase64Url(wrapped), recoveryAd(owner, generation)), { extractable: true })
  } catch (error) {
    if (error instanceof DecryptError) throw new WrongRecoveryKey()
    throw error
  }
}

/**
 * A short fingerprint of a device's public key (16 hex digits in groups of 4), for the user to
 * compare on both screens before approving: it shows the relay did not swap in its own key.
 */
export async function deviceFingerprint(publicKey: string): Promise<string> {
  return shortFingerprint(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', fromBase64Url(publicKey) as Uint8Array<ArrayBuffer>)))
}

/** The first 8 bytes as 16 hex digits in groups of 4: short enough to compare on two screens. */
export function shortFingerprint(bytes: Uint8Array): string {
  const hex = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
  return hex.match(/.{4}/g)!.join(' ')
}
