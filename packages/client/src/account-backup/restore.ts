/**
 * Restoring an account backup file (docs/BACKUP.md) into the workspace on screen, on this
 * device: each doc of the file is merged into the workspace's doc of the same kind and id as an
 * edit of this device's — stored here at once and synced like any other, so it works offline
 * and in the local-only workspace, and merges with what the account holds (nothing of it is
 * replaced). Variable values are brought over as `secrets.ts` says: the file's recovery key
 * opens those sealed for another account, and restoring again with it fills what waited.
 *
 * The index comes first: a collection of the file that this account no longer lists after the
 * merge was deleted for good here, and stays deleted (skipped). One the relay deleted for good
 * is dropped by every device once the relay refuses it, as an offline edit of it would be.
 */
import { LOCAL_ACCOUNT_ID, type AccountBackup, type BackupSource } from '@ferry/protocol'
import * as Y from 'yjs'
import type { Vault } from '../vault.ts'
import type { Workspace } from '../workspace.ts'
import { openFileVault, readBackupFile } from './file-vault.ts'
import { countValues, mergeEnvironments, NO_SECRETS, type SecretsOutcome } from './secrets.ts'

/** The origin of a restore's edits: this device's own, so they are stored and sent. */
const RESTORE = Symbol('restoring an account backup')

export interface RestoreOptions {
  /** The recovery key of the vault the file's values were sealed under: needed for a file of another account. */
  readonly recoveryKey?: string
  /** This account's vault on this device, to seal values with; null or absent: none (the local-only workspace has none). */
  readonly vault?: Vault | null
}

export interface RestoreReport {
  /** Docs of the file merged into the workspace. */
  readonly merged: number
  /** Ids of the file's collections this account deleted for good: left deleted. */
  readonly skipped: readonly string[]
  readonly secrets: SecretsOutcome
}

/** What a file holds, for asking the right questions before restoring it. */
export interface BackupSummary {
  readonly source: BackupSource
  readonly createdAt: string
  /** Collections it lists (in the trash or not). */
  readonly collections: number
  /** Variables with a value. */
  readonly values: number
  /** True when its values open only with its recovery key here (another account's, and it holds their vault). */
  readonly needsRecoveryKey: boolean
  /** True when it has values that cannot be opened here at all (another account's, without their vault record). */
  readonly valuesUnreadable: boolean
}

const docOf = (backup: AccountBackup, kind: 'workspace' | 'environments') => backup.docs.find((doc) => doc.kind === kind)

/** @throws BackupFileError */
export function inspectBackup(workspace: Workspace, file: Uint8Array | string): BackupSummary {
  const backup = readBackupFile(file)
  const environments = docOf(backup, 'environments')
  const values = environments ? countValues(environments.update) : 0
  const sealedElsewhere = values > 0 && backup.source.accountId !== LOCAL_ACCOUNT_ID && backup.source.accountId !== workspace.owner
  return {
    source: backup.source,
    createdAt: backup.createdAt,
    collections: backup.docs.filter((doc) => doc.kind === 'collection').length,
    values,
    needsRecoveryKey: sealedElsewhere && backup.vault !== null,
    valuesUnreadable: sealedElsewhere && backup.vault === null,
  }
}

/**
 * Merges the file into `workspace`. With `recoveryKey`, it is checked first: a wrong one
 * throws before anything is written.
 * @throws BackupFileError; InvalidRecoveryKeyError or WrongRecoveryKey for the recovery key.
 */
export async function restoreBackup(workspace: Workspace, file: Uint8Array | string, options: RestoreOptions = {}): Promise<RestoreReport> {
  const backup = readBackupFile(file)
  const fileOwner = backup.source.accountId
  const fileKeys = options.recoveryKey !== undefined && backup.vault !== null ? await openFileVault(backup.vault, fileOwner, options.recoveryKey) : null
  let merged = 0
  const index = docOf(backup, 'workspace')
  if (index) {
    Y.applyUpdate(workspace.indexDoc, index.update, RESTORE)
    merged++
  }
  const listed = new Set(workspace.index.allCollections().map((collection) => collection.id))
  const skipped: string[] = []
  let secrets = NO_SECRETS
  for (const doc of backup.docs) {
    if (doc.kind === 'workspace') continue
    if (doc.kind === 'collection' && !listed.has(doc.id!)) {
      skipped.push(doc.id!)
      continue
    }
    const target = await workspace.doc(doc.kind, doc.id ?? undefined)
    if (doc.kind === 'environments') {
      secrets = await mergeEnvironments(target, doc.update, { fileOwner, fileKeys, owner: workspace.owner, vault: options.vault ?? null }, RESTORE)
    } else {
      Y.applyUpdate(target, doc.update, RESTORE)
    }
    merged++
  }
  return { merged, skipped, secrets }
}
