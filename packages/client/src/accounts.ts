/**
 * The accounts signed in on this browser: add ("Add a new account"), switch, sign out, and
 * keep each session's access token fresh. State lives in `AccountStore` (IndexedDB), so a
 * reload sees the same set; every change persisted here is announced to the other tabs of the
 * browser (`AccountsChannel`), which re-read it at once.
 *
 * Which account is active is a per-tab choice: a tab opens on the one chosen last (stored),
 * and follows another tab only when its own active account is signed out there.
 *
 * An ended session (refresh token revoked, expired or reused) never disappears silently: the
 * account stays listed with `state: 'signed-out'` until the user signs in again or removes it.
 */
import type { UserId } from '@ferry/protocol'
import { openAccountsChannel, type AccountsChannel } from './accounts-channel.ts'
import { AccountStore, type StoredAccount } from './account-store.ts'
import type { BackgroundError } from './background-error.ts'
import { Emitter } from './emitter.ts'
import { Offline, SignedOut } from './errors.ts'
import type { Profile, RelayApi, Session } from './relay-api.ts'
import { withTabLock } from './web-locks.ts'

export type AccountState = 'signed-in' | 'signed-out'

/** One account as the UI shows it (no tokens). */
export interface Account {
  readonly id: UserId
  readonly profile: Profile
  readonly relayUrl: string
  readonly state: AccountState
  /** Sync on for this account on this device. */
  readonly syncEnabled: boolean
}

export interface AccountsOptions {
  readonly relay: RelayApi
  readonly indexedDB: IDBFactory
  /** Clock in epoch milliseconds; default `Date.now`. */
  readonly now?: () => number
  /** Tab scope (as for doc sharing) whose tabs hear of each other's changes; null → none. */
  readonly tabScope?: string | null
}

type AccountsEvents = { change: void; error: BackgroundError }

