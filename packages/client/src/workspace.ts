/**
 * One account's documents on this browser: the workspace index first, the rest on demand —
 * or all in the background while sync is on, so every doc reaches the relay. Each doc lives in
 * its own IndexedDB database (`LocalDoc`) and, while sync is on, has its own `SyncProvider`.
 * `destroy()` closes every provider, socket and database handle, which is what makes account
 * switching leave nothing of the previous account behind.
 */
import { docName, type DocKind, type DocName, type UserId } from '@ferry/protocol'
import { Collection, createId, Environments, History, WorkspaceIndex } from '@ferry/schema'
import type * as Y from 'yjs'
import type { AccountStore } from './account-store.ts'
import { Emitter } from './emitter.ts'
import { databaseName, LocalDoc } from './local-doc.ts'
import { SyncProvider, type SyncConnection } from './sync-provider.ts'
import { combineStatuses, sameStatus, type SyncStatus } from './sync-status.ts'
import { TabSync, type DocSync, type TabSyncOptions } from './tab-sync.ts'

export interface WorkspaceOptions {
  /** The account id, or `LOCAL_OWNER` for the local-only workspace. */
  readonly owner: UserId
  readonly indexedDB: IDBFactory
  readonly store: AccountStore
  /** How to reach the relay; null → sync off (no socket at all). */
  readonly sync: SyncConnection | null
  /** Share one socket per doc among the tabs of this browser; null → every instance syncs on its own. */
  readonly tabs?: TabSyncOptions | null
}

type WorkspaceEvents = { status: SyncStatus }

interface Loaded {
  readonly local: LocalDoc
  provider: DocSync | null
  unsubscribe: (() => void) | null
}

export class Workspace {
  readonly owner: UserId
  /** The index of collections, header presets and settings (loaded before `open` resolves). */
  readonly index: WorkspaceIndex
  readonly #options: WorkspaceOptions
  readonly #events = new Emitter<WorkspaceEvents>()
  readonly #loaded = new Map<DocName, Loaded>()
  readonly #opening = new Map<DocName, Promise<Loaded>>()
  readonly #views = new Map<DocName, Collection | Environments | History>()
  #sync: SyncConnection | null
  #status: SyncStatus = { kind: 'sync-off' }
  #destroyed: Promise<void> | null = null
  readonly #stopObserving: () => void

  private constructor(options: WorkspaceOptions, indexDoc: Loaded) {
    this.owner = options.owner
    this.#options = options
    this.#sync = options.sync
    this.#loaded.set(indexDoc.local.docName, indexDoc)
    this.index = new WorkspaceIndex(indexDoc.local.doc)
    this.#stopObserving = this.index.observe(() => this.#onIndexChange())
  }

  /** Loads the account's index; with sync on, starts loading every other doc in the background. */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const name = docName(options.owner, 'workspace')
    const local = await LocalDoc.open(options.indexedDB, options.store, name)
    const workspace = new Workspace(options, { local, provider: null, unsubscribe: null })
    workspace.#attach(workspace.#loaded.get(name)!)
    workspace.#updateStatus()
    if (workspace.#sync) void workspace.loadAll().catch(() => {})
    return workspace
  }

  /** The doc name of one of this account's documents. */
  docName(kind: DocKind, id?: string): DocName {
    return docName(this.owner, kind, id)
  }

  get indexDoc(): Y.Doc {
    return this.#loaded.get(this.docName('workspace'))!.local.doc
  }

  async environments(): Promise<Environments> {
    return this.#view(this.docName('environments'), (doc) => new Environments(doc))
  }

  async history(): Promise<History> {
    return this.#view(this.docName('history'), (doc) => new History(doc))
  }

  /** The collection `id` named in the index, loading its doc when needed. */
  async collection(id: string): Promise<Collection> {
    return this.#view(this.docName('collection', id), (doc) => new Collection(doc))
  }

