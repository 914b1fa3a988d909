/**
 * What deleting does in a workspace (docs/decisions.md, "Trash"). "Delete" moves a collection
 * or environment to the trash: a mark on its entry (@ferry/schema trash.ts) that syncs like any
 * edit, so a trashed collection's doc stays held and synced on every device — never tombstoned
 * locally: an offline device's edits still merge, and a restore brings them back. It waits there
 * for the account's retention (setting `trashRetentionDays`, 30 days by default).
 *
 * Deleting a collection for good (emptying the trash, the retention running out) is the
 * permanent path: remembered in the account store until the relay confirms (pending-deletions.ts),
 * the local copy wiped, the relay's tombstone; the other devices' sockets close with 4410 and
 * they wipe their copy, even one edited offline. Environments are removed from their doc.
 *
 * What ran out is deleted for good by any device of the account with the workspace open, once
 * its index heard the relay since sync was set (so a restore made elsewhere is known here; the
 * local-only workspace has no other device), again when the environments first heard it, and
 * then every hour. Environments are checked only while their doc is loaded: holding docs
 * without loading them is the point of lazy docs, and an app that shows variables loads it.
 */
import { docName, parseDocName, type DocName, type UserId } from '@ferry/protocol'
import type { Environments, WorkspaceIndex } from '@ferry/schema'
import { LOCAL_OWNER, type AccountStore } from './account-store.ts'
import { PendingDeletions } from './pending-deletions.ts'
import type { SyncConnection } from './sync/types.ts'

const DAY_MS = 24 * 60 * 60 * 1000
/** How often an open workspace looks for what ran out. */
const PURGE_EVERY_MS = 60 * 60 * 1000

export interface TrashEntry {
  readonly kind: 'collection' | 'environment'
  readonly id: string
  readonly name: string
  /** When it went to the trash (ms since the epoch, the trashing device's clock). */
  readonly trashedAt: number
  /** The device that trashed it, as it names itself. */
  readonly trashedBy?: string
  /** When it is deleted for good: `trashedAt` plus the account's retention. */
  readonly expiresAt: number
}

