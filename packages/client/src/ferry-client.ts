/**
 * The one object an app builds on: the accounts of this browser and the workspace of the
 * active one (or the local-only workspace when no account is active), with sync wired to the
 * relay. Account operations are serialised so a switch never overlaps another.
 *
 * The workspace follows the accounts, whichever tab changed them: an active account signed out
 * in another tab is left as a sign-out here leaves it (its databases are already gone), and
 * sync on/off or an ended session there turns this tab's sockets off or on too.
 */
import type { UserId } from '@ferry/protocol'
import { LOCAL_OWNER } from './account-store.ts'
import { Accounts, type Account } from './accounts.ts'
import type { BackgroundError } from './background-error.ts'
import type { BackoffOptions } from './backoff.ts'
import { Emitter } from './emitter.ts'
import { defaultIndexedDB } from './idb.ts'
import { AccountDocs } from './local/account-docs.ts'
import { forgetOnceSynced, mergeInto, type LocalMerge } from './local-merge.ts'
import { RelayApi } from './relay-api.ts'
import type { LivenessOptions, SyncConnection, WebSocketFactory, WebSocketLike } from './sync-provider.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'
import type { TabSyncOptions } from './tab-sync.ts'
import { Workspace, type WorkspaceOptions } from './workspace.ts'

export interface FerryClientOptions {
  /** Base URL of the relay, e.g. `http://127.0.0.1:8080`. */
  readonly relayUrl: string
  /** Default: the browser's `indexedDB`. Tests pass one `IDBFactory` per simulated device. */
  readonly indexedDB?: IDBFactory
  /** Default: the browser's `WebSocket`. */
  readonly createSocket?: WebSocketFactory
  /** Default: `globalThis.fetch`. */
  readonly fetch?: typeof fetch
  /** Where `online` events come from; default the global scope (the browser `window`). */
  readonly online?: EventTarget | null
  readonly backoff?: BackoffOptions
  /** How a relay that went silent is detected (default `DEFAULT_LIVENESS`; null: never). */
  readonly liveness?: LivenessOptions | null
  /**
   * Tabs that share one IndexedDB share the account's one socket (leader election per account). Default: on,
   * scoped by relay URL, when using the browser's own `indexedDB`; off with an injected
   * factory unless a scope is given (tests: one scope per simulated device). null → off.
   */
  readonly tabScope?: string | null
  /** Clock in epoch milliseconds (when things went to the trash, when they go for good); default `Date.now`. */
  readonly now?: () => number
  /** How this device names itself in what it trashes; default a guess from the user agent ("Firefox on Linux"). */
  readonly deviceName?: string
}

type ClientEvents = { workspace: Workspace; status: SyncStatus; accounts: void; error: BackgroundError }

/** Whether (and in which scope) this client's tabs talk to each other; see `tabScope`. */
function tabOptions(options: FerryClientOptions, relayUrl: string): TabSyncOptions | null {
  if (typeof BroadcastChannel !== 'function') return null
  const scope = options.tabScope
  if (scope === undefined) return options.indexedDB === undefined ? { scope: relayUrl } : null
  return scope === null ? null : { scope }
}

const settled = (): void => undefined

function defaultSocketFactory(): WebSocketFactory {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket
  if (!Ctor) throw new Error('No WebSocket here: pass `createSocket`.')
  return (url) => new Ctor(url)
}

export class FerryClient {
  readonly relay: RelayApi
  readonly accounts: Accounts
  readonly #options: FerryClientOptions
  readonly #indexedDB: IDBFactory
  /** Local-only rows merged into each account in this tab, until its relay holds them (`#forgetMergedWhenSynced`). */
  readonly #merged = new Map<UserId, LocalMerge>()
  readonly #createSocket: WebSocketFactory
  readonly #events = new Emitter<ClientEvents>()
  /** Set by `open` before the client is handed out. */
  #workspace!: Workspace
  #status: SyncStatus = { kind: 'sync-off' }
  #unsubscribeStatus: () => void = () => {}
  #queue: Promise<unknown> = Promise.resolve()
  /** A `#follow` is queued and has not started yet. */
  #following = false
  #closed = false

