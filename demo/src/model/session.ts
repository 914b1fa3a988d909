/**
 * What the demo's shell needs from `@ferry/client`: the accounts on this browser, the active
 * workspace, and the sync status. `client-session.ts` implements it.
 */
import type { CollectionVersions, DeletedAccount, DownloadedBackup, RestoreReport, Share, SharedCollection, Vault, Workspace } from '@ferry/client'
import type { RelaySender } from '../send/route.ts'
import type { VariableValues } from './variable-values.ts'
import type { UnsyncedSummary } from './unsynced.ts'

export interface AccountInfo {
  readonly id: string
  readonly email: string
  readonly name: string | null
  readonly avatarUrl: string | null
  readonly emailConfirmed: boolean
  /** False once the session ended (the account stays listed until signed in again or removed). */
  readonly signedIn: boolean
  readonly syncEnabled: boolean
}

/** The header badge's states (DESIGN.md capability 5), plus `local` for the no-account workspace. */
export type SyncBadgeState = 'in-sync' | 'syncing' | 'offline' | 'off' | 'signed-out' | 'local' | 'error'

export interface SyncBadge {
  readonly state: SyncBadgeState
  /** Local changes not yet stored by the relay: being sent (syncing), or made since the last sync (offline, sync off). */
  readonly pending: number
  /** A short explanation for the tooltip and screen readers. */
  readonly detail: string
}

export interface Provider {
  readonly id: string
  readonly name: string
}

export interface AppSession {
  accounts(): AccountInfo[]
  /** Null → the local-only workspace (no account). */
  active(): AccountInfo | null
  /** The loaded workspace of the active account (or of the local-only one). */
  workspace(): Workspace
  /** False while a sign-in or switch replaces the workspace: show none then (edits in the last one would stay behind). */
  workspaceReady(): boolean
  sync(): SyncBadge
  /** Fires when accounts, the active account, the workspace or the sync status change. */
  onChange(listener: () => void): () => void

  signUp(email: string, password: string, name: string): Promise<void>
  /** Signs in (adding the account) and switches to it. */
  signIn(email: string, password: string): Promise<void>
  /** Trades the one-time code of `#/oidc?code=` and switches to the account. */
  signInWithOidc(code: string): Promise<void>
  providers(): Promise<Provider[]>
  oidcStartUrl(providerId: string): string
  confirmEmail(token: string): Promise<void>
  recover(email: string): Promise<void>
  resetPassword(token: string, password: string): Promise<void>

  switchTo(accountId: string | null): Promise<void>
  signOut(accountId: string): Promise<void>
  /** What the relay does not have of the active account's workspace (what signing out would lose). */
  unsyncedSummary(): Promise<UnsyncedSummary>
  setSyncEnabled(accountId: string, enabled: boolean): Promise<void>
  syncNow(): void
  updateName(name: string): Promise<void>
  uploadAvatar(image: Blob): Promise<void>
  /**
   * Deletes the active account on the relay (everything it holds for it, on every device), then
   * forgets it on this browser as signing out does. `password` for accounts with one.
   */
  deleteAccount(password: string | undefined): Promise<DeletedAccount>

  /** The version history of one of the active account's collections; null without a signed-in account. */
  versions(collectionId: string): CollectionVersions | null
  /** Link management for the active account; null without a signed-in account. */
  share(): Share | null
  /** Opens a collection link read-only and live (counts one use of the link). */
  openShared(url: string): Promise<SharedCollection>
  /** Copies an open shared collection into the active workspace; answers the new collection's id. */
  importShared(shared: SharedCollection): Promise<string>

  /** The active account's vault on this device (opened once, checked with the relay); null without an account. */
  vault(): Promise<Vault | null>
  /** How variable values of the active workspace are read and written (sealed by the vault for accounts). */
  variableValues(): Promise<VariableValues>
  /** The relay's send proxy for the signed-in account; null without one (the relay may still have it off). */
  relaySender(): RelaySender | null

  /** The active workspace's backup file (docs/BACKUP.md): everything of the account, secrets sealed. */
  downloadBackup(): Promise<DownloadedBackup>
  /** Merges a backup file into the active workspace; `recoveryKey` opens the values of another account's file. */
  restoreBackup(file: string, recoveryKey?: string): Promise<RestoreReport>
}
