/**
 * Restoring a backup file into the caller's account on the relay (`POST /v1/backup`): each doc
 * of the file is merged into the account's doc of the same kind and id through its room, so
 * devices connected to it receive it as any edit and the account's quota applies; it is
 * answered once stored. Restoring the same file again changes nothing (Yjs updates are
 * idempotent). A collection this account deleted for good stays deleted: skipped, and said so.
 *
 * Secrets: vault values are sealed to the account they were written in (the doc name is in
 * their associated data). A file of this account brings its environments doc as it is, and its
 * vault record when the account has none (a relay that lost it). A file of another account
 * (or of the local-only workspace, whose values are plain text) cannot be re-sealed here — the
 * relay never holds a vault key — so its environments doc is left for the client, which opens
 * the values with the file's recovery key and seals them for this account.
 */
import { docName, type AccountBackup, type BackupDoc, type DocKind, type UserId } from '@ferry/protocol'
import type { ServerEditOutcome } from '../sync/server-edit.ts'
import type { DeviceId, VaultStore } from '../storage/accounts/vault.ts'
import type { UserStore } from '../storage/accounts/users.ts'

/** Why a doc of the file was not restored. */
export type SkipReason = 'deleted' | 'needs_client' | 'refused'

export interface SkippedDoc {
  readonly kind: DocKind
  readonly id?: string
  readonly reason: SkipReason
  readonly message: string
}

/**
 * What a restore did. `vault`: `installed` (the account had none), `kept` (it has its own),
 * `left_out` (the file is another account's), `none` (the file has none). `secrets`:
 * `restored` (the file's environments, sealed for this account, are in), `needs_client` (the
 * file's environments doc was left out: restore the file in the app with its recovery key),
 * `none` (the file has no environments doc).
 */
export interface RestoreReport {
  readonly restored: readonly { readonly kind: DocKind; readonly id?: string }[]
  readonly skipped: readonly SkippedDoc[]
  readonly vault: 'installed' | 'kept' | 'left_out' | 'none'
  readonly secrets: 'restored' | 'needs_client' | 'none'
  readonly profile: 'restored' | 'kept' | 'none'
}

export interface RestoreTarget {
  readonly owner: UserId
  readonly vault: VaultStore
  readonly users: UserStore
  /** Applies an update to one of the owner's docs through its room (`app.sync.applyUpdate`). */
  applyUpdate(name: ReturnType<typeof docName>, update: Uint8Array): Promise<ServerEditOutcome>
}

/** The index first, so devices list the collections as their docs arrive. */
const ORDER: Readonly<Record<DocKind, number>> = { workspace: 0, collection: 1, history: 2, environments: 3 }

const idOf = (doc: BackupDoc): { id?: string } => (doc.id === null ? {} : { id: doc.id })
const what = (doc: BackupDoc): string => (doc.kind === 'collection' ? 'collection' : `account's ${doc.kind}`)

export async function restoreBackup(target: RestoreTarget, file: AccountBackup): Promise<RestoreReport> {
  const sameAccount = file.source.accountId === target.owner
  const restored: { kind: DocKind; id?: string }[] = []
  const skipped: SkippedDoc[] = []
  for (const doc of [...file.docs].sort((a, b) => ORDER[a.kind] - ORDER[b.kind])) {
    if (doc.kind === 'environments' && !sameAccount) {
      skipped.push({ kind: doc.kind, reason: 'needs_client', message: 'Its variable values are sealed for another account: restore this file in the Ferry app with its recovery key to bring the environments in.' })
      continue
    }
    const outcome = await target.applyUpdate(doc.id === null ? docName(target.owner, doc.kind) : docName(target.owner, doc.kind, doc.id), doc.update)
    if (outcome.kind === 'stored') restored.push({ kind: doc.kind, ...idOf(doc) })
    else if (outcome.kind === 'gone') skipped.push({ kind: doc.kind, ...idOf(doc), reason: 'deleted', message: `This account deleted this ${what(doc)} for good; it stays deleted.` })
    else skipped.push({ kind: doc.kind, ...idOf(doc), reason: 'refused', message: `The relay refused it: ${outcome.reason}.` })
  }
  const hasEnvironments = file.docs.some((doc) => doc.kind === 'environments')
  return {
    restored,
    skipped,
    vault: await restoreVault(target, file, sameAccount),
    secrets: !hasEnvironments ? 'none' : sameAccount ? 'restored' : 'needs_client',
    profile: await restoreProfile(target, file),
  }
}

async function restoreVault(target: RestoreTarget, file: AccountBackup, sameAccount: boolean): Promise<RestoreReport['vault']> {
  if (file.vault === null) return 'none'
  if (!sameAccount) return 'left_out'
  const { recoveries, links, devices } = file.vault
  const installed = await target.vault.restoreVault(target.owner, {
    recoveries: recoveries.map((r) => ({ generation: r.generation, recoveryWrappedKey: r.wrappedKey, recoveryTag: r.tag })),
    links,
    devices: devices.map((device) => ({ ...device, id: device.id as DeviceId })),
  })
  return installed.ok ? 'installed' : 'kept'
}

/** The file's display name, for an account that has none. */
async function restoreProfile(target: RestoreTarget, file: AccountBackup): Promise<RestoreReport['profile']> {
  if (file.profile === null) return 'none'
  const user = await target.users.getUser(target.owner)
  if (user === null || user.name.trim() !== '') return 'kept'
  await target.users.updateUser(target.owner, { name: file.profile.name })
  return 'restored'
}