/** Refresh this long before expiry: 20 % of the lifetime, at most 60 s. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.2)
}

function toAccount(stored: StoredAccount): Account {
  return {
    id: stored.id,
    profile: stored.profile,
    relayUrl: stored.relayUrl,
    state: stored.refreshToken === null ? 'signed-out' : 'signed-in',
    syncEnabled: stored.syncEnabled,
  }
}

export class Accounts {
  readonly #relay: RelayApi
  readonly #store: AccountStore
  readonly #now: () => number
  readonly #events = new Emitter<AccountsEvents>()
  readonly #refreshing = new Map<UserId, Promise<string>>()
  #accounts = new Map<UserId, StoredAccount>()
  #activeId: UserId | null = null
  #refreshTimer: ReturnType<typeof setTimeout> | null = null
  #closed = false
  #channel: AccountsChannel | null = null
  /** Re-reads, one after another. */
  #reloads: Promise<void> = Promise.resolve()
  /**
   * Counts writes made here (once stored), so a re-read that overlapped one reads again instead
   * of putting back what this tab just replaced.
   */
  #writes = 0

  private constructor(relay: RelayApi, store: AccountStore, now: () => number) {
    this.#relay = relay
    this.#store = store
    this.#now = now
  }

  static async open(options: AccountsOptions): Promise<Accounts> {
    const store = await AccountStore.open(options.indexedDB)
    await store.wipeSignedOut()
    const accounts = new Accounts(options.relay, store, options.now ?? Date.now)
    accounts.#activeId = await store.activeId()
    await accounts.reload()
    accounts.#channel = openAccountsChannel(options.tabScope ?? null, () => {
      store.forgetRegistrations()
      accounts.reload().catch((error: unknown) => {
        // Closed meanwhile: nothing left to show.
        if (!accounts.#closed) accounts.#events.emit('error', { during: 'reading the accounts another tab changed', error })
      })
    })
    return accounts
  }

  /** The store, for the workspace layer that registers document databases per account. */
  get store(): AccountStore {
    return this.#store
  }

  /**
   * Re-reads the stored set (another tab changed it). The active account stays this tab's
   * choice unless it is gone: then the first signed-in account (or none) takes over, as after
   * a sign-out here.
   */
  reload(): Promise<void> {
    this.#reloads = this.#reloads.then(
      () => this.#read(),
      () => this.#read(),
    )
    return this.#reloads
  }

  async #read(): Promise<void> {
    if (this.#closed) return
    let stored: StoredAccount[]
    let writes: number
    do {
      writes = this.#writes
      stored = await this.#store.accounts()
    } while (writes !== this.#writes)
    this.#accounts = new Map(stored.map((a) => [a.id, a]))
    if (this.#activeId !== null && !this.#accounts.has(this.#activeId)) this.#activeId = this.#firstSignedIn()
    this.#scheduleRefresh()
    this.#events.emit('change', undefined)
  }

  #firstSignedIn(): UserId | null {
    return [...this.#accounts.values()].find((a) => a.refreshToken !== null)?.id ?? null
  }

  /** Every account on this browser, in the order they were added. */
  list(): Account[] {
    return [...this.#accounts.values()].map(toAccount)
  }

  get(id: UserId): Account | null {
    const stored = this.#accounts.get(id)
    return stored ? toAccount(stored) : null
  }

  /** The active account's id; null → the local-only workspace (no account). */
  get activeId(): UserId | null {
    return this.#activeId
  }

  active(): Account | null {
    return this.#activeId === null ? null : this.get(this.#activeId)
  }

  /** Called on every change of the set, a state, a profile or the active account. */
  onChange(listener: () => void): () => void {
    return this.#events.on('change', listener)
  }

  /** Called when background work fails (a timed refresh, reading what another tab changed). */
  onError(listener: (error: BackgroundError) => void): () => void {
    return this.#events.on('error', listener)
  }

  /**
   * Signs in with email and password and adds the account (or signs it in again), without
   * signing out of any other. It does not switch: call `switchTo` (the client facade does).
   * @throws InvalidCredentials | RateLimited | Offline
   */
  async signIn(email: string, password: string): Promise<Account> {
    return this.addSession(await this.#relay.login(email, password))
  }

  /** Completes an OIDC sign-in with the one-time code from `#/oidc?code=…`. */
  async signInWithOidcCode(code: string): Promise<Account> {
    return this.addSession(await this.#relay.oidcExchange(code))
  }

  /** Adds or updates the account a fresh session belongs to. */
  async addSession(session: Session): Promise<Account> {
    const previous = this.#accounts.get(session.user.id)
    const stored: StoredAccount = {
      id: session.user.id,
      profile: session.user,
      relayUrl: this.#relay.baseUrl,
      accessToken: session.accessToken,
      accessExpiresAt: this.#now() + session.expiresIn * 1000,
      accessLifetimeMs: session.expiresIn * 1000,
      refreshToken: session.refreshToken,
      syncEnabled: previous?.syncEnabled ?? true,
      addedAt: previous?.addedAt ?? this.#now(),
    }
    await this.#store.putAccount(stored)
    this.#saved(stored)
    return toAccount(stored)
  }

  /** Makes `id` this tab's active account (null → the local-only workspace), and the one new tabs open on. */
  async switchTo(id: UserId | null): Promise<void> {
    if (id !== null && !this.#accounts.has(id)) throw new Error(`No account ${id} on this browser`)
    await this.#store.setActiveId(id)
    this.#activeId = id
    this.#scheduleRefresh()
    this.#events.emit('change', undefined)
  }

  /** Turns sync on or off for `id` on this device. */
  async setSyncEnabled(id: UserId, enabled: boolean): Promise<void> {
    const stored = this.#accounts.get(id)
    if (!stored || stored.syncEnabled === enabled) return
    await this.#save({ ...stored, syncEnabled: enabled })
  }

  /**
   * Signs `id` out of this browser: revokes its refresh token at the relay (best effort: an
   * offline relay lets the token lapse by itself), deletes every database of the account and
   * forgets it. Its documents must be closed first (the client facade does). Other accounts
   * and the local-only workspace are untouched.
   */
  async signOut(id: UserId): Promise<void> {
    await this.revoke(id)
    await this.forget(id)
  }

  /**
   * The relay's half of `signOut`: ends the account's session there (done when it cannot be
   * reached or the session already ended). Nothing here changes, so a failure leaves the account
   * signed in and its workspace as it was.
   */
  async revoke(id: UserId): Promise<void> {
    if (!this.#accounts.has(id)) return
    // The stored pair, read under the refresh lock: another tab may have rotated the one held here.
    await withTabLock(`ferry:refresh:${id}`, async () => {
      const token = (await this.#store.account(id))?.refreshToken ?? null
      if (token === null) return
      try {
        await this.#relay.logout(token)
      } catch (error) {
        if (!(error instanceof Offline) && !(error instanceof SignedOut)) throw error
      }
    })
  }

  /** This browser's half of `signOut`: forgets the account and wipes its databases (its workspace must be closed first). */
  async forget(id: UserId): Promise<void> {
    if (!this.#accounts.has(id)) return
    // Forgotten (and marked signed out) before the wipe, so no other tab recreates a database meanwhile.
    await this.#store.removeAccount(id)
    this.#writes++
    await this.#store.wipeDatabases(id)
    this.#accounts.delete(id)
    if (this.#activeId === id) {
      const next = this.#firstSignedIn()
      await this.#store.setActiveId(next)
      this.#activeId = next
    }
    this.#scheduleRefresh()
    this.#channel?.announce()
    this.#events.emit('change', undefined)
  }

  /**
   * A currently valid access token for `id`, refreshed first when it expires soon.
   * @throws SignedOut when the session has ended; Offline when a needed refresh cannot reach the relay.
   */
  async accessToken(id: UserId): Promise<string> {
    const stored = this.#accounts.get(id)
    if (!stored || stored.refreshToken === null) throw new SignedOut()
    if (stored.accessToken !== null && stored.accessExpiresAt - this.#now() > refreshMargin(stored.accessLifetimeMs)) {
      return stored.accessToken
    }
    return this.refresh(id)
  }

  /**
   * Rotates the session now (also after the relay rejected the token, close code 4401).
   * Concurrent calls share one request, and tabs take turns under a Web Lock: a refresh token
   * must never be used twice, since the relay treats reuse as theft and revokes the whole
   * family. The tab that waited finds the pair the other one stored and uses it.
   */
  refresh(id: UserId): Promise<string> {
    let pending = this.#refreshing.get(id)
    if (!pending) {
      pending = withTabLock(`ferry:refresh:${id}`, () => this.#rotate(id)).finally(() => this.#refreshing.delete(id))
      this.#refreshing.set(id, pending)
    }
    return pending
  }

  async #rotate(id: UserId): Promise<string> {
    const known = this.#accounts.get(id)
    // Another tab may have rotated already; its pair is in the store and ours is spent. Not
    // in the store at all: signed out in another tab, whose reload is on its way.
    const stored = await this.#store.account(id)
    if (!stored || stored.refreshToken === null) throw new SignedOut()
    if (known && stored.refreshToken !== known.refreshToken && stored.accessToken !== null && stored.accessExpiresAt > this.#now()) {
      this.#accounts.set(id, stored)
      return stored.accessToken
    }
    let session: Session
    try {
      session = await this.#relay.refresh(stored.refreshToken)
    } catch (error) {
      if (error instanceof SignedOut) {
        await this.#save({ ...stored, accessToken: null, refreshToken: null })
      }
      throw error
    }
    await this.#save({
      ...stored,
      profile: session.user,
      accessToken: session.accessToken,
      accessExpiresAt: this.#now() + session.expiresIn * 1000,
      accessLifetimeMs: session.expiresIn * 1000,
      refreshToken: session.refreshToken,
    })
    return session.accessToken
  }

  /** Persists a change to a known account; one signed out in another tab meanwhile stays out. */
  async #save(stored: StoredAccount): Promise<void> {
    if (await this.#store.updateAccount(stored)) this.#saved(stored)
    else await this.reload()
  }

  #saved(stored: StoredAccount): void {
    this.#writes++
    this.#accounts.set(stored.id, stored)
    this.#scheduleRefresh()
    this.#channel?.announce()
    this.#events.emit('change', undefined)
  }

  /** Keeps the active account's token fresh so a socket reconnect never waits on a refresh. */
  #scheduleRefresh(): void {
    if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer)
    this.#refreshTimer = null
    const stored = this.#activeId === null ? undefined : this.#accounts.get(this.#activeId)
    if (this.#closed || !stored || stored.refreshToken === null) return
    const delay = Math.max(0, stored.accessExpiresAt - this.#now() - refreshMargin(stored.accessLifetimeMs))
    const id = stored.id
    this.#refreshTimer = setTimeout(() => {
      this.refresh(id).catch((error: unknown) => {
        // Offline: the next accessToken() call retries; SignedOut is already recorded and emitted.
        if (!(error instanceof Offline || error instanceof SignedOut)) this.#events.emit('error', { during: 'refreshing the session', error })
      })
    }, delay)
  }

  close(): void {
    this.#closed = true
    if (this.#refreshTimer !== null) clearTimeout(this.#refreshTimer)
    this.#channel?.close()
    this.#events.clear()
    this.#store.close()
  }
}
