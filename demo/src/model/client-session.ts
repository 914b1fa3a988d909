/**
 * `AppSession` over `@ferry/client`'s `FerryClient`: maps its accounts and sync status to
 * what the shell shows, and adds the relay calls that need no account state (sign-up, mailed
 * links). One change event covers accounts, the active workspace and the status.
 */
import { CollectionVersions, downloadBackup, FerryClient, importSharedCollection, openAccountVault, openSharedCollection, restoreBackup, Share, type Account, type DeletedAccount, type DownloadedBackup, type RestoreReport, type SharedCollection, type SyncStatus, type Vault, type Workspace } from '@ferry/client'
import { docName, type UserId } from '@ferry/protocol'
import type { AccountInfo, AppSession, Provider, SyncBadge } from './session.ts'
import type { RelaySender } from '../send/route.ts'
import { plainValues, vaultValues, type VariableValues } from './variable-values.ts'
import { UnsyncedTracker, type UnsyncedSummary } from './unsynced.ts'
import { syncStopSentence } from '../lib/relay-errors.ts'
import { forgetMoves } from './move-journal.ts'

/**
 * Avatar URLs come from the relay's PUBLIC_URL; the demo is served by the relay it talks to,
 * so it loads them from that same origin (which also works behind a proxy or on a test port).
 */
function avatarSrc(url: string | null, relayUrl: string): string | null {
  if (url === null) return null
  try {
    const parsed = new URL(url)
    return parsed.pathname.startsWith('/v1/avatars/') ? `${relayUrl}${parsed.pathname}${parsed.search}` : url
  } catch {
    return null
  }
}

function info(account: Account): AccountInfo {
  return {
    id: account.id,
    email: account.profile.email,
    name: account.profile.name,
    avatarUrl: avatarSrc(account.profile.avatarUrl, account.relayUrl),
    emailConfirmed: account.profile.emailConfirmed,
    signedIn: account.state === 'signed-in',
    syncEnabled: account.syncEnabled,
  }
}

const changes = (n: number) => (n === 1 ? '1 change' : `${n} changes`)

/** `unsynced`: changes made since the last sync (counted while offline or sync is off). */
function badgeFor(status: SyncStatus, account: Account | null, unsynced: number): SyncBadge {
  if (!account) return { state: 'local', pending: 0, detail: 'Your workspace is stored on this device only, with no account; nothing is synced. Sign in to keep it in an account.' }
  switch (status.kind) {
    case 'in-sync':
      return { state: 'in-sync', pending: 0, detail: 'Every change is stored on the relay.' }
    case 'syncing':
      if (status.docs) {
        const sending = status.pending > 0 ? `; sending ${status.pending} change(s)` : ''
        return { state: 'syncing', pending: status.pending, detail: `Fetching documents from the relay: ${status.docs.synced} of ${status.docs.total} here${sending}…` }
      }
      return { state: 'syncing', pending: status.pending, detail: `Sending ${status.pending} change(s) to the relay…` }
    case 'connecting':
      return { state: 'syncing', pending: 0, detail: 'Connecting to the relay…' }
    case 'offline':
      return { state: 'offline', pending: unsynced, detail: `The relay cannot be reached. ${unsynced ? `${changes(unsynced)} since the last sync are` : 'Your edits are'} kept here and sync when it is back.` }
    case 'sync-off':
      return { state: 'off', pending: unsynced, detail: `Sync is off for this account on this device. ${unsynced ? `${changes(unsynced)} since the last sync stay` : 'Edits stay'} here until you turn it on.` }
    case 'signed-out':
      return { state: 'signed-out', pending: 0, detail: 'Your session has ended. Sign in again to sync.' }
    case 'error':
      return { state: 'error', pending: 0, detail: syncStopSentence(status.reason) }
  }
}

export class ClientSession implements AppSession {
  readonly #client: FerryClient
  readonly #listeners = new Set<() => void>()
  readonly #vaults = new Map<string, Promise<Vault>>()
  readonly #unsynced: UnsyncedTracker

