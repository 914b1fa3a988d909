/**
 * One account's documents on this browser: the workspace index first, the rest on demand —
 * or all in the background while sync is on, so every doc reaches the relay. The docs live in
 * the account's one IndexedDB database (local/account-docs.ts, read together in one
 * transaction). A doc syncs without being loaded (local/lazy-doc.ts: its stored bytes, a
 * fraction of a loaded doc's memory) until something asks for it — a view, `doc()`, `loadAll()`
 * — which loads it for good, with its schema view. While sync is on, the account's docs share one
 * socket (sync/account-sync.ts; a socket per doc against a relay without the multiplexed
 * protocol). `destroy()` closes every socket and database handle, which is what makes account
 * switching leave nothing of the previous account behind.
 *
 * The status counts every doc the account lists, loaded or not (sync/status-tally.ts): a new
 * device says `syncing N of M` until all of them are here and acknowledged.
 *
 * Deleting moves a collection or environment to the trash, where its doc stays held and synced
 * until it is restored or deleted for good everywhere (trash.ts).
 */
import { docName, type DocKind, type DocName, type UserId } from '@ferry/protocol'
import { Collection, createId, Environments, History, WorkspaceIndex } from '@ferry/schema'
import type * as Y from 'yjs'
import { AccountRemoved, type AccountStore } from './account-store.ts'
import { guessDeviceName } from './account-vault.ts'
import { Emitter } from './emitter.ts'
import { AccountDocs } from './local/account-docs.ts'
import { LazyDoc } from './local/lazy-doc.ts'
import { StoredDataProblem } from './local/stored-data-problem.ts'
import { viewOf, type View } from './doc-views.ts'
import type { SyncConnection } from './sync-provider.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'
import { AccountSync } from './sync/account-sync.ts'
import { StatusTally } from './sync/status-tally.ts'
import type { DocSync } from './sync/types.ts'
import type { TabSyncOptions } from './tab-sync.ts'
import { Trash, type TrashEntry } from './trash.ts'

export interface WorkspaceOptions {
  /** The account id, or `LOCAL_OWNER` for the local-only workspace. */
  readonly owner: UserId
  readonly indexedDB: IDBFactory
  readonly store: AccountStore
  /** How to reach the relay; null → sync off (no socket at all). */
  readonly sync: SyncConnection | null
  /** Share the account's socket among the tabs of this browser; null → every instance syncs on its own. */
  readonly tabs?: TabSyncOptions | null
  /** Clock in epoch milliseconds (trash times and retention); default `Date.now`. */
  readonly now?: () => number
  /** How this device names itself in what it trashes; default a guess from the user agent. */
  readonly deviceName?: string
}

type WorkspaceEvents = { status: SyncStatus; collectionDeleted: string; loaded: DocName }

/** A read of a workspace that was closed meanwhile (the account switched or signed out). */
export class WorkspaceClosed extends Error {
  override name = 'WorkspaceClosed'
  constructor() {
    super('This workspace is closed (account switched or signed out).')
  }
}