  private constructor(options: FerryClientOptions, relay: RelayApi, accounts: Accounts, indexedDB: IDBFactory) {
    this.#options = options
    this.relay = relay
    this.accounts = accounts
    this.#indexedDB = indexedDB
    this.#createSocket = options.createSocket ?? defaultSocketFactory()
    accounts.onChange(() => {
      if (!this.#following) {
        this.#following = true
        this.#serial(() => this.#follow()).catch((error: unknown) => {
          // The next change (or a switch) tries again; until then the app should know why it did not follow.
          this.#events.emit('error', { during: 'opening the workspace of the account another tab chose', error })
        })
      }
      this.#updateStatus()
      this.#events.emit('accounts', undefined)
    })
  }

  /** Opens the accounts of this browser and the active account's workspace (index loaded). */
  static async open(options: FerryClientOptions): Promise<FerryClient> {
    const indexedDB = options.indexedDB ?? defaultIndexedDB()
    const relay = new RelayApi({ baseUrl: options.relayUrl, ...(options.fetch ? { fetch: options.fetch } : {}) })
    const accounts = await Accounts.open({ relay, indexedDB, tabScope: tabOptions(options, relay.baseUrl)?.scope ?? null })
    const client = new FerryClient(options, relay, accounts, indexedDB)
    client.#setWorkspace(await client.#openWorkspace(accounts.activeId))
    return client
  }

  /** The workspace on screen: the active account's, or the local-only one. Replaced on switch. */
  get workspace(): Workspace {
    return this.#workspace
  }

  /**
   * False while a switch or sign-in replaces the workspace: `accounts` names the next account
   * before `workspace` is its. Show no workspace then: an edit made in the last one would stay
   * behind in it (signing in merges the local-only workspace once, before it is wiped). During a
   * sign-out's wipe the signed-out account's workspace is closed yet counts as ready: what is
   * typed there goes with that account's data.
   */
  get workspaceReady(): boolean {
    return this.#workspace.owner === (this.accounts.activeId ?? LOCAL_OWNER)
  }

  /** The active account's sync status (`signed out` once its session ended). */
  get status(): SyncStatus {
    return this.#status
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /** Called with the new workspace after every switch, sign-in and sign-out. */
  onWorkspace(listener: (workspace: Workspace) => void): () => void {
    return this.#events.on('workspace', listener)
  }

  onAccounts(listener: () => void): () => void {
    return this.#events.on('accounts', listener)
  }

  /** Called when work no caller awaits fails (see `BackgroundError`); the accounts' failures included. */
  onError(listener: (error: BackgroundError) => void): () => void {
    const own = this.#events.on('error', listener)
    const accounts = this.accounts.onError(listener)
    return () => {
      own()
      accounts()
    }
  }

  /**
   * Signs in (or "Add a new account") and switches to it. Signing in from the local-only
   * workspace merges what any tab made there into the account, and empties it once the relay
   * holds it (local-merge.ts).
   * @throws InvalidCredentials | RateLimited | Offline
   */
  signIn(email: string, password: string): Promise<Account> {
    return this.#serial(async () => this.#enter(await this.accounts.signIn(email, password)))
  }

  /** Completes an OIDC sign-in with the code from `#/oidc?code=…`, then as `signIn`. */
  signInWithOidcCode(code: string): Promise<Account> {
    return this.#serial(async () => this.#enter(await this.accounts.signInWithOidcCode(code)))
  }

  /** Switches to another signed-in account (null → the local-only workspace). */
  switchTo(id: UserId | null): Promise<void> {
    return this.#serial(async () => {
      if (id === this.accounts.activeId) return
      // The accounts first: from then on the workspace is not ready, so nothing is edited in
      // it while its pending writes land.
      await this.accounts.switchTo(id)
      await this.#workspace.destroy()
      this.#setWorkspace(await this.#openWorkspace(id))
    })
  }

  /** Signs `id` out of this browser: revokes its session and wipes its local data, nothing else. */
  signOut(id: UserId): Promise<void> {
    return this.#serial(async () => {
      const wasActive = id === this.accounts.activeId
      // The relay first: when it refuses, the workspace is still open and nothing was lost.
      await this.accounts.revoke(id)
      if (wasActive) await this.#workspace.destroy()
      await this.accounts.forget(id)
      // Its copy here is wiped: what was merged into it is local-only work again.
      this.#merged.delete(id)
      if (wasActive) this.#setWorkspace(await this.#openWorkspace(this.accounts.activeId))
    })
  }

  /** Turns sync on or off for the active account on this device (persisted). Off closes every socket. */
  setSyncEnabled(enabled: boolean): Promise<void> {
    return this.#serial(async () => {
      const id = this.accounts.activeId
      if (id === null) return
      await this.accounts.setSyncEnabled(id, enabled)
      await this.#workspace.setSync(this.#connection(id))
    })
  }

  /** Reconnects now instead of waiting for the next retry. */
  syncNow(): void {
    this.#workspace.syncNow()
  }

  /** Closes the workspace, its sockets and databases, and the accounts database. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#serial(() => this.#workspace.destroy())
    this.#unsubscribeStatus()
    this.#events.clear()
    this.accounts.close()
  }

  /**
   * Brings the workspace in line with the accounts after any change, here or in another tab:
   * the active account gone → its workspace closed (without writing: its databases may be
   * deleted already) and the next one opened; an ended session or sync turned off → no
   * sockets; signed in again or sync on → sockets again.
   */
  async #follow(): Promise<void> {
    this.#following = false
    if (this.#closed) return
    // Signed out in another tab: its copy here is wiped, what was merged into it is local-only work again.
    for (const id of this.#merged.keys()) if (!this.accounts.get(id)) this.#merged.delete(id)
    const id = this.accounts.activeId
    if (this.#workspace.owner !== (id ?? LOCAL_OWNER)) {
      await this.#workspace.destroy()
      this.#setWorkspace(await this.#openWorkspace(id))
      return
    }
    const account = id === null ? null : this.accounts.get(id)
    const syncing = account !== null && account.state === 'signed-in' && account.syncEnabled
    if (id !== null && syncing !== this.#workspace.syncEnabled) await this.#workspace.setSync(syncing ? this.#connection(id) : null)
  }

  async #enter(account: Account): Promise<Account> {
    const fromLocal = this.accounts.activeId === null
    if (account.id === this.accounts.activeId) {
      await this.#workspace.setSync(this.#connection(account.id))
      return account
    }
    const previous = this.#workspace
    await this.accounts.switchTo(account.id)
    const next = await Workspace.open({ ...this.#workspaceOptions(), owner: account.id, sync: null })
    const merge = fromLocal ? await this.#merge(previous, next) : null
    await previous.destroy()
    await next.setSync(this.#connection(account.id))
    if (merge && merge.rows.length > 0) this.#merged.set(account.id, merge)
    this.#setWorkspace(next)
    return account
  }

  /**
   * Merges the local-only workspace into the account's; when that fails (the browser could not
   * read it), the sign-in goes on and the error is reported: nothing local was deleted, and
   * signing in from the local-only workspace again merges it.
   */
  async #merge(local: Workspace, account: Workspace): Promise<LocalMerge | null> {
    try {
      return await mergeInto(local, account)
    } catch (error) {
      this.#events.emit('error', { during: 'merging the local-only workspace into the account (it stays as it was)', error })
      return null
    }
  }

  /** Deletes rows of the local-only workspace (merged into an account and synced) through a connection of its own: that workspace may be closed. */
  async #removeLocalRows(rows: readonly IDBValidKey[]): Promise<void> {
    const local = await AccountDocs.open(this.#indexedDB, this.accounts.store, LOCAL_OWNER)
    try {
      await local.remove(rows)
    } finally {
      local.close()
    }
  }

  #openWorkspace(id: UserId | null): Promise<Workspace> {
    const account = id === null ? null : this.accounts.get(id)
    return Workspace.open({
      ...this.#workspaceOptions(),
      owner: id ?? LOCAL_OWNER,
      sync: id === null || account?.state !== 'signed-in' ? null : this.#connection(id),
    })
  }

  /** What every workspace of this client shares. */
  #workspaceOptions(): Omit<WorkspaceOptions, 'owner' | 'sync'> {
    const { now, deviceName } = this.#options
    return { indexedDB: this.#indexedDB, store: this.accounts.store, tabs: this.#tabs(), ...(now ? { now } : {}), ...(deviceName === undefined ? {} : { deviceName }) }
  }

  /** How the docs of `id` reach the relay; null while sync is off or the session ended. */
  #connection(id: UserId): SyncConnection | null {
    const account = this.accounts.get(id)
    if (!account?.syncEnabled) return null
    return {
      url: (name, token) => this.relay.syncUrl(name, token, true),
      muxUrl: (token) => this.relay.muxUrl(token),
      token: () => this.accounts.accessToken(id),
      refreshToken: () => this.accounts.refresh(id),
      deleteDoc: async (name) => this.relay.deleteDoc(await this.accounts.accessToken(id), name, { fromTrash: true }),
      createSocket: this.#createSocket,
      ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
      ...(this.#options.liveness !== undefined ? { liveness: this.#options.liveness } : {}),
      online: this.#options.online === undefined ? (typeof globalThis.addEventListener === 'function' ? globalThis : null) : this.#options.online,
    }
  }

  #tabs(): TabSyncOptions | null {
    return tabOptions(this.#options, this.relay.baseUrl)
  }

  /**
   * Deletes the local-only rows merged into `workspace`'s account once its relay holds them
   * (local-merge.ts). Kept per account, not per workspace: a switch away before that closes the
   * workspace, and the account's next workspace in this tab takes the wait over.
   */
  #forgetMergedWhenSynced(workspace: Workspace): void {
    const owner = workspace.owner
    const merge = this.#merged.get(owner)
    if (!merge) return
    const remove = async (rows: readonly IDBValidKey[]): Promise<void> => {
      await this.#removeLocalRows(rows)
      if (this.#merged.get(owner) === merge) this.#merged.delete(owner)
    }
    forgetOnceSynced(merge, workspace, remove, (error) => this.#events.emit('error', { during: 'emptying the local-only workspace merged into the account', error }))
  }

  #setWorkspace(workspace: Workspace): void {
    this.#forgetMergedWhenSynced(workspace)
    this.#unsubscribeStatus()
    this.#workspace = workspace
    this.#unsubscribeStatus = workspace.onStatus(() => this.#updateStatus())
    this.#updateStatus()
    this.#events.emit('workspace', workspace)
  }

  #updateStatus(): void {
    const status: SyncStatus = this.accounts.active()?.state === 'signed-out' ? { kind: 'signed-out' } : this.#workspace.status
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    // The caller gets `run`'s failure; the queue only waits for it to settle.
    this.#queue = run.then(settled, settled)
    return run
  }
}