  private constructor(client: FerryClient) {
    this.#client = client
    const emit = () => {
      for (const listener of [...this.#listeners]) listener()
    }
    this.#unsynced = new UnsyncedTracker(emit)
    const changed = () => {
      this.#followUnsynced()
      emit()
    }
    client.onAccounts(() => {
      // Signed out in another tab: its device keys are wiped, so its vault is of no more use.
      for (const id of this.#vaults.keys()) if (!client.accounts.get(id as UserId)) void this.#closeVault(id)
      changed()
    })
    client.onWorkspace(changed)
    client.onStatus(changed)
    this.#followUnsynced()
  }

  /** Marks of the last sync for an account's workspace; a count of what is not on the relay while it cannot be. */
  #followUnsynced(): void {
    const kind = this.#client.status.kind
    this.#unsynced.follow(this.#client.accounts.active() ? this.#client.workspace : null, kind === 'offline' || kind === 'sync-off')
  }

  static async open(relayUrl: string): Promise<ClientSession> {
    return new ClientSession(await FerryClient.open({ relayUrl }))
  }

  get client(): FerryClient {
    return this.#client
  }

  accounts(): AccountInfo[] {
    return this.#client.accounts.list().map(info)
  }

  active(): AccountInfo | null {
    const account = this.#client.accounts.active()
    return account ? info(account) : null
  }

  workspace(): Workspace {
    return this.#client.workspace
  }

  workspaceReady(): boolean {
    return this.#client.workspaceReady
  }

  sync(): SyncBadge {
    return badgeFor(this.#client.status, this.#client.accounts.active(), this.#unsynced.count)
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async signUp(email: string, password: string, name: string): Promise<void> {
    await this.#client.relay.signup({ email, password, ...(name ? { name } : {}) })
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.#client.signIn(email, password)
  }

  async signInWithOidc(code: string): Promise<void> {
    await this.#client.signInWithOidcCode(code)
  }

  providers(): Promise<Provider[]> {
    return this.#client.relay.providers()
  }

  oidcStartUrl(providerId: string): string {
    return this.#client.relay.oidcStartUrl(providerId)
  }

  async confirmEmail(token: string): Promise<void> {
    await this.#client.relay.confirm(token)
    // The stored profile still says "unconfirmed": a refresh brings the new profile.
    const active = this.#client.accounts.active()
    if (active?.state === 'signed-in') await this.#client.accounts.refresh(active.id).catch(() => undefined)
  }

  recover(email: string): Promise<void> {
    return this.#client.relay.recover(email)
  }

  resetPassword(token: string, password: string): Promise<void> {
    return this.#client.relay.reset(token, password)
  }

  async switchTo(accountId: string | null): Promise<void> {
    const previous = this.#client.accounts.activeId
    await this.#client.switchTo(accountId as UserId | null)
    if (previous !== null && previous !== accountId) await this.#closeVault(previous)
  }

  async signOut(accountId: string): Promise<void> {
    // The vault's device-key database is wiped with the account; an open handle would block that.
    await this.#closeVault(accountId)
    await this.#client.signOut(accountId as UserId)
    this.#unsynced.forget(accountId)
    forgetMoves(accountId)
  }

  unsyncedSummary(): Promise<UnsyncedSummary> {
    return this.#unsynced.summary()
  }

  vault(): Promise<Vault | null> {
    // An account whose session ended still seals its values: the vault opens from this device's keys.
    const active = this.#client.accounts.active()
    if (!active) return Promise.resolve(null)
    let opening = this.#vaults.get(active.id)
    if (!opening) {
      opening = openAccountVault({ relay: this.#client.relay, accounts: this.#client.accounts, owner: active.id })
      this.#vaults.set(active.id, opening)
      // Offline: the vault works from this device's keys and is checked again later.
      void opening.then((vault) => vault.refresh()).catch(() => undefined)
    }
    return opening
  }

  async variableValues(): Promise<VariableValues> {
    const workspace = this.#client.workspace
    const [environments, vault] = await Promise.all([workspace.environments(), this.vault()])
    return vault ? vaultValues(workspace, environments, vault) : plainValues(workspace, environments)
  }

  relaySender(): RelaySender | null {
    const active = this.#client.accounts.active()
    if (!active || active.state !== 'signed-in') return null
    const id = active.id
    return { url: this.#client.relay.baseUrl, accessToken: () => this.#client.accounts.accessToken(id) }
  }

  downloadBackup(): Promise<DownloadedBackup> {
    return downloadBackup(this.#client)
  }

  async restoreBackup(file: string, recoveryKey?: string): Promise<RestoreReport> {
    const workspace = this.#client.workspace
    const vault = await this.vault()
    return restoreBackup(workspace, file, { vault, ...(recoveryKey === undefined ? {} : { recoveryKey }) })
  }

  async #closeVault(accountId: string): Promise<void> {
    const opening = this.#vaults.get(accountId)
    this.#vaults.delete(accountId)
    const vault = await opening?.catch(() => null)
    vault?.close()
  }

  async setSyncEnabled(accountId: string, enabled: boolean): Promise<void> {
    if (accountId !== this.#client.accounts.activeId) {
      await this.#client.accounts.setSyncEnabled(accountId as UserId, enabled)
      return
    }
    await this.#client.setSyncEnabled(enabled)
  }

  syncNow(): void {
    this.#client.syncNow()
  }

  async #withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const id = this.#client.accounts.activeId
    if (id === null) throw new Error('Sign in first.')
    const result = await call(await this.#client.accounts.accessToken(id))
    // The profile is stored with the session; a refresh stores the updated one.
    await this.#client.accounts.refresh(id)
    return result
  }

  async updateName(name: string): Promise<void> {
    await this.#withToken((token) => this.#client.relay.updateMe(token, { name }))
  }

  versions(collectionId: string): CollectionVersions | null {
    const active = this.#client.accounts.active()
    if (!active || active.state !== 'signed-in') return null
    const id = active.id
    return new CollectionVersions(this.#client.relay, () => this.#client.accounts.accessToken(id), docName(id, 'collection', collectionId))
  }

  share(): Share | null {
    const active = this.#client.accounts.active()
    if (!active || active.state !== 'signed-in') return null
    const id = active.id
    return new Share({ relay: this.#client.relay, owner: id, accessToken: () => this.#client.accounts.accessToken(id) })
  }

  openShared(url: string): Promise<SharedCollection> {
    return openSharedCollection(url, { relay: this.#client.relay, online: globalThis })
  }

  importShared(shared: SharedCollection): Promise<string> {
    return importSharedCollection(shared, this.#client.workspace)
  }

  async uploadAvatar(image: Blob): Promise<void> {
    await this.#withToken((token) => this.#client.relay.uploadAvatar(token, image, image instanceof File ? image.name : 'avatar'))
  }

  async deleteAccount(password: string | undefined): Promise<DeletedAccount> {
    const id = this.#client.accounts.activeId
    if (id === null) throw new Error('Sign in first.')
    const deleted = await this.#client.relay.deleteAccount(await this.#client.accounts.accessToken(id), password)
    // The relay already ended the session; signing out wipes what this browser keeps of the account.
    await this.signOut(id)
    return deleted
  }
}
