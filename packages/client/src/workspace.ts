/**
 * One account's documents on this browser: the workspace index first, the rest on demand —
 * or all in the background while sync is on, so every doc reaches the relay. The docs live in
 * the account's one IndexedDB database (local/account-docs.ts, read together in one
 * transaction). A doc syncs without being loaded (local/lazy-doc.ts: its stored bytes, a
 * fraction of a loaded doc's memory) until something asks for it — a view, `doc()`, `loadAll()`
 * — which loads it for good, with its schema view. While sync is on, the account's docs share one
 * socket (sync/account-sync.ts; a socket per doc against a relay without the multiplexed
 * protocol). Holding, loading and syncing them is held-docs.ts; this module decides which docs
 * the account holds (what its index lists), its status, and what a load or a deletion means.
 * `destroy()` closes every socket and database handle, which is what makes account switching
 * leave nothing of the previous account behind.
 *
 * The status counts every doc the account lists, loaded or not (sync/status-tally.ts): a new
 * device says `syncing N of M` until all of them are here and acknowledged.
 *
 * Deleting moves a collection or environment to the trash, where its doc stays held and synced
 * until it is restored or deleted for good everywhere (trash.ts).
 */
import { docName, type DocKind, type DocName, type UserId } from '@ferry/protocol'
import { Collection, createId, Environments, History, postmanIdOfCollection, WorkspaceIndex } from '@ferry/schema'
import * as Y from 'yjs'
import type { AccountStore } from './account-store.ts'
import { guessDeviceName } from './account-vault.ts'
import { Emitter } from './emitter.ts'
import { HeldDocs } from './held-docs.ts'
import { AccountDocs, type StoredContent } from './local/account-docs.ts'
import { LazyDoc } from './local/lazy-doc.ts'
import { StoredDataProblem } from './local/stored-data-problem.ts'
import type { View } from './doc-views.ts'
import type { SyncConnection } from './sync-provider.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'
import type { TabSyncOptions } from './tab-sync.ts'
import { Trash, type TrashEntry } from './trash.ts'

export { WorkspaceClosed } from './held-docs.ts'

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

type WorkspaceEvents = { status: SyncStatus; docs: void; collectionDeleted: string; loaded: DocName }

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** What the status says when writing to this browser's storage failed. */
const storageProblem = (error: Error): string => (error instanceof StoredDataProblem ? error.message : `this browser could not save changes (${error.message})`)

export class Workspace {
  readonly owner: UserId
  /** The index of collections, header presets and settings (loaded before `open` resolves). */
  readonly index: WorkspaceIndex
  readonly #docs: HeldDocs
  /** Writing to this browser's storage failed (a full disk): shown until a write succeeds again. */
  #storageError: SyncStatus | null = null
  readonly #events = new Emitter<WorkspaceEvents>()
  #sync: SyncConnection | null
  #status: SyncStatus = { kind: 'sync-off' }
  #destroyed: Promise<void> | null = null
  readonly #trash: Trash
  readonly #stopObserving: () => void