/** A doc this workspace holds: loaded or not (`lazy.local`), and its sync while sync is on. */
interface Held {
  readonly lazy: LazyDoc
  provider: DocSync | null
  unsubscribe: (() => void) | null
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export class Workspace {
  readonly owner: UserId
  /** The index of collections, header presets and settings (loaded before `open` resolves). */
  readonly index: WorkspaceIndex
  readonly #options: WorkspaceOptions
  readonly #docs: AccountDocs
  /** Writing to this browser's storage failed (a full disk): shown until a write succeeds again. */
  #storageError: SyncStatus | null = null
  readonly #events = new Emitter<WorkspaceEvents>()
  readonly #held = new Map<DocName, Held>()
  readonly #opening = new Map<DocName, Promise<Held>>()
  readonly #views = new Map<DocName, View>()
  #sync: SyncConnection | null
  /** How the docs reach the relay while sync is on. */
  #hub: AccountSync | null
  readonly #tally = new StatusTally()
  #status: SyncStatus = { kind: 'sync-off' }
  #destroyed: Promise<void> | null = null
  readonly #trash: Trash
  readonly #stopObserving: () => void

  private constructor(options: WorkspaceOptions, docs: AccountDocs, indexDoc: LazyDoc) {
    this.owner = options.owner
    this.#options = options
    this.#docs = docs
    this.#sync = options.sync
    this.#hub = this.#newHub(options.sync)
    this.#held.set(indexDoc.docName, { lazy: indexDoc, provider: null, unsubscribe: null })
    this.index = this.#wake(indexDoc) as WorkspaceIndex
    this.#trash = new Trash({
      owner: options.owner,
      store: options.store,
      index: this.index,
      environments: () => this.environments(),
      loadedEnvironments: () => (this.#views.get(this.docName('environments')) as Environments | undefined) ?? null,
      indexStatus: () => this.#held.get(this.docName('workspace'))?.provider?.status.kind ?? null,
      wipe: (name) => this.#unload(name, true),
      sync: () => this.#sync,
      closed: () => this.#destroyed !== null,
      now: options.now ?? Date.now,
      deviceName: options.deviceName ?? guessDeviceName(),
      onError: (reason) => this.#onStorage(reason),
    })
    const stopIndex = this.index.observe(() => this.#onIndexChange())
    const stopErrors = docs.onError((error) => this.#onStorage(error instanceof StoredDataProblem ? error.message : `this browser could not save changes (${error.message})`))
    const stopWritten = docs.onWritten(() => this.#onStorage(null))
    this.#stopObserving = () => {
      stopIndex()
      stopErrors()
      stopWritten()
    }
  }

  /** Loads the account's index; with sync on, starts loading every other doc in the background. */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const name = docName(options.owner, 'workspace')
    const docs = await AccountDocs.open(options.indexedDB, options.store, options.owner)
    const index = await LazyDoc.hold(docs, name).catch(async (error: unknown) => {
      docs.close()
      throw error
    })
    const workspace = new Workspace(options, docs, index)
    workspace.#attach(workspace.#held.get(name)!)
    workspace.#listDocs()
    workspace.#updateStatus()
    if (workspace.#sync) {
      workspace.#holdAll()
      void workspace.#trash.sendDeletions()
    }
    workspace.#trash.start()
    return workspace
  }

  /** The doc name of one of this account's documents. */
  docName(kind: DocKind, id?: string): DocName {
    return docName(this.owner, kind, id)
  }

  get indexDoc(): Y.Doc {
    return this.#held.get(this.docName('workspace'))!.lazy.local!.doc
  }

  async environments(): Promise<Environments> {
    return (await this.#load(this.docName('environments'))) as Environments
  }

  async history(): Promise<History> {
    return (await this.#load(this.docName('history'))) as History
  }

  /** The collection `id` named in the index, loading its doc when needed. */
  async collection(id: string): Promise<Collection> {
    return (await this.#load(this.docName('collection', id))) as Collection
  }

  /** The raw `Y.Doc` of a document (loaded on demand); for tools and tests. */
  async doc(kind: DocKind, id?: string): Promise<Y.Doc> {
    const name = this.docName(kind, id)
    await this.#load(name)
    return this.#held.get(name)!.lazy.local!.doc
  }

  /** Creates a collection: its doc and its index entry, together. Returns its id. */
  async createCollection(name: string): Promise<string> {
    const id = createId()
    // Index entry first: a doc without an entry would be an orphan nobody lists, while an
    // entry whose doc is not written yet simply opens empty.
    this.index.addCollection(name, id)
    await this.#load(this.docName('collection', id))
    return id
  }

  /** Moves a collection to the trash on every device; its doc stays here, synced. False if it is not listed. */
  trashCollection(id: string): boolean {
    return this.#trash.trashCollection(id)
  }

  /** Brings a collection back from the trash, with every edit made meanwhile; false if it was deleted for good. */
  restoreCollection(id: string): boolean {
    return this.#trash.restoreCollection(id)
  }

  /** Moves an environment to the trash on every device; false if there is none. */
  trashEnvironment(id: string): Promise<boolean> {
    return this.#trash.trashEnvironment(id)
  }

  /** Brings an environment back from the trash, with its variables; false if it was deleted for good. */
  restoreEnvironment(id: string): Promise<boolean> {
    return this.#trash.restoreEnvironment(id)
  }

  /** The collections and environments in the trash, most recently trashed first, with when each goes for good. */
  trash(): Promise<TrashEntry[]> {
    return this.#trash.list()
  }

  /** Deletes everything in the trash for good (collections as `deleteCollectionForever`). */
  emptyTrash(): Promise<void> {
    return this.#trash.empty()
  }

  /**
   * Deletes a collection for good, everywhere: unlisted, its local copy wiped, the relay asked to
   * delete it (and so every other device's copy). Resolves once the relay answered, or once the
   * request is remembered (sync off, relay unreachable: it is sent on the next connect).
   */
  deleteCollectionForever(id: string): Promise<void> {
    return this.#trash.deleteCollectionForever(id)
  }

  /**
   * Called with a collection's id when another device deleted it (the relay closed its socket
   * with 4410). By then it is gone from the index and its local database is being wiped.
   */
  onCollectionDeleted(listener: (collectionId: string) => void): () => void {
    return this.#events.on('collectionDeleted', listener)
  }

  /** Loads every doc of the account (environments, history, each collection in the index), each with its schema view. */
  async loadAll(): Promise<void> {
    const all = Promise.all([this.environments(), this.history(), ...this.index.allCollections().map((c) => this.collection(c.id))])
    this.#hub?.hold(all)
    await all
  }

  /** Names of the docs loaded right now (as `Y.Doc`s). */
  loadedDocs(): DocName[] {
    return [...this.#held].filter(([, held]) => held.lazy.local !== null).map(([name]) => name)
  }

  /** Names of the docs held right now, loaded or syncing without being loaded. */
  heldDocs(): DocName[] {
    return [...this.#held.keys()]
  }

  /** Sockets this workspace holds (open or opening). */
  socketCount(): number {
    return this.#hub?.socketCount() ?? 0
  }

  /** True while sync is on (a connection is set), whatever the sockets' state. */
  get syncEnabled(): boolean {
    return this.#sync !== null
  }

  /** The account's sync status: the most urgent of its docs', counting those not loaded yet. */
  get status(): SyncStatus {
    return this.#status
  }

  docStatus(name: DocName): SyncStatus {
    return this.#held.get(name)?.provider?.status ?? { kind: 'sync-off' }
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /** Called with a doc's name when it is loaded (it synced without being loaded until then). */
  onDocLoaded(listener: (name: DocName) => void): () => void {
    return this.#events.on('loaded', listener)
  }

  /** Reconnects every doc now (or re-asks the relay for its state when connected). */
  syncNow(): void {
    for (const held of this.#held.values()) held.provider?.syncNow()
  }

  /** Turns sync on (with how to reach the relay) or off (null); resolves once the old sockets are closed. */
  async setSync(connection: SyncConnection | null): Promise<void> {
    if (this.#destroyed) return
    this.#sync = connection
    const detached = [...this.#held.values()].map((held) => this.#detach(held))
    // Leaves the tab election at once, so the new hub can win it without waiting for sockets.
    const previous = this.#hub?.destroy()
    this.#hub = this.#newHub(connection)
    for (const held of this.#held.values()) this.#attach(held)
    this.#updateStatus()
    this.#trash.syncChanged()
    if (connection) {
      this.#holdAll()
      void this.#trash.sendDeletions()
    }
    await Promise.all(detached)
    await previous
  }

  /** Closes every provider, socket and IndexedDB handle of this account. Idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#close()
    return this.#destroyed
  }

  async #close(): Promise<void> {
    this.#trash.stop()
    this.#stopObserving()
    this.#events.clear()
    await Promise.allSettled(this.#opening.values())
    await Promise.all([...this.#held.keys()].map((name) => this.#unload(name, false)))
    await this.#hub?.destroy()
    // What was typed last is written before the connection closes; a full disk is already
    // shown as the status, and the rows cannot outlive the page anyway.
    await this.#docs.flushed().catch((error: unknown) => console.warn('Ferry: changes could not be written before the workspace closed', error))
    this.#docs.close()
  }

  /**
   * Deletes the stored copies of `names` from this browser (unloading them first), keeping the
   * names usable: a local-only workspace's docs once merged into an account.
   */
  async wipeDocs(names: readonly DocName[]): Promise<void> {
    await Promise.all(names.map((name) => this.#unload(name, false)))
    await this.#docs.wipe(names, false)
  }

  #newHub(connection: SyncConnection | null): AccountSync | null {
    return connection ? new AccountSync(this.owner, connection, this.#options.tabs ?? null) : null
  }

  /** Holds `name` (syncing it while sync is on) without loading it; holds asked for together share one read. */
  #hold(name: DocName): Promise<Held> {
    if (this.#destroyed) return Promise.reject(new WorkspaceClosed())
    // Another tab signed the account out (its database is gone): nothing of it opens here any more.
    if (this.#docs.gone) return Promise.reject(new AccountRemoved(this.owner))
    const held = this.#held.get(name)
    if (held) return Promise.resolve(held)
    let opening = this.#opening.get(name)
    if (!opening) {
      opening = LazyDoc.hold(this.#docs, name).then(async (lazy) => {
        this.#opening.delete(name)
        if (this.#destroyed) {
          await lazy.destroy()
          throw new WorkspaceClosed()
        }
        const entry: Held = { lazy, provider: null, unsubscribe: null }
        this.#held.set(name, entry)
        this.#attach(entry)
        this.#updateStatus()
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

  /** Loads `name` for good, with its schema view; returns the view. */
  async #load(name: DocName): Promise<View> {
    const held = await this.#hold(name)
    return this.#views.get(name) ?? this.#wake(held.lazy)
  }

  #wake(lazy: LazyDoc): View {
    let view: View | undefined
    lazy.wake((doc) => {
      view = viewOf(lazy.docName, doc)
      this.#views.set(lazy.docName, view)
    })
    if (view) this.#events.emit('loaded', lazy.docName)
    // What ran out in the trash of environments is checked only while that doc is loaded.
    if (view instanceof Environments) this.#trash.purge()
    return view ?? this.#views.get(lazy.docName)!
  }

  /** Holds every doc the account lists, so each syncs (in the background, loading none). */
  #holdAll(): void {
    const names = [this.docName('environments'), this.docName('history'), ...this.index.allCollections().map((c) => this.docName('collection', c.id))]
    const all = Promise.all(names.map((name) => this.#hold(name)))
    this.#hub?.hold(all)
    all.catch((error: unknown) => this.#onStorage(`this browser could not read the account's documents (${describe(error)})`))
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
    if (!this.#destroyed) this.#updateStatus()
  }

  #attach(held: Held): void {
    if (!this.#hub) return
    const name = held.lazy.docName
    const provider = this.#hub.attach(held.lazy, name)
    held.provider = provider
    this.#tally.set(name, provider.status)
    const stopStatus = provider.onStatus((status) => {
      this.#tally.set(name, status)
      this.#updateStatus()
      this.#trash.docStatus(name, status.kind)
    })
    const stopDeleted = provider.onDeleted(() => this.#deletedElsewhere(name))
    held.unsubscribe = () => {
      stopStatus()
      stopDeleted()
    }
  }

  /** The relay says `name` was deleted for good: it leaves the index and this device, edits made offline included. */
  #deletedElsewhere(name: DocName): void {
    const id = this.#destroyed ? null : this.#trash.deletedElsewhere(name)
    if (id !== null) this.#events.emit('collectionDeleted', id)
  }

  #detach(held: Held): Promise<void> {
    held.unsubscribe?.()
    this.#tally.set(held.lazy.docName, null)
    const closed = held.provider?.destroy() ?? Promise.resolve()
    held.provider = null
    held.unsubscribe = null
    return closed
  }

  /** Another device created or deleted a collection: hold it (sync on) or drop its local copy. */
  #onIndexChange(): void {
    if (this.#destroyed) return
    const listed = this.#listDocs()
    for (const name of this.#held.keys()) {
      if (name.includes(':collection:') && !listed.has(name)) void this.#unload(name, true).catch((error: unknown) => this.#onStorage(`this browser could not delete a collection's copy (${describe(error)})`))
    }
    if (this.#sync) {
      const holding = [...listed].filter((name) => !this.#held.has(name)).map((name) => this.#hold(name))
      if (holding.length === 0) return this.#updateStatus()
      const all = Promise.all(holding)
      this.#hub?.hold(all)
      all.catch((error: unknown) => this.#onStorage(`this browser could not read the account's documents (${describe(error)})`))
    }
    this.#updateStatus()
  }

  /** Tells the status which docs the account lists now: the index, environments, history and every collection. */
  #listDocs(): Set<DocName> {
    // A collection in the trash is still held: its doc syncs until it is deleted for good.
    const collections = new Set(this.index.allCollections().map((c) => this.docName('collection', c.id)))
    this.#tally.list(new Set([this.docName('workspace'), this.docName('environments'), this.docName('history'), ...collections]))
    return collections
  }

  #onStorage(reason: string | null): void {
    if (reason === null && this.#storageError === null) return
    this.#storageError = reason === null ? null : { kind: 'error', reason }
    this.#updateStatus()
  }

  #updateStatus(): void {
    const status: SyncStatus = this.#storageError ?? (this.#sync ? this.#tally.status : { kind: 'sync-off' })
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
    this.#trash.statusChanged(status.kind)
  }
}