/** What the trash needs from its workspace. */
export interface TrashHost {
  readonly owner: UserId
  readonly store: AccountStore
  readonly index: WorkspaceIndex
  /** Loads the environments doc. */
  environments(): Promise<Environments>
  /** The environments doc when it is loaded; never loads it. */
  loadedEnvironments(): Environments | null
  /** Unloads a doc and deletes its local copy for good (a local tombstone). */
  wipe(name: DocName): Promise<void>
  /** How to reach the relay now (null: sync off). */
  sync(): SyncConnection | null
  closed(): boolean
  readonly now: () => number
  /** How this device names itself in a trash mark. */
  readonly deviceName: string
  /** Work no caller awaits failed; `reason` says what, for the workspace's status. */
  onError(reason: string): void
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export class Trash {
  readonly #host: TrashHost
  readonly #deletions: PendingDeletions
  /** Purges and emptyings, one after another. */
  #runs: Promise<void> = Promise.resolve()
  #timer: ReturnType<typeof setInterval> | null = null
  /** The docs whose arrival in sync purges: the index, the environments. */
  readonly #purgeOnSync: ReadonlySet<DocName>
  /** Of those, the ones that heard the relay since sync was set. */
  readonly #heard = new Set<DocName>()

  constructor(host: TrashHost) {
    this.#host = host
    this.#purgeOnSync = new Set([docName(host.owner, 'workspace'), docName(host.owner, 'environments')])
    this.#deletions = new PendingDeletions(host.owner, host.store, (error) => host.onError(`this browser could not read the deletions it owes the relay (${describe(error)})`))
  }

  trashCollection(id: string): boolean {
    return this.#host.index.trashCollection(id, this.#host.now(), this.#host.deviceName)
  }

  restoreCollection(id: string): boolean {
    return this.#host.index.restoreCollection(id)
  }

  async trashEnvironment(id: string): Promise<boolean> {
    return (await this.#host.environments()).trash(id, this.#host.now(), this.#host.deviceName)
  }

  async restoreEnvironment(id: string): Promise<boolean> {
    return (await this.#host.environments()).restore(id)
  }

  /** Everything in the trash, most recently trashed first. */
  async list(): Promise<TrashEntry[]> {
    const retention = this.#retentionMs()
    const entry = (kind: TrashEntry['kind'], e: { id: string; name: string; trashedAt: number; trashedBy?: string }): TrashEntry => ({
      kind,
      id: e.id,
      name: e.name,
      trashedAt: e.trashedAt,
      ...(e.trashedBy === undefined ? {} : { trashedBy: e.trashedBy }),
      expiresAt: e.trashedAt + retention,
    })
    const environments = await this.#host.environments()
    return [
      ...this.#host.index.trashedCollections().map((c) => entry('collection', c)),
      ...environments.trashed().map((e) => entry('environment', e)),
    ].sort((a, b) => b.trashedAt - a.trashedAt)
  }

  /** Deletes everything in the trash for good. */
  empty(): Promise<void> {
    return this.#serial(async () => this.#deleteWhere(await this.#host.environments(), () => true))
  }

  /**
   * The permanent path (see the module comment). Resolves once the relay answered — or, while
   * sync is off or the relay cannot be reached, once the request is remembered; it is sent
   * again on the next connect, also after a reload.
   */
  async deleteCollectionForever(id: string): Promise<void> {
    const { owner, store, index } = this.#host
    const name = docName(owner, 'collection', id)
    if (owner !== LOCAL_OWNER) await store.setPendingDeletion(owner, name, true)
    index.removeCollection(id)
    await this.#host.wipe(name)
    await this.sendDeletions()
  }

  /**
   * The relay says `name` was deleted (another device deleted it for good): drops it from the
   * index and wipes the local copy, edits made offline included. Answers the collection's id
   * (null: not a collection).
   */
  deletedElsewhere(name: DocName): string | null {
    const parsed = parseDocName(name)
    if (!parsed.ok || parsed.value.kind !== 'collection' || parsed.value.id === null) return null
    this.#host.index.removeCollection(parsed.value.id)
    this.#host.wipe(name).catch((error: unknown) => this.#host.onError(`this browser could not delete a collection's copy (${describe(error)})`))
    return parsed.value.id
  }

  /** Sends the deletions this device still owes the relay. */
  sendDeletions(): Promise<void> {
    return this.#deletions.send(this.#host.sync(), () => this.#host.closed())
  }

  /** The account's status changed: once the relay answers again, it can take the deletions it missed. */
  statusChanged(kind: string): void {
    if (this.#deletions.wantsRetry && (kind === 'in-sync' || kind === 'syncing')) void this.sendDeletions()
  }

  /** Sync was set (on, off, another connection): what ran out waits until the index heard the relay again. */
  syncChanged(): void {
    this.#heard.clear()
  }

  /** A doc is in sync with the relay: the first time since sync was set, the index or the environments purge. */
  inSync(name: DocName): void {
    if (!this.#purgeOnSync.has(name) || this.#heard.has(name)) return
    this.#heard.add(name)
    this.purge()
  }

  /** Deletes for good what ran out, when it is safe (see the module comment); failures go to `onError`. */
  purge(): void {
    if (this.#host.closed() || (this.#host.owner !== LOCAL_OWNER && !this.#heard.has(docName(this.#host.owner, 'workspace')))) return
    const now = this.#host.now()
    const retention = this.#retentionMs()
    this.#serial(() => this.#deleteWhere(this.#host.loadedEnvironments(), (at) => at + retention <= now)).catch((error: unknown) =>
      this.#host.onError(`this browser could not delete what ran out in the trash (${describe(error)})`),
    )
  }

  /** Purges now and every hour until `stop`. */
  start(): void {
    this.purge()
    this.#timer ??= setInterval(() => this.purge(), PURGE_EVERY_MS)
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  #retentionMs(): number {
    return this.#host.index.settings().trashRetentionDays * DAY_MS
  }

  /** Deletes for good the trashed collections (and environments, when given) whose trash time passes `due`. */
  async #deleteWhere(environments: Environments | null, due: (trashedAt: number) => boolean): Promise<void> {
    for (const environment of environments?.trashed() ?? []) if (due(environment.trashedAt)) environments!.remove(environment.id)
    for (const collection of this.#host.index.trashedCollections()) if (due(collection.trashedAt)) await this.deleteCollectionForever(collection.id)
  }

  #serial(run: () => Promise<void>): Promise<void> {
    const next = this.#runs.then(run)
    // The caller hears of its own failure; the next run starts either way.
    this.#runs = next.catch(() => undefined)
    return next
  }
}
