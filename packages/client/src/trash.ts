/**
 * What deleting does in a workspace (docs/decisions.md, "Trash"). "Delete" moves a collection
 * or environment to the trash: a mark on its entry (@ferry/schema trash.ts) that syncs like any
 * edit, so a trashed collection's doc stays held and synced on every device — never tombstoned
 * locally: an offline device's edits still merge, and a restore brings them back. It waits there
 * for the account's retention (setting `trashRetentionDays`, 30 days by default).
 *
 * Deleting a collection for good (emptying the trash, the retention running out) is the
 * permanent path: it goes to the trash (if it is not there), the deletion is remembered in the
 * account store until the relay confirms (pending-deletions.ts), and the relay deletes it only
 * while its copy of the index does not list it live — a device deciding from a stale index
 * cannot delete what another device restored; then the relay's tombstone, the local copy wiped,
 * the other devices' sockets closed with 4410 and their copies wiped, even one edited offline.
 * Environments are removed from their doc.
 *
 * What ran out is deleted for good by any device of the account with the workspace open, with
 * the doc it is listed in current: the index (collections) or the environments in sync with the
 * relay since their socket last (re)connected — not merely once, or a device whose network went
 * would go on deciding from what it last heard — when that happens, and then every hour (not
 * on an hourly check that comes late: the page slept, and its socket may not have noticed yet).
 * Each device waits the retention from when it first saw the mark (trash-seen.ts), so a wrong
 * clock makes nobody delete early. The local-only workspace has no other device. Environments are
 * checked only while their doc is loaded: holding docs without loading them is the point of lazy
 * docs, and an app that shows variables loads it.
 */
import { docName, parseDocName, type DocName, type UserId } from '@ferry/protocol'
import type { Environments, WorkspaceIndex } from '@ferry/schema'
import { LOCAL_OWNER, type AccountStore } from './account-store.ts'
import { PendingDeletions } from './pending-deletions.ts'
import type { SyncStatusKind } from './sync-status.ts'
import type { SyncConnection } from './sync/types.ts'
import { TrashSeen, type TrashMarkSeen } from './trash-seen.ts'

const DAY_MS = 24 * 60 * 60 * 1000
/** How often an open workspace looks for what ran out. */
const PURGE_EVERY_MS = 60 * 60 * 1000
/** An hourly check this late means the page slept or was frozen: its sockets may be dead without knowing. */
const LATE_CHECK_MS = PURGE_EVERY_MS * 1.5

export interface TrashEntry {
  readonly kind: 'collection' | 'environment'
  readonly id: string
  readonly name: string
  /** When it went to the trash (ms since the epoch, the trashing device's clock). */
  readonly trashedAt: number
  /** The device that trashed it, as it names itself. */
  readonly trashedBy?: string
  /** When this device deletes it for good: the account's retention after `trashedAt`, or after this device first saw it if later. */
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
  /** The index's sync status now (null: not synced). */
  indexStatus(): SyncStatusKind | null
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
/** Statuses in which the index may still be sending this device's changes. */
const unsettled = (kind: SyncStatusKind | null): boolean => kind === 'connecting' || kind === 'syncing'

type Marked = TrashMarkSeen & { readonly name: string; readonly trashedBy?: string }

export class Trash {
  readonly #host: TrashHost
  readonly #deletions: PendingDeletions
  readonly #seen: TrashSeen
  /** Purges and emptyings, one after another. */
  #runs: Promise<void> = Promise.resolve()
  #timer: ReturnType<typeof setInterval> | null = null
  #lastCheck = 0
  readonly #index: DocName
  readonly #environments: DocName
  /** Of the index and the environments, those in sync with the relay since their socket last (re)connected. */
  readonly #heard = new Set<DocName>()
  /** Deletion runs waiting for the index to settle. */
  #waiting: (() => void)[] = []

