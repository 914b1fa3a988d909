/**
 * What this browser remembers about its accounts, in one IndexedDB database of its own
 * (`ferry:accounts`): each account's tokens and profile, which one is active, whether sync is
 * on for it on this device, which document databases belong to it, which of its docs this
 * device deleted without reaching the relay yet, and when it first saw each entry of its
 * trash. The databases list exists because `indexedDB.databases()` is missing in some
 * browsers, and sign-out must wipe exactly one account's databases.
 */
import type { DocName, UserId } from '@ferry/protocol'
import { deleteDatabase, openDatabase, requestToPromise, transactionDone } from './idb.ts'
import type { Profile } from './relay-api.ts'

/** Owner of the documents made before any sign-in. */
export const LOCAL_OWNER = 'local' as UserId

/** Name of the metadata database. */
export const ACCOUNTS_DATABASE = 'ferry:accounts'

export interface StoredAccount {
  readonly id: UserId
  readonly profile: Profile
  /** Relay this account lives on (base URL). */
  readonly relayUrl: string
  readonly accessToken: string | null
  /** Epoch milliseconds after which `accessToken` is no longer accepted. */
  readonly accessExpiresAt: number
  /** Lifetime of `accessToken` in milliseconds; refreshes start 20 % of it (≤ 60 s) before expiry. */
  readonly accessLifetimeMs: number
  /** Null once the session ended: the account is listed as signed out until signed in again or removed. */
  readonly refreshToken: string | null
  /** Sync with the relay on this device; off → no socket at all. */
  readonly syncEnabled: boolean
  /** Epoch milliseconds; the switcher lists accounts in the order they were added. */
  readonly addedAt: number
}

interface DatabaseRecord {
  name: string
  owner: UserId
}

const ACCOUNTS = 'accounts'
const META = 'meta'
const DATABASES = 'databases'
/** Key in `meta` of an account's docs deleted here that the relay has not deleted yet. */
const pendingDeletionsKey = (owner: UserId): string => `pending-deletions:${owner}`
/** Key in `meta` of when this device first saw each entry of an account's trash (trash-seen.ts). */
const trashSeenKey = (owner: UserId): string => `trash-seen:${owner}`
/**
 * Key in `meta` marking an account signed out of this browser: set in the same transaction
 * that forgets it, cleared by a new sign-in. While set, no tab may register (and so create)
 * a database of that owner — a tab that has not heard of the sign-out yet would otherwise
 * bring a wiped database back.
 */
const signedOutKey = (owner: UserId): string => `signed-out:${owner}`

/** The account was signed out of this browser (maybe in another tab): its databases are gone. */
export class AccountRemoved extends Error {
  constructor(readonly owner: UserId) {
    super(`Account ${owner} was signed out of this browser`)
    this.name = 'AccountRemoved'
  }
}

export class AccountStore {
  /** Database names known to be registered (filled on first use), so reopening costs no write. */
  #registered: Promise<Set<string>> | null = null

  private constructor(
    private readonly factory: IDBFactory,
    private readonly db: IDBDatabase,
  ) {}

  static async open(factory: IDBFactory): Promise<AccountStore> {
    const db = await openDatabase(factory, ACCOUNTS_DATABASE, 1, (upgrade) => {
      upgrade.createObjectStore(ACCOUNTS, { keyPath: 'id' })
      upgrade.createObjectStore(META)
      upgrade.createObjectStore(DATABASES, { keyPath: 'name' }).createIndex('owner', 'owner')
    })
    return new AccountStore(factory, db)
  }

  async accounts(): Promise<StoredAccount[]> {
    const tx = this.db.transaction(ACCOUNTS, 'readonly')
    const all = (await requestToPromise(tx.objectStore(ACCOUNTS).getAll())) as StoredAccount[]
    return all.sort((a, b) => a.addedAt - b.addedAt)
  }

  async account(id: UserId): Promise<StoredAccount | undefined> {
    const tx = this.db.transaction(ACCOUNTS, 'readonly')
    return (await requestToPromise(tx.objectStore(ACCOUNTS).get(id))) as StoredAccount | undefined
  }

  /** Stores a signed-in account, new or again (this lifts a sign-out mark). */
  async putAccount(account: StoredAccount): Promise<void> {
    const tx = this.db.transaction([ACCOUNTS, META], 'readwrite')
    tx.objectStore(ACCOUNTS).put(account)
    tx.objectStore(META).delete(signedOutKey(account.id))
    await transactionDone(tx)
  }

  /**
   * Replaces a stored account only while it is still there; false when another tab signed it
   * out meanwhile (a late refresh must not bring it back).
   */
  async updateAccount(account: StoredAccount): Promise<boolean> {
    const tx = this.db.transaction(ACCOUNTS, 'readwrite')
    const accounts = tx.objectStore(ACCOUNTS)
    const present = (await requestToPromise(accounts.getKey(account.id))) !== undefined
    if (present) accounts.put(account)
    await transactionDone(tx)
    return present
  }

  /** Forgets the account and marks it signed out; its databases are wiped next (`wipeDatabases`). */
  async removeAccount(id: UserId): Promise<void> {
    const tx = this.db.transaction([ACCOUNTS, META], 'readwrite')
    tx.objectStore(ACCOUNTS).delete(id)
    tx.objectStore(META).delete(pendingDeletionsKey(id))
    tx.objectStore(META).delete(trashSeenKey(id))
    tx.objectStore(META).put(true, signedOutKey(id))
    await transactionDone(tx)
  }

