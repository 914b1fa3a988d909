/**
 * The docs a workspace holds, and how they are held: a doc syncs without being loaded
 * (local/lazy-doc.ts: its stored bytes) until something asks for it, which loads it for good with
 * its schema view. Holds asked for together share one read of the account's database
 * (local/account-docs.ts) and one batch of opens on its socket (sync/account-sync.ts, replaced
 * whenever sync is turned on or off). Each held doc's sync status goes into the account's
 * (sync/status-tally.ts).
 *
 * Which docs to hold — what the index lists — and what a load or a deletion means to the user
 * are the workspace's (workspace.ts); it hears of them through `HeldDocsHost`.
 */
import type { DocName, UserId } from '@ferry/protocol'
import type { WorkspaceIndex } from '@ferry/schema'
import type * as Y from 'yjs'
import { AccountRemoved } from './account-store.ts'
import { viewOf, type View } from './doc-views.ts'
import type { AccountDocs, StoredContent } from './local/account-docs.ts'
import { LazyDoc } from './local/lazy-doc.ts'
import type { SyncConnection } from './sync-provider.ts'
import type { SyncStatus, SyncStatusKind } from './sync-status.ts'
import { AccountSync } from './sync/account-sync.ts'
import { StatusTally } from './sync/status-tally.ts'
import type { DocSync } from './sync/types.ts'
import type { TabSyncOptions } from './tab-sync.ts'

/** A read of a workspace that was closed meanwhile (the account switched or signed out). */
export class WorkspaceClosed extends Error {
  override name = 'WorkspaceClosed'
  constructor() {
    super('This workspace is closed (account switched or signed out).')
  }
}

/** What the held docs need from their workspace, and what they tell it. */
export interface HeldDocsHost {
  readonly owner: UserId
  /** Share the account's socket among the tabs of this browser; null → every instance syncs on its own. */
  readonly tabs: TabSyncOptions | null
  /** A doc was held or dropped, or a held doc's sync status changed: the account's status is due again. */
  changed(): void
  /** A held doc's sync status changed (after `changed`). */
  docStatus(name: DocName, kind: SyncStatusKind): void
  /** A doc was loaded for good — the index too, from the constructor, before anyone can listen. */
  loaded(name: DocName, view: View): void
  /** The relay says `name` was deleted for good. */
  deletedElsewhere(name: DocName): void
}

/** A doc held here: loaded or not (`lazy.local`), and its sync while sync is on. */
interface Held {
  readonly lazy: LazyDoc
  provider: DocSync | null
  unsubscribe: (() => void) | null
}

export class HeldDocs {
  /** The index of collections, header presets and settings: held and loaded from the start. */
  readonly index: WorkspaceIndex
  readonly #docs: AccountDocs
  readonly #host: HeldDocsHost
  readonly #indexName: DocName
  readonly #held = new Map<DocName, Held>()
  readonly #opening = new Map<DocName, Promise<Held>>()
  readonly #views = new Map<DocName, View>()
  /** How the docs reach the relay while sync is on. */
  #hub: AccountSync | null
  readonly #tally = new StatusTally()
  #closed = false

  /** Holds the index, read already, and loads it; it syncs once `attachIndex` is called. */
  constructor(docs: AccountDocs, indexDoc: LazyDoc, connection: SyncConnection | null, host: HeldDocsHost) {
    this.#docs = docs
    this.#host = host
    this.#indexName = indexDoc.docName
    this.#hub = this.#newHub(connection)
    this.#held.set(indexDoc.docName, { lazy: indexDoc, provider: null, unsubscribe: null })
    this.index = this.#wake(indexDoc) as WorkspaceIndex
  }

  /** Starts syncing the index: apart from the constructor, so its status reaches a workspace that is built. */
  attachIndex(): void {
    this.#attach(this.#held.get(this.#indexName)!)
  }

  /**
   * Listens for failed writes and stored-data problems (an error), and for writes that succeed
   * again (null). The first listener also hears what went wrong while the account opened.
   */
  onStorage(listener: (error: Error | null) => void): () => void {
    const stopErrors = this.#docs.onError(listener)
    const stopWritten = this.#docs.onWritten(() => listener(null))
    return () => {
      stopErrors()
      stopWritten()
    }
  }