  private constructor(options: WorkspaceOptions, docs: AccountDocs, indexDoc: LazyDoc) {
    this.owner = options.owner
    this.#sync = options.sync
    this.#docs = new HeldDocs(docs, indexDoc, options.sync, {
      owner: options.owner,
      tabs: options.tabs ?? null,
      changed: () => {
        this.#updateStatus()
        this.#events.emit('docs', undefined)
      },
      docStatus: (name, kind) => this.#trash.docStatus(name, kind),
      loaded: (name, view) => this.#loaded(name, view),
      deletedElsewhere: (name) => this.#deletedElsewhere(name),
    })
    this.index = this.#docs.index
    this.#trash = new Trash({
      owner: options.owner,
      store: options.store,
      index: this.index,
      environments: () => this.environments(),
      loadedEnvironments: () => (this.#docs.view(this.docName('environments')) as Environments | undefined) ?? null,
      indexStatus: () => this.#docs.docStatus(this.docName('workspace'))?.kind ?? null,
      wipe: (name) => this.#docs.deleteForGood(name),
      sync: () => this.#sync,
      closed: () => this.closed,
      now: options.now ?? Date.now,
      deviceName: options.deviceName ?? guessDeviceName(),
      onError: (reason) => this.#onStorage(reason),
    })
    const stopIndex = this.index.observe(() => this.#onIndexChange())
    const stopStorage = this.#docs.onStorage((error) => this.#onStorage(error === null ? null : storageProblem(error)))
    this.#stopObserving = () => {
      stopIndex()
      stopStorage()
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
    workspace.#docs.attachIndex()
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
    return this.#docs.doc(this.docName('workspace'))
  }

  async environments(): Promise<Environments> {
    return (await this.#docs.load(this.docName('environments'))) as Environments
  }

  async history(): Promise<History> {
    return (await this.#docs.load(this.docName('history'))) as History
  }

  /** The collection `id` named in the index, loading its doc when needed. */
  async collection(id: string): Promise<Collection> {
    return (await this.#docs.load(this.docName('collection', id))) as Collection
  }

  /** The raw `Y.Doc` of a document (loaded on demand); for tools and tests. */
  async doc(kind: DocKind, id?: string): Promise<Y.Doc> {
    const name = this.docName(kind, id)
    await this.#docs.load(name)
    return this.#docs.doc(name)
  }

  /**
   * Everything one doc holds, as one update (not to be changed). A doc held without being loaded,
   * every row of it seen by a view, is not loaded for it (a backup of 300 collections loaded every
   * one with its view, and kept them loaded for the session); any other is loaded as `doc` would,
   * so that its view records what rows it never saw made lose (`LazyDoc.seenUpdate`).
   */
  async docUpdate(kind: DocKind, id?: string): Promise<Uint8Array> {
    const name = this.docName(kind, id)
    return (this.#docs.heldUnseen(name) ? null : this.#docs.heldBytes(name)) ?? Y.encodeStateAsUpdate(await this.doc(kind, id))
  }

  /**
   * The collections in the index (not in the trash) imported from the Postman collection
   * `postmanId` (the file's `info._postman_id`, which the importer keeps as JSON text). One held
   * without being loaded is looked at in its held bytes first: imported from that file, it holds
   * the id's JSON encoding byte for byte, so only those that do are loaded to read it — importing
   * a file into a workspace of 300 collections loaded all 300 to find the one it came from. A
   * collection that cannot be loaded is left out (reported on the console).
   */
  async collectionsImportedFrom(postmanId: string): Promise<string[]> {
    const needle = new TextEncoder().encode(JSON.stringify(postmanId))
    const found: string[] = []
    for (const { id } of this.index.collections()) {
      const held = this.#docs.heldBytes(this.docName('collection', id))
      if (held !== null && !includesBytes(held, needle)) continue
      try {
        if (postmanIdOfCollection(await this.collection(id)) === postmanId) found.push(id)
      } catch (error) {
        console.warn(`Ferry: collection ${id} could not be read to match a Postman file`, error)
      }
    }
    return found
  }

  /** Creates a collection: its doc and its index entry, together. Returns its id. */
  async createCollection(name: string): Promise<string> {
    const id = createId()
    // Index entry first: a doc without an entry would be an orphan nobody lists, while an
    // entry whose doc is not written yet simply opens empty.
    this.index.addCollection(name, id)
    await this.#docs.load(this.docName('collection', id))
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

  /** Loads every doc of the account (environments, history, each collection in the index) but those `unless` names, each with its schema view. */
  async loadAll(unless: (name: DocName) => boolean = () => false): Promise<void> {
    const names = [this.docName('environments'), this.docName('history'), ...this.index.allCollections().map((c) => this.docName('collection', c.id))]
    await this.#docs.loadAll(names.filter((name) => !unless(name)))
  }

  /** Names of the docs loaded right now (as `Y.Doc`s). */
  loadedDocs(): DocName[] {
    return this.#docs.loaded()
  }

  /** Whether `name` is held right now (loaded or syncing without being loaded). */
  holds(name: DocName): boolean {
    return this.#docs.has(name)
  }

  /** Names of the docs held right now, loaded or syncing without being loaded. */
  heldDocs(): DocName[] {
    return this.#docs.names()
  }

  /** What a doc held without being loaded holds, as a Yjs snapshot (null: loaded, or not held). */
  heldSnapshot(name: DocName): Y.Snapshot | null {
    return this.#docs.heldSnapshot(name)
  }

  /** Whether a doc held without being loaded holds changes no view has seen yet (loading it may record conflicts). */
  heldUnseen(name: DocName): boolean {
    return this.#docs.heldUnseen(name)
  }

  /** Sockets this workspace holds (open or opening). */
  socketCount(): number {
    return this.#docs.socketCount()
  }

  /** True once `destroy()` was called. */
  get closed(): boolean {
    return this.#destroyed !== null
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
    return this.#docs.docStatus(name) ?? { kind: 'sync-off' }
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /**
   * Called whenever one doc's status changes or a doc is held or dropped — also when the
   * account's status stays the same (it names only the most urgent doc's).
   */
  onDocsChanged(listener: () => void): () => void {
    return this.#events.on('docs', listener)
  }

  /** Called with a doc's name when it is loaded (it synced without being loaded until then). */
  onDocLoaded(listener: (name: DocName) => void): () => void {
    return this.#events.on('loaded', listener)
  }

  /** Reconnects every doc now (or re-asks the relay for its state when connected). */
  syncNow(): void {
    this.#docs.syncNow()
  }

  /** Turns sync on (with how to reach the relay) or off (null); resolves once the old sockets are closed. */
  async setSync(connection: SyncConnection | null): Promise<void> {
    if (this.#destroyed) return
    this.#sync = connection
    // The docs move to the new connection now; the old sockets close meanwhile.
    const oldClosed = this.#docs.setSync(connection)
    this.#updateStatus()
    this.#trash.syncChanged()
    if (connection) {
      this.#holdAll()
      void this.#trash.sendDeletions()
    }
    await oldClosed
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
    await this.#docs.close()
  }

  /**
   * Every doc's records as stored in this browser now, with their keys: all this workspace's
   * tabs wrote, not only what this one loaded (the local-only workspace merged into an account).
   */
  storedRecords(): Promise<StoredContent> {
    return this.#docs.records()
  }

  /**
   * Stores what `doc` (this workspace's loaded `name`) holds waiting for changes it builds on (Yjs keeps those
   * in memory only, and a doc stores the changes it integrated): a merge that brought changes
   * made on top of content this account's copy lacks keeps them until that content arrives.
   */
  storeWaiting(name: DocName, doc: Y.Doc): void {
    const { pendingStructs, pendingDs } = doc.store
    // Yjs keeps them in its v2 encoding; rows are v1.
    if (pendingStructs) this.#docs.storeRow(name, Y.convertUpdateFormatV2ToV1(pendingStructs.update))
    if (pendingDs) this.#docs.storeRow(name, Y.convertUpdateFormatV2ToV1(pendingDs))
  }

  /**
   * Resolves once every change made in this workspace so far is written to this browser.
   * @throws the write's error (a full disk): the changes stay queued and are retried;
   *   AccountRemoved when another tab signed the account out meanwhile.
   */
  flushed(): Promise<void> {
    return this.#docs.flushed()
  }

  #loaded(name: DocName, view: View): void {
    this.#events.emit('loaded', name)
    // What ran out in the trash of environments is checked only while that doc is loaded.
    if (view instanceof Environments) this.#trash.purge()
  }

  /** Holds every doc the account lists, so each syncs (in the background, loading none). */
  #holdAll(): void {
    this.#holdInBackground([this.docName('environments'), this.docName('history'), ...this.index.allCollections().map((c) => this.docName('collection', c.id))])
  }

  /** Holds `names` together; nobody awaits them, so a failed read shows as the status. */
  #holdInBackground(names: readonly DocName[]): void {
    this.#docs.holdAll(names).catch((error: unknown) => this.#onStorage(`this browser could not read the account's documents (${describe(error)})`))
  }

  /** The relay says `name` was deleted for good: it leaves the index and this device, edits made offline included. */
  #deletedElsewhere(name: DocName): void {
    const id = this.#destroyed ? null : this.#trash.deletedElsewhere(name)
    if (id !== null) this.#events.emit('collectionDeleted', id)
  }

  /** Another device created or deleted a collection: hold it (sync on) or drop its local copy. */
  #onIndexChange(): void {
    if (this.#destroyed) return
    const listed = this.#listDocs()
    for (const name of this.#docs.names()) {
      if (name.includes(':collection:') && !listed.has(name)) void this.#docs.deleteForGood(name).catch((error: unknown) => this.#onStorage(`this browser could not delete a collection's copy (${describe(error)})`))
    }
    if (this.#sync) {
      const missing = [...listed].filter((name) => !this.#docs.has(name))
      if (missing.length === 0) return this.#updateStatus()
      this.#holdInBackground(missing)
    }
    this.#updateStatus()
  }

  /** Tells the status which docs the account lists now: the index, environments, history and every collection. */
  #listDocs(): Set<DocName> {
    // A collection in the trash is still held: its doc syncs until it is deleted for good.
    const collections = new Set(this.index.allCollections().map((c) => this.docName('collection', c.id)))
    this.#docs.list(new Set([this.docName('workspace'), this.docName('environments'), this.docName('history'), ...collections]))
    return collections
  }

  #onStorage(reason: string | null): void {
    if (reason === null && this.#storageError === null) return
    this.#storageError = reason === null ? null : { kind: 'error', reason }
    this.#updateStatus()
  }

  #updateStatus(): void {
    const status: SyncStatus = this.#storageError ?? (this.#sync ? this.#docs.status : { kind: 'sync-off' })
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
    this.#trash.statusChanged(status.kind)
  }
}

/** Whether `needle` occurs in `bytes`. */
function includesBytes(bytes: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true
  const first = needle[0]!
  for (let at = bytes.indexOf(first); at !== -1 && at + needle.length <= bytes.length; at = bytes.indexOf(first, at + 1)) {
    let i = 1
    while (i < needle.length && bytes[at + i] === needle[i]) i++
    if (i === needle.length) return true
  }
  return false
}