  constructor(host: TrashHost) {
    this.#host = host
    this.#index = docName(host.owner, 'workspace')
    this.#environments = docName(host.owner, 'environments')
    this.#seen = new TrashSeen(host.owner, host.store, host.now)
    this.#deletions = new PendingDeletions(
      host.owner,
      host.store,
      {
        wanted: (name) => !this.#host.index.collections().some((c) => c.id === collectionId(name)),
        indexStored: () => this.#indexStored(),
        deleted: async (name) => {
          const id = collectionId(name)
          if (id !== null) this.#host.index.removeCollection(id)
          await this.#host.wipe(name)
        },
      },
      (error) => host.onError(`this browser could not delete a collection for good (${describe(error)})`),
    )
  }

  trashCollection(id: string): boolean {
    const now = this.#host.now()
    const trashed = this.#host.index.trashCollection(id, now, this.#host.deviceName)
    this.#saw(this.#host.index.trashedCollections().filter((c) => c.id === id).map((c) => ({ kind: 'collection', id, at: c.trashedAt })), now)
    return trashed
  }

  restoreCollection(id: string): boolean {
    return this.#host.index.restoreCollection(id)
  }

  async trashEnvironment(id: string): Promise<boolean> {
    const environments = await this.#host.environments()
    const now = this.#host.now()
    const trashed = environments.trash(id, now, this.#host.deviceName)
    this.#saw(environments.trashed().filter((e) => e.id === id).map((e) => ({ kind: 'environment', id, at: e.trashedAt })), now)
    return trashed
  }

  async restoreEnvironment(id: string): Promise<boolean> {
    return (await this.#host.environments()).restore(id)
  }

  /** Everything in the trash but what this device is deleting for good, most recently trashed first. */
  async list(): Promise<TrashEntry[]> {
    const environments = await this.#host.environments()
    const deleting = new Set(this.#host.owner === LOCAL_OWNER ? [] : await this.#host.store.pendingDeletions(this.#host.owner))
    const marked = [...this.#collections(), ...this.#environmentsOf(environments)].filter((m) => !(m.kind === 'collection' && deleting.has(docName(this.#host.owner, 'collection', m.id))))
    const expiry = await this.#expiry(marked, new Set(['collection', 'environment']))
    return marked
      .map((m): TrashEntry => ({ kind: m.kind, id: m.id, name: m.name, trashedAt: m.at, ...(m.trashedBy === undefined ? {} : { trashedBy: m.trashedBy }), expiresAt: expiry(m) }))
      .sort((a, b) => b.trashedAt - a.trashedAt)
  }

  /** Deletes everything in the trash for good. */
  empty(): Promise<void> {
    return this.#serial(async () => {
      const environments = await this.#host.environments()
      for (const environment of environments.trashed()) environments.remove(environment.id)
      for (const collection of this.#host.index.trashedCollections()) await this.deleteCollectionForever(collection.id)
    })
  }

  /**
   * The permanent path (see the module comment). Resolves once the relay answered — or, while
   * sync is off or the relay cannot be reached, once the request is remembered; it is sent
   * again on the next connect, also after a reload.
   */
  async deleteCollectionForever(id: string): Promise<void> {
    const { owner, store, index } = this.#host
    const name = docName(owner, 'collection', id)
    if (owner === LOCAL_OWNER) {
      index.removeCollection(id)
      return this.#host.wipe(name)
    }
    index.trashCollection(id, this.#host.now(), this.#host.deviceName)
    await store.setPendingDeletion(owner, name, true)
    await this.sendDeletions()
  }

  /**
   * The relay says `name` was deleted: drops it from the index and wipes the local copy, edits
   * made offline included. Answers the collection's id when another device deleted it (null:
   * not a collection, or this device's own deletion).
   */
  deletedElsewhere(name: DocName): string | null {
    const id = collectionId(name)
    if (id === null) return null
    this.#host.index.removeCollection(id)
    this.#host.wipe(name).catch((error: unknown) => this.#host.onError(`this browser could not delete a collection's copy (${describe(error)})`))
    return this.#deletions.sending === name ? null : id
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
    this.#settled()
  }

  /**
   * A doc's status changed. The index and the environments count as current from when they are
   * in sync (and purge then) until their socket is lost (offline, reconnecting, an error).
   */
  docStatus(name: DocName, kind: SyncStatusKind): void {
    if (name === this.#index && !unsettled(kind)) this.#settled()
    if (name !== this.#index && name !== this.#environments) return
    if (kind === 'in-sync') {
      if (this.#heard.has(name)) return
      this.#heard.add(name)
      this.purge()
    } else if (kind !== 'syncing') {
      this.#heard.delete(name)
    }
  }

  /** Deletes for good what ran out, when it is safe (see the module comment); failures go to `onError`. */
  purge(): void {
    if (this.#host.closed()) return
    const local = this.#host.owner === LOCAL_OWNER
    const collections = local || this.#heard.has(this.#index)
    const environments = local || this.#heard.has(this.#environments) ? this.#host.loadedEnvironments() : null
    if (!collections && !environments) return
    this.#serial(() => this.#deleteRunOut(collections, environments)).catch((error: unknown) =>
      this.#host.onError(`this browser could not delete what ran out in the trash (${describe(error)})`),
    )
  }

  /** Purges now and every hour until `stop`. */
  start(): void {
    this.purge()
    this.#lastCheck = this.#host.now()
    this.#timer ??= setInterval(() => {
      const now = this.#host.now()
      const late = now - this.#lastCheck > LATE_CHECK_MS
      this.#lastCheck = now
      if (!late) this.purge()
    }, PURGE_EVERY_MS)
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    this.#settled()
  }

  #collections(): Marked[] {
    return this.#host.index.trashedCollections().map((c) => ({ kind: 'collection', id: c.id, name: c.name, at: c.trashedAt, ...(c.trashedBy === undefined ? {} : { trashedBy: c.trashedBy }) }))
  }

  #environmentsOf(environments: Environments): Marked[] {
    return environments.trashed().map((e) => ({ kind: 'environment', id: e.id, name: e.name, at: e.trashedAt, ...(e.trashedBy === undefined ? {} : { trashedBy: e.trashedBy }) }))
  }

  /** When each of `marked` goes for good on this device (`complete`: the kinds listed in full). */
  async #expiry(marked: readonly Marked[], complete: ReadonlySet<TrashMarkSeen['kind']>): Promise<(mark: Marked) => number> {
    const retention = this.#host.index.settings().trashRetentionDays * DAY_MS
    const seen = await this.#seen.sightings(marked, complete)
    return (mark) => Math.max(mark.at, seen(mark)) + retention
  }

  /** Deletes for good the trashed collections (`collections`) and environments (when given) that ran out. */
  async #deleteRunOut(collections: boolean, environments: Environments | null): Promise<void> {
    const marked = [...(collections ? this.#collections() : []), ...(environments ? this.#environmentsOf(environments) : [])]
    const complete = new Set<TrashMarkSeen['kind']>([...(collections ? ['collection' as const] : []), ...(environments ? ['environment' as const] : [])])
    const expiry = await this.#expiry(marked, complete)
    const now = this.#host.now()
    for (const mark of marked) {
      if (expiry(mark) > now) continue
      if (mark.kind === 'environment') environments!.remove(mark.id)
      else await this.deleteCollectionForever(mark.id)
    }
  }

  /** Remembers that this device saw `marks` at `now` (it just trashed them). */
  #saw(marks: TrashMarkSeen[], now: number): void {
    this.#seen.sightings(marks, new Set(), now).catch((error: unknown) => this.#host.onError(`this browser could not note what it put in the trash (${describe(error)})`))
  }

  /** Resolves once the index has no change of this device on its way, or cannot send it now. */
  #indexStored(): Promise<void> {
    if (this.#host.closed() || !unsettled(this.#host.indexStatus())) return Promise.resolve()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #settled(): void {
    for (const resolve of this.#waiting.splice(0)) resolve()
  }

  #serial(run: () => Promise<void>): Promise<void> {
    const next = this.#runs.then(run)
    // The caller hears of its own failure; the next run starts either way.
    this.#runs = next.catch(() => undefined)
    return next
  }
}

/** The collection id of a collection doc's name; null for any other doc. */
function collectionId(name: DocName): string | null {
  const parsed = parseDocName(name)
  return parsed.ok && parsed.value.kind === 'collection' ? parsed.value.id : null
}