  /** The raw `Y.Doc` of a document (loaded on demand); for tools and tests. */
  async doc(kind: DocKind, id?: string): Promise<Y.Doc> {
    return (await this.#load(this.docName(kind, id))).local.doc
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

  /** Removes a collection from the index and wipes its local database. */
  async deleteCollection(id: string): Promise<void> {
    this.index.removeCollection(id)
    await this.#unload(this.docName('collection', id), true)
  }

  /** Loads every doc of the account: environments, history and each collection in the index. */
  async loadAll(): Promise<void> {
    const names = [this.docName('environments'), this.docName('history'), ...this.index.collections().map((c) => this.docName('collection', c.id))]
    await Promise.all(names.map((name) => this.#load(name)))
  }

  /** Names of the docs loaded right now. */
  loadedDocs(): DocName[] {
    return [...this.#loaded.keys()]
  }

  /** Sockets this workspace holds (open or opening). */
  socketCount(): number {
    let count = 0
    for (const loaded of this.#loaded.values()) if (loaded.provider?.hasSocket) count++
    return count
  }

  /** True while sync is on (a connection is set), whatever the sockets' state. */
  get syncEnabled(): boolean {
    return this.#sync !== null
  }

  /** The account's sync status: the most urgent of its docs'. */
  get status(): SyncStatus {
    return this.#status
  }

  docStatus(name: DocName): SyncStatus {
    return this.#loaded.get(name)?.provider?.status ?? { kind: 'sync-off' }
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /** Reconnects every doc now (or re-asks the relay for its state when connected). */
  syncNow(): void {
    for (const loaded of this.#loaded.values()) loaded.provider?.syncNow()
  }

  /** Turns sync on (with how to reach the relay) or off (null); resolves once the old sockets are closed. */
  async setSync(connection: SyncConnection | null): Promise<void> {
    if (this.#destroyed) return
    this.#sync = connection
    const closed: Promise<void>[] = []
    for (const loaded of this.#loaded.values()) {
      closed.push(this.#detach(loaded))
      this.#attach(loaded)
    }
    this.#updateStatus()
    if (connection) void this.loadAll().catch(() => {})
    await Promise.all(closed)
  }

  /** Closes every provider, socket and IndexedDB handle of this account. Idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#close()
    return this.#destroyed
  }

  async #close(): Promise<void> {
    this.#stopObserving()
    this.#events.clear()
    await Promise.allSettled(this.#opening.values())
    await Promise.all([...this.#loaded.keys()].map((name) => this.#unload(name, false)))
  }

  #view<T extends Collection | Environments | History>(name: DocName, create: (doc: Y.Doc) => T): Promise<T> {
    return this.#load(name).then((loaded) => {
      let view = this.#views.get(name)
      if (!view) this.#views.set(name, (view = create(loaded.local.doc)))
      return view as T
    })
  }

  #load(name: DocName): Promise<Loaded> {
    if (this.#destroyed) return Promise.reject(new Error('This workspace is closed (account switched or signed out).'))
    const loaded = this.#loaded.get(name)
    if (loaded) return Promise.resolve(loaded)
    let opening = this.#opening.get(name)
    if (!opening) {
      opening = LocalDoc.open(this.#options.indexedDB, this.#options.store, name).then(async (local) => {
        this.#opening.delete(name)
        if (this.#destroyed) {
          await local.destroy()
          throw new Error('This workspace is closed (account switched or signed out).')
        }
        const entry: Loaded = { local, provider: null, unsubscribe: null }
        this.#loaded.set(name, entry)
        this.#attach(entry)
        this.#updateStatus()
        return entry
      })
      this.#opening.set(name, opening)
    }
    return opening
  }

  async #unload(name: DocName, wipe: boolean): Promise<void> {
    const pending = this.#opening.get(name)
    if (pending) await pending.catch(() => {})
    const loaded = this.#loaded.get(name)
    this.#loaded.delete(name)
    this.#views.delete(name)
    if (loaded) {
      await this.#detach(loaded)
      await loaded.local.destroy()
    }
    if (wipe) await this.#options.store.wipeDatabases(this.owner, [databaseName(name)])
    if (!this.#destroyed) this.#updateStatus()
  }

  #attach(loaded: Loaded): void {
    if (!this.#sync) return
    const { doc, docName: name } = loaded.local
    const tabs = this.#options.tabs
    const provider: DocSync = tabs ? new TabSync(doc, name, this.#sync, tabs) : new SyncProvider(doc, name, this.#sync)
    loaded.provider = provider
    loaded.unsubscribe = provider.onStatus(() => this.#updateStatus())
  }

  #detach(loaded: Loaded): Promise<void> {
    loaded.unsubscribe?.()
    const closed = loaded.provider?.destroy() ?? Promise.resolve()
    loaded.provider = null
    loaded.unsubscribe = null
    return closed
  }

  /** Another device created or deleted a collection: load it (sync on) or drop its local copy. */
  #onIndexChange(): void {
    if (this.#destroyed) return
    const listed = new Set(this.index.collections().map((c) => this.docName('collection', c.id)))
    for (const name of this.#loaded.keys()) {
      if (name.includes(':collection:') && !listed.has(name)) void this.#unload(name, true).catch(() => {})
    }
    if (this.#sync) for (const name of listed) void this.#load(name).catch(() => {})
  }

  #updateStatus(): void {
    const status = this.#sync ? combineStatuses([...this.#loaded.values()].map((l) => l.provider?.status ?? { kind: 'connecting' })) : { kind: 'sync-off' as const }
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }
}