  /** Loads `name` for good, with its schema view; returns the view. */
  async load(name: DocName): Promise<View> {
    const held = await this.#hold(name)
    return this.#views.get(name) ?? this.#wake(held.lazy)
  }

  /** Loads `names` together: their opens on the socket wait for all of them. */
  loadAll(names: readonly DocName[]): Promise<View[]> {
    const all = Promise.all(names.map((name) => this.load(name)))
    this.#hub?.hold(all)
    return all
  }

  /** Holds `names` together (each syncs, none loads); rejects if one could not be read. */
  holdAll(names: readonly DocName[]): Promise<unknown> {
    const all = Promise.all(names.map((name) => this.#hold(name)))
    this.#hub?.hold(all)
    return all
  }

  /** The `Y.Doc` of a loaded doc. */
  doc(name: DocName): Y.Doc {
    return this.#held.get(name)!.lazy.local!.doc
  }

  /** What `name` holds while it is held without being loaded (`LazyDoc.held`; null: loaded, or not held); never loads it. */
  heldBytes(name: DocName): Uint8Array | null {
    return this.#held.get(name)?.lazy.held() ?? null
  }

  /** The schema view of `name` if it is loaded; never loads it. */
  view(name: DocName): View | undefined {
    return this.#views.get(name)
  }

  has(name: DocName): boolean {
    return this.#held.has(name)
  }

  /** Names of the docs held right now, loaded or syncing without being loaded. */
  names(): DocName[] {
    return [...this.#held.keys()]
  }

  /** Names of the docs loaded right now (as `Y.Doc`s). */
  /** A held doc's snapshot while it is not loaded (null: loaded, or not held). */
  heldSnapshot(name: DocName): Y.Snapshot | null {
    return this.#held.get(name)?.lazy.snapshot() ?? null
  }

  /** Whether `name` is held without being loaded with rows no view has seen (`LazyDoc.unseen`). */
  heldUnseen(name: DocName): boolean {
    return this.#held.get(name)?.lazy.unseen ?? false
  }

  loaded(): DocName[] {
    return [...this.#held].filter(([, held]) => held.lazy.local !== null).map(([name]) => name)
  }

  /** The docs the account lists now: the status counts those not held yet as not here. */
  list(names: ReadonlySet<DocName>): void {
    this.#tally.list(names)
  }

  /** The most urgent of the held docs' statuses, counting the listed docs not held yet. */
  get status(): SyncStatus {
    return this.#tally.status
  }

  /** A held doc's sync status; null while it is not synced (sync off, not held). */
  docStatus(name: DocName): SyncStatus | null {
    return this.#held.get(name)?.provider?.status ?? null
  }

  /** Sockets held for the account (open or opening). */
  socketCount(): number {
    return this.#hub?.socketCount() ?? 0
  }

  /** Reconnects every doc now (or re-asks the relay for its state when connected). */
  syncNow(): void {
    for (const held of this.#held.values()) held.provider?.syncNow()
  }

  /** Moves every held doc to a new way of reaching the relay (null: none); resolves once the old sockets are closed. */
  async setSync(connection: SyncConnection | null): Promise<void> {
    const detached = [...this.#held.values()].map((held) => this.#detach(held))
    // Leaves the tab election at once, so the new hub can win it without waiting for sockets.
    const previous = this.#hub?.destroy()
    this.#hub = this.#newHub(connection)
    for (const held of this.#held.values()) this.#attach(held)
    await Promise.all(detached)
    await previous
  }

  /** Unloads a doc and deletes its local copy for good (a local tombstone: no tab writes it again). */
  deleteForGood(name: DocName): Promise<void> {
    return this.#unload(name, true)
  }

  /** What the account's database holds now, every doc's records with their keys (local/account-docs.ts `records`). */
  records(): Promise<StoredContent> {
    return this.#docs.records()
  }

  /** Stores `update` as a row of `name` as it is, applied nowhere (see `Workspace.storeWaiting`). */
  storeRow(name: DocName, update: Uint8Array): void {
    this.#docs.append(name, update)
  }

  /**
   * Resolves once every change made so far is written.
   * @throws the write's error when writing failed (the rows stay queued and are retried);
   *   AccountRemoved when another tab signed the account out, its database and the changes with it.
   */
  async flushed(): Promise<void> {
    await this.#docs.flushed()
    if (this.#docs.gone && !this.#closed) throw new AccountRemoved(this.#host.owner)
  }

  /** Closes every doc, socket and the database handle; what is queued is written first. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled(this.#opening.values())
    await Promise.all([...this.#held.keys()].map((name) => this.#unload(name, false)))
    await this.#hub?.destroy()
    // What was typed last is written before the connection closes; a full disk is already
    // shown as the status, and the rows cannot outlive the page anyway.
    await this.#docs.flushed().catch((error: unknown) => console.warn('Ferry: changes could not be written before the workspace closed', error))
    this.#docs.close()
  }

  #newHub(connection: SyncConnection | null): AccountSync | null {
    return connection ? new AccountSync(this.#host.owner, connection, this.#host.tabs) : null
  }

  /** Holds `name` (syncing it while sync is on) without loading it; holds asked for together share one read. */
  #hold(name: DocName): Promise<Held> {
    if (this.#closed) return Promise.reject(new WorkspaceClosed())
    // Another tab signed the account out (its database is gone): nothing of it opens here any more.
    if (this.#docs.gone) return Promise.reject(new AccountRemoved(this.#host.owner))
    const held = this.#held.get(name)
    if (held) return Promise.resolve(held)
    let opening = this.#opening.get(name)
    if (!opening) {
      opening = LazyDoc.hold(this.#docs, name).then(async (lazy) => {
        this.#opening.delete(name)
        if (this.#closed) {
          await lazy.destroy()
          throw new WorkspaceClosed()
        }
        const entry: Held = { lazy, provider: null, unsubscribe: null }
        this.#held.set(name, entry)
        this.#attach(entry)
        this.#host.changed()
        return entry
      }, (error: unknown) => {
        // A read that failed is tried again by the next load.
        this.#opening.delete(name)
        throw error
      })
      this.#opening.set(name, opening)
    }
    return opening
  }

  #wake(lazy: LazyDoc): View {
    let view: View | undefined
    lazy.wake((doc) => {
      view = viewOf(lazy.docName, doc)
      this.#views.set(lazy.docName, view)
    })
    if (view) this.#host.loaded(lazy.docName, view)
    return view ?? this.#views.get(lazy.docName)!
  }

  async #unload(name: DocName, wipe: boolean): Promise<void> {
    const pending = this.#opening.get(name)
    // Its failure went to whoever asked for the doc; here it only has to be over.
    if (pending) await Promise.allSettled([pending])
    const held = this.#held.get(name)
    this.#held.delete(name)
    this.#views.delete(name)
    if (held) {
      await this.#detach(held)
      await held.lazy.destroy()
    }
    if (wipe) await this.#docs.wipe([name], true)
    if (!this.#closed) this.#host.changed()
  }

  #attach(held: Held): void {
    if (!this.#hub) return
    const name = held.lazy.docName
    const provider = this.#hub.attach(held.lazy, name)
    held.provider = provider
    this.#tally.set(name, provider.status)
    const stopStatus = provider.onStatus((status) => {
      this.#tally.set(name, status)
      this.#host.changed()
      this.#host.docStatus(name, status.kind)
    })
    const stopDeleted = provider.onDeleted(() => this.#host.deletedElsewhere(name))
    held.unsubscribe = () => {
      stopStatus()
      stopDeleted()
    }
  }

  #detach(held: Held): Promise<void> {
    held.unsubscribe?.()
    this.#tally.set(held.lazy.docName, null)
    const closed = held.provider?.destroy() ?? Promise.resolve()
    held.provider = null
    held.unsubscribe = null
    return closed
  }
}
