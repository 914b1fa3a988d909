/**
 * Typed errors of the vault. A UI branches on `code`: each one names what the user can do
 * (wait for approval, type the recovery key again, reload after another device rotated).
 */
import type { ChainProblem } from './vault-chain.ts'

export type VaultErrorCode =
  | 'vault_locked'
  | 'wrong_recovery_key'
  | 'vault_exists'
  | 'no_vault'
  | 'device_revoked'
  | 'vault_conflict'
  | 'no_such_variable'
  | 'invalid_value'
  | 'untrusted_key'

export class VaultError extends Error {
  override name = 'VaultError'
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** This device has no vault key (yet): secret values can be neither read nor written. */
export class VaultLocked extends VaultError {
  override name = 'VaultLocked'
  constructor(message = 'The vault is locked on this device: approve it from a signed-in device or enter the recovery key.', options?: ErrorOptions) {
    super('vault_locked', message, options)
  }
}

/**
 * The relay offered a vault key generation this device cannot trace back to a key it holds
 * (see `ChainProblem`): made with a stolen access token, or by the relay itself. The device
 * keeps its current key and re-encrypts nothing; rotating from this device moves the vault
 * past that generation.
 */
export class UntrustedVaultKey extends VaultError {
  override name = 'UntrustedVaultKey'
  constructor(
    readonly generation: number,
    readonly problem: ChainProblem,
    message = `Vault key generation ${generation} was not made by one of your devices (${problem}); this device keeps its key. Rotate the vault key from a device you trust.`,
  ) {
    super('untrusted_key', message)
  }
}

/** The recovery key is well-formed (its checksum matched) but is not this account's. */
export class WrongRecoveryKey extends VaultError {
  override name = 'WrongRecoveryKey'
  constructor(message = 'This recovery key does not unlock this account’s vault.') {
    super('wrong_recovery_key', message)
  }
}

/**
 * Why a stored value could not be read although the vault is unlocked:
 * - `tampered`: it does not authenticate for this variable — altered, copied from another
 *   variable, or from another account.
 * - `malformed`: it is not vault ciphertext at all.
 */
export type ValueProblem = 'tampered' | 'malformed'

/** A variable value that failed to decrypt; the doc stays usable and the value can be overwritten. */
export class VaultValueError extends VaultError {
  override name = 'VaultValueError'
  constructor(
    readonly problem: ValueProblem,
    message: string,
  ) {
    super('invalid_value', message)
  }
}
