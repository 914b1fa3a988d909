/**
 * Reading a backup file with what it brings: its bytes as a checked `AccountBackup` (one
 * typed error with the format's sentence otherwise), and the vault keys its values were
 * sealed under, opened with the file's recovery key.
 */
import type { AccountBackup, BackupErrorCode, BackupVault, UserId } from '@ferry/protocol'
import { parseBackup } from '@ferry/protocol'
import { verifyGeneration } from '../vault-chain.ts'
import { WrongRecoveryKey } from '../vault-errors.ts'
import { unwrapWithRecoveryKey } from '../vault-keys.ts'

/** A file that is not a backup this version can restore; `message` says why, for the user. */
export class BackupFileError extends Error {
  override name = 'BackupFileError'
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** @throws BackupFileError */
export function readBackupFile(file: Uint8Array | string): AccountBackup {
  const parsed = parseBackup(file)
  if (!parsed.ok) throw new BackupFileError(parsed.error.code, parsed.error.message)
  return parsed.value
}

/**
 * The vault keys of the file's account, by generation: the newest recovery wrap the key opens
 * (the file keeps the replaced ones too, so an older recovery key still opens its generation),
 * and every earlier generation its chain leads back to, each link checked on the way.
 * @throws InvalidRecoveryKeyError (a typo), WrongRecoveryKey (not this vault's key).
 */
export async function openFileVault(vault: BackupVault, owner: UserId, recoveryKey: string): Promise<Map<number, CryptoKey>> {
  for (const wrap of vault.recoveries) {
    let key: CryptoKey
    try {
      key = await unwrapWithRecoveryKey(wrap.wrappedKey, recoveryKey, owner, wrap.generation)
    } catch (error) {
      if (error instanceof WrongRecoveryKey) continue
      throw error
    }
    const links = new Map(vault.links.map(({ generation, link }) => [generation, link]))
    const walk = await verifyGeneration({ owner, generation: wrap.generation, key, links, trusted: new Map() })
    // A chain that does not hold gives no earlier key; the one the recovery key opened still counts.
    return new Map([...(walk.ok ? walk.keys : []), [wrap.generation, key]])
  }
  throw new WrongRecoveryKey('This recovery key does not open the vault in this backup.')
}