  /** True once `owner` was signed out of this browser (and not signed in since). */
  async isSignedOut(owner: UserId): Promise<boolean> {
    const tx = this.db.transaction(META, 'readonly')
    return (await requestToPromise(tx.objectStore(META).get(signedOutKey(owner)))) === true
  }

  /**
   * Wipes what a sign-out left behind when its page died between forgetting the account and
   * deleting its databases: every database still registered to an owner marked signed out.
   */
  async wipeSignedOut(): Promise<void> {
    const tx = this.db.transaction(META, 'readonly')
    const prefix = signedOutKey('' as UserId)
    // `meta` holds a handful of keys per account: filtering them here is cheap.
    const keys = (await requestToPromise(tx.objectStore(META).getAllKeys())).map(String)
    for (const key of keys) if (key.startsWith(prefix)) await this.wipeDatabases(key.slice(prefix.length) as UserId)
  }

  /** Docs of `owner` deleted on this device that the relay has not confirmed deleting yet, oldest first. */
  async pendingDeletions(owner: UserId): Promise<DocName[]> {
    const tx = this.db.transaction(META, 'readonly')
    return ((await requestToPromise(tx.objectStore(META).get(pendingDeletionsKey(owner)))) as DocName[] | undefined) ?? []
  }

  /** Remembers (or, `pending` false, forgets) that the relay must still delete `name`. */
  async setPendingDeletion(owner: UserId, name: DocName, pending: boolean): Promise<void> {
    const tx = this.db.transaction(META, 'readwrite')
    const meta = tx.objectStore(META)
    const key = pendingDeletionsKey(owner)
    // Read and write in one transaction, so two tabs never drop each other's entries.
    const listed = ((await requestToPromise(meta.get(key))) as DocName[] | undefined) ?? []
    const rest = listed.filter((entry) => entry !== name)
    meta.put(pending ? [...rest, name] : rest, key)
    await transactionDone(tx)
  }

  /**
   * Replaces what this device remembers of `owner`'s trash (trash-seen.ts) with `update` of it
   * (undefined when nothing is stored), read and written in one transaction so two tabs never
   * drop each other's entries; answers what it wrote.
   */
  async updateTrashSeen<T>(owner: UserId, update: (stored: unknown) => T): Promise<T> {
    const tx = this.db.transaction(META, 'readwrite')
    const meta = tx.objectStore(META)
    const next = update(await requestToPromise(meta.get(trashSeenKey(owner))))
    meta.put(next, trashSeenKey(owner))
    await transactionDone(tx)
    return next
  }

  /** The active account's id; null → the local-only workspace. */
  async activeId(): Promise<UserId | null> {
    const tx = this.db.transaction(META, 'readonly')
    return ((await requestToPromise(tx.objectStore(META).get('active'))) as UserId | undefined) ?? null
  }

  async setActiveId(id: UserId | null): Promise<void> {
    const tx = this.db.transaction(META, 'readwrite')
    tx.objectStore(META).put(id, 'active')
    await transactionDone(tx)
  }

  /**
   * Records that database `name` holds data of `owner`, before it is first opened.
   * @throws AccountRemoved when `owner` was signed out of this browser (checked in the same
   * transaction as the record, so a sign-out in another tab either sees it or refuses it).
   */
  async registerDatabase(owner: UserId, name: string): Promise<void> {
    this.#registered ??= requestToPromise(this.db.transaction(DATABASES, 'readonly').objectStore(DATABASES).getAllKeys()).then(
      (keys) => new Set(keys.map(String)),
    )
    const registered = await this.#registered
    if (registered.has(name)) {
      if (await this.isSignedOut(owner)) throw new AccountRemoved(owner)
      return
    }
    const tx = this.db.transaction([DATABASES, META], 'readwrite')
    if ((await requestToPromise(tx.objectStore(META).get(signedOutKey(owner)))) === true) {
      tx.abort()
      throw new AccountRemoved(owner)
    }
    tx.objectStore(DATABASES).put({ name, owner } satisfies DatabaseRecord)
    await transactionDone(tx)
    registered.add(name)
  }

  /** Drops the registration cache: another tab may have wiped (and so unregistered) databases. */
  forgetRegistrations(): void {
    this.#registered = null
  }

  async databasesOf(owner: UserId): Promise<string[]> {
    const tx = this.db.transaction(DATABASES, 'readonly')
    const records = (await requestToPromise(tx.objectStore(DATABASES).index('owner').getAll(owner))) as DatabaseRecord[]
    return records.map((r) => r.name)
  }

  /** Deletes the named databases of `owner` and forgets them. Their connections must be closed first. */
  async wipeDatabases(owner: UserId, names?: readonly string[]): Promise<void> {
    const targets = names ?? (await this.databasesOf(owner))
    await Promise.all(targets.map((name) => deleteDatabase(this.factory, name)))
    const tx = this.db.transaction(DATABASES, 'readwrite')
    for (const name of targets) tx.objectStore(DATABASES).delete(name)
    await transactionDone(tx)
    const registered = await this.#registered
    for (const name of targets) registered?.delete(name)
  }

  close(): void {
    this.db.close()
  }
}
