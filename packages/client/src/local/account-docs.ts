/**
 * Every doc of one account on this browser, in ONE IndexedDB database `ferry:<owner>:docs`:
 * a row per stored Yjs update (`{ doc, update, unseen? }`, indexed by doc) and a tombstone per doc
 * deleted for good. One database instead of one per doc (as y-indexeddb keeps them): a device
 * opening 300 collections opens one database and reads them in one transaction, and writes
 * arriving together (a new device pulling the workspace) go in one transaction.
 *
 * Reads asked for in the same turn share a transaction; writes are queued and written in one
 * transaction per turn, one after another. A write failure (the browser's storage quota, a
 * broken database, a connection the browser closed) is reported to `onError` listeners — the
 * workspace shows it as its status — and the rows stay queued for the next write or a retry
 * (backing off to once a minute), so nothing typed is dropped while the page lives. A read that fails rejects with the browser's error.
 *
 * Tombstones: a deleted collection's rows go, and its name is marked, in one transaction; a tab
 * that has not heard of the deletion yet and still writes to it has its rows refused in the
 * write's own transaction, so a deleted collection never comes back from a stale tab.
 *
 * Sign-out deletes the whole database (account-store.ts): this connection then gives way and
 * every later write is dropped, as the account's data must not come back.
 */
import type { DocName, UserId } from '@ferry/protocol'
import type * as Y from 'yjs'
import { AccountRemoved, type AccountStore } from '../account-store.ts'
import { Emitter } from '../emitter.ts'
import { deleteDatabase, openDatabase, requestToPromise, transactionDone } from '../idb.ts'
import { migrateDocDatabases } from './migrate-doc-databases.ts'
import { damagedRows, unmovedDatabases } from './stored-data-problem.ts'
import { DELETED, fold, recordsByDoc, storedDoc, type Row, type StoredDoc, type StoredRecords } from './stored-doc.ts'

const UPDATES = 'updates'
const TOMBSTONES = 'tombstones'
const BY_DOC = 'doc'

/** The database holding every doc of `owner`. */
export function accountDocsDatabase(owner: UserId): string {
  return `ferry:${owner}:docs`
}

type Events = { error: Error; gone: void; written: void }

/** What `records()` read: every doc's records, and the names of docs deleted for good (tombstones). */
export interface StoredContent {
  readonly docs: Map<DocName, StoredRecords>
  readonly deleted: ReadonlySet<DocName>
}

/** A read waiting for its batch. */
interface Waiting {
  readonly resolve: (doc: StoredDoc) => void
  readonly reject: (error: Error) => void
}

/** Docs read together from this many on are read as the whole database (`#readAll`). */
const WHOLE_STORE_READ = 32

/** Settles the reads of one doc. */
function settle(reads: readonly Waiting[], outcome: StoredDoc | Error): void {
  reads.forEach((read) => (outcome instanceof Error ? read.reject(outcome) : read.resolve(outcome)))
}

/** A full disk may get room any time: retries come soon, then at most once a minute. */
const FIRST_RETRY_MS = 2_000
const LAST_RETRY_MS = 60_000

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))

export class AccountDocs {
  readonly owner: UserId
  readonly #db: IDBDatabase
  readonly #events = new Emitter<Events>()
  #reads = new Map<DocName, Waiting[]>()
  #readScheduled = false
  #queue = new Map<DocName, Row[]>()
  /** The write under way; resolves with its error, or null once written. */
  #writing: Promise<Error | null> | null = null
  #writeScheduled = false
  /** A refused write is tried again after this long (doubling up to a minute), change or not. */
  #retryDelay = FIRST_RETRY_MS
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  /** The database was deleted (sign-out) or closed: nothing is read or written any more. */
  #gone = false
  /** Set once the connection was closed under the page (the browser, a newer release): what every later read and write fails with. */
  #closedUnder: Error | null = null
  /** Errors reported before anyone listened; null once someone did. */
  #unheard: Error[] | null = []

  private constructor(owner: UserId, db: IDBDatabase) {
    this.owner = owner
    this.#db = db
    db.onversionchange = (event) => {
      if (event.newVersion === null) {
        db.close()
        return this.#goneNow()
      }
      // A newer release opened the database to upgrade it, in another tab. What is queued is
      // written first (a transaction started before the close runs to its end, and the upgrade
      // waits for it), so it opens there; this tab then says it saves no more.
      this.#closedUnder = new Error('a newer Ferry opened this account in another tab: reload this tab to keep saving changes')
      this.#writeLast()
      db.close()
      this.#report(this.#closedUnder)
    }
    // The browser closed the connection itself (its storage failed, site data cleared): no
    // transaction can start any more. Nothing is reopened — the data may have been cleared on
    // purpose — but every write from now on fails aloud and keeps its rows in the page.
    db.onclose = () => {
      this.#closedUnder = new Error('the browser closed its storage; what is typed now is kept in this page only')
      this.#report(this.#closedUnder)
    }
  }

  /**
   * Opens (creating when new) the account's database, moving in the per-doc databases an
   * earlier release wrote. @throws AccountRemoved when the account was signed out of this
   * browser, also by another tab while this one was opening.
   */
  static async open(factory: IDBFactory, store: AccountStore, owner: UserId): Promise<AccountDocs> {
    const name = accountDocsDatabase(owner)
    await store.registerDatabase(owner, name)
    const db = await openDatabase(factory, name, 1, (upgrade) => {
      upgrade.createObjectStore(UPDATES, { autoIncrement: true }).createIndex(BY_DOC, 'doc')
      upgrade.createObjectStore(TOMBSTONES)
    })
    const docs = new AccountDocs(owner, db)
    const unmoved = await migrateDocDatabases(factory, store, owner, (rows) =>
      docs.#insert(new Map([...rows].map(([name, updates]) => [name, updates.map((update): Row => ({ doc: name, update }))]))),
    ).catch((error: unknown) => {
      docs.close()
      throw error
    })
    if (await store.isSignedOut(owner)) {
      docs.close()
      await deleteDatabase(factory, name)
      throw new AccountRemoved(owner)
    }
    if (unmoved.length > 0) docs.#report(unmovedDatabases(unmoved.length, unmoved[0]!.error))
    return docs
  }

  /**
   * Listens for write failures and stored-data problems; returns the unsubscribe. The first
   * listener also hears what was reported before it listened (while the account was opening).
   */
  onError(listener: (error: Error) => void): () => void {
    const stop = this.#events.on('error', listener)
    const unheard = this.#unheard
    this.#unheard = null
    unheard?.forEach((error) => listener(error))
    return stop
  }

  /** Called after each successful write (a status showing an earlier failure clears it). */
  onWritten(listener: () => void): () => void {
    return this.#events.on('written', listener)
  }

  /** Called when another tab deleted the database (signed the account out). */
  onGone(listener: () => void): () => void {
    return this.#events.on('gone', listener)
  }

  /** Reports a failure of work done for the account's docs elsewhere (a fold) to `onError` listeners. */
  reportError(error: unknown): void {
    if (!this.#gone) this.#report(this.#failure(error))
  }

  /** Reports rows of `name` that could not be read and were left out of it (they stay stored, untouched). */
  reportDamaged(name: DocName, count: number): void {
    this.#report(damagedRows(name, count))
  }

  get gone(): boolean {
    return this.#gone
  }

  /**
   * The stored rows of `name`; reads asked for in the same turn share one transaction.
   * @throws the browser's error when the read fails (never an empty doc that would keep nothing).
   */
  read(name: DocName): Promise<StoredDoc> {
    if (this.#gone) return Promise.resolve(DELETED)
    return new Promise((resolve, reject) => {
      const waiting = this.#reads.get(name)
      if (waiting) waiting.push({ resolve, reject })
      else this.#reads.set(name, [{ resolve, reject }])
      if (this.#readScheduled) return
      this.#readScheduled = true
      queueMicrotask(() => this.#readBatch())
    })
  }

  /** Queues `update` of `name` for the next write; `unseen`: from elsewhere, while the doc is not loaded. */
  append(name: DocName, update: Uint8Array, unseen = false): void {
    if (this.#gone) return
    const row: Row = unseen ? { doc: name, update, unseen } : { doc: name, update }
    const queued = this.#queue.get(name)
    if (queued) queued.push(row)
    else this.#queue.set(name, [row])
    this.#scheduleWrite()
  }

  /**
   * Resolves once every row queued so far is written (or the database is gone).
   * @throws the write's error when writing failed (the rows stay queued).
   */
  async flushed(): Promise<void> {
    while (!this.#gone && (this.#queue.size > 0 || this.#writing)) {
      if (!this.#writing) this.#writeBatch()
      const failure = await this.#writing
      if (failure) throw failure
    }
  }

  /**
   * Folds the rows of `name` into one: `current` (the doc's state, whose snapshot is `seen`)
   * merged with every row stored now, in one transaction, so a row another tab wrote meanwhile is
   * folded in, never lost. The folded row counts as seen, so an unseen row the doc does not hold
   * yet (another tab stored it; this one has not heard of it) is left unseen: the view sees it
   * arrive, and records what it beat, when the doc is next loaded.
   */
  async compact(name: DocName, current: Uint8Array, seen: Y.Snapshot): Promise<void> {
    await this.flushed()
    if (this.#gone) return
    const tx = this.#db.transaction(UPDATES, 'readwrite')
    const updates = tx.objectStore(UPDATES)
    const index = updates.index(BY_DOC)
    const keys = index.getAllKeys(name)
    const rows = index.getAll(name)
    rows.onsuccess = () => {
      const folded = fold(rows.result, keys.result, current, seen)
      if (!folded) return
      folded.remove.forEach((key) => updates.delete(key))
      updates.add({ doc: name, update: folded.update } satisfies Row)
    }
    await transactionDone(tx)
  }

  /**
   * Deletes the rows of `names`; `forGood` also marks them deleted (a deleted collection), so no
   * tab can write them again. Without it (a local doc merged into an account) the name stays usable.
   */
  async wipe(names: readonly DocName[], forGood: boolean): Promise<void> {
    if (this.#gone || names.length === 0) return
    const gone = new Set(names)
    for (const name of names) this.#queue.delete(name)
    await this.#writing
    if (this.#gone) return
    const tx = this.#db.transaction([UPDATES, TOMBSTONES], 'readwrite')
    const updates = tx.objectStore(UPDATES)
    for (const name of gone) {
      const keys = updates.index(BY_DOC).getAllKeys(name)
      keys.onsuccess = () => keys.result.forEach((key) => updates.delete(key))
      if (forGood) tx.objectStore(TOMBSTONES).put(true, name)
    }
    await transactionDone(tx)
  }

  /**
   * Every record stored now, per doc, with its key, and the docs deleted for good — read in one
   * transaction (what this connection still queues is not among them: see `flushed`). For
   * taking a whole database's content elsewhere (the local-only workspace merged into an
   * account) and then deleting exactly what was taken (`remove`), so a row another tab writes
   * meanwhile stays.
   * @throws the browser's error when the read fails.
   */
  async records(): Promise<StoredContent> {
    if (this.#gone) return { docs: new Map(), deleted: new Set() }
    const tx = this.#db.transaction([UPDATES, TOMBSTONES], 'readonly')
    const updates = tx.objectStore(UPDATES)
    const [keys, records, deleted] = await Promise.all([
      requestToPromise(updates.getAllKeys()),
      requestToPromise(updates.getAll()),
      requestToPromise(tx.objectStore(TOMBSTONES).getAllKeys()),
    ])
    return { docs: recordsByDoc(records, keys), deleted: new Set(deleted.filter((name): name is DocName => typeof name === 'string')) }
  }

  /** Deletes the rows stored under `keys` (from `records`), in one transaction; a key deleted meanwhile is no error. */
  async remove(keys: readonly IDBValidKey[]): Promise<void> {
    if (this.#gone || keys.length === 0) return
    const tx = this.#db.transaction(UPDATES, 'readwrite')
    const updates = tx.objectStore(UPDATES)
    for (const key of keys) updates.delete(key)
    await transactionDone(tx)
  }

  /** Every stored row, per doc (tools, benchmarks and tests). */
  async dump(): Promise<Map<DocName, Uint8Array[]>> {
    const docs = recordsByDoc(await requestToPromise(this.#db.transaction(UPDATES, 'readonly').objectStore(UPDATES).getAll()))
    return new Map([...docs].map(([name, { records }]) => [name, records.map((record) => (record as Row).update)]))
  }

  /** Closes the connection; queued rows not written yet are dropped (call `flushed()` first to keep them). */
  close(): void {
    this.#gone = true
    this.#stopRetry()
    this.#events.clear()
    this.#db.close()
  }

  #goneNow(): void {
    if (this.#gone) return
    this.#gone = true
    this.#stopRetry()
    this.#queue.clear()
    this.#events.emit('gone', undefined)
  }

  #readBatch(): void {
    this.#readScheduled = false
    const batch = this.#reads
    this.#reads = new Map()
    if (batch.size >= WHOLE_STORE_READ) this.#readAll(batch)
    else this.#readEach(batch)
  }

  /** Reads each doc of `batch` on its own: a value the browser cannot read back fails its doc only. */
  #readEach(batch: Map<DocName, Waiting[]>): void {
    const settleAll = (outcome: StoredDoc | Error) => batch.forEach((reads) => settle(reads, outcome))
    // A read that fails is an error, not an empty doc: one read as deleted opens empty and keeps
    // nothing typed into it. Only once the database is gone (a sign-out elsewhere closed this
    // connection) does everything read as deleted.
    const failed = (error: unknown) => (this.#gone ? DELETED : this.#failure(error))
    if (this.#gone) return settleAll(DELETED)
    let tx: IDBTransaction
    try {
      tx = this.#db.transaction([UPDATES, TOMBSTONES], 'readonly')
    } catch (error) {
      return settleAll(failed(error))
    }
    const index = tx.objectStore(UPDATES).index(BY_DOC)
    const tombstones = tx.objectStore(TOMBSTONES)
    for (const [name, reads] of batch) {
      const rows = index.getAll(name)
      const tombstone = tombstones.get(name)
      // A value the browser cannot read back fails its doc only, not every doc read with it
      // (the error reaches the transaction too, prevented from aborting it).
      rows.onerror = tombstone.onerror = (event) => {
        event.preventDefault()
        settle(reads, failed((event.target as IDBRequest).error ?? new Error(`reading ${name} failed`)))
      }
      tombstone.onsuccess = () => {
        if (rows.error) return
        settle(reads, tombstone.result === true ? DELETED : storedDoc(rows.result))
      }
    }
    tx.onabort = () => settleAll(failed(tx.error ?? new Error('reading this browser’s storage failed')))
  }

  /**
   * Reads many docs at once as the whole database in two requests, not two per doc (a device
   * holding an account's 300 collections: 600 requests were most of Chromium's time in
   * IndexedDB). When one value cannot be read back the whole read fails: then each doc is read
   * on its own, so that only its doc fails.
   */
  #readAll(batch: Map<DocName, Waiting[]>): void {
    if (this.#gone) return batch.forEach((reads) => settle(reads, DELETED))
    let tx: IDBTransaction
    let rows: IDBRequest<unknown[]>
    let tombstones: IDBRequest<IDBValidKey[]>
    try {
      tx = this.#db.transaction([UPDATES, TOMBSTONES], 'readonly')
      rows = tx.objectStore(UPDATES).getAll()
      tombstones = tx.objectStore(TOMBSTONES).getAllKeys()
    } catch {
      // Each doc on its own says which one failed, and how.
      return this.#readEach(batch)
    }
    let fellBack = false
    const fallBack = (event?: Event) => {
      event?.preventDefault()
      if (fellBack) return
      fellBack = true
      this.#readEach(batch)
    }
    rows.onerror = tombstones.onerror = fallBack
    tx.onabort = () => fallBack()
    tx.oncomplete = () => {
      if (fellBack) return
      const deleted = new Set(tombstones.result)
      const docs = recordsByDoc(rows.result)
      for (const [name, reads] of batch) settle(reads, deleted.has(name) ? DELETED : storedDoc(docs.get(name)?.records ?? []))
    }
  }

  #scheduleWrite(): void {
    if (this.#writeScheduled || this.#writing) return
    this.#writeScheduled = true
    setTimeout(() => {
      this.#writeScheduled = false
      this.#writeBatch()
    }, 0)
  }

  /** Starts writing everything queued now, also beside a write under way (the connection is about to close). */
  #writeLast(): void {
    if (this.#queue.size === 0) return
    if (!this.#writing) return this.#writeBatch()
    const batch = this.#queue
    this.#queue = new Map()
    void this.#write(batch)
  }

  #writeBatch(): void {
    if (this.#gone || this.#writing || this.#queue.size === 0) return
    const batch = this.#queue
    this.#queue = new Map()
    const writing = this.#write(batch)
    this.#writing = writing
    void writing.then((failure) => {
      this.#writing = null
      if (failure === null && this.#queue.size > 0) this.#scheduleWrite()
    })
  }

  /** Writes `batch`; resolves with the failure (reported, the rows queued again in front), or null once written. */
  #write(batch: Map<DocName, Row[]>): Promise<Error | null> {
    return this.#insert(batch).then(
      () => {
        // Once the connection was closed under the page nothing more is saved: the status keeps saying so.
        if (!this.#closedUnder) this.#events.emit('written', undefined)
        this.#stopRetry()
        this.#retryDelay = FIRST_RETRY_MS
        return null
      },
      (error: unknown) => {
        const failure = this.#failure(error)
        if (this.#gone) return null
        // Kept in front of what came since, for the next change, `flushed()` or a retry: a tab
        // closed later without typing again keeps them too.
        for (const [name, rows] of this.#queue) batch.set(name, [...(batch.get(name) ?? []), ...rows])
        this.#queue = batch
        this.#report(failure)
        if (!this.#closedUnder) this.#retryLater()
        return failure
      },
    )
  }

  #retryLater(): void {
    if (this.#retryTimer) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#scheduleWrite()
    }, this.#retryDelay)
    this.#retryDelay = Math.min(this.#retryDelay * 2, LAST_RETRY_MS)
  }

  #stopRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }

  #report(error: Error): void {
    if (this.#unheard) this.#unheard.push(error)
    else this.#events.emit('error', error)
  }

  /** What a failed read or write says: the browser's own error, or that it closed the storage (every transaction then throws a bare InvalidStateError). */
  #failure(error: unknown): Error {
    return this.#closedUnder ?? asError(error)
  }

  /** Writes `rows` in one transaction, skipping docs marked deleted for good; async, so a transaction that cannot start rejects too. */
  async #insert(rows: ReadonlyMap<DocName, readonly Row[]>): Promise<void> {
    const tx = this.#db.transaction([UPDATES, TOMBSTONES], 'readwrite')
    const updates = tx.objectStore(UPDATES)
    // The tombstones in one request, not one per doc written (a new device writes 300 at once);
    // read in the write's own transaction, so a deletion in another tab comes before or after it whole.
    const tombstones = tx.objectStore(TOMBSTONES).getAllKeys()
    tombstones.onsuccess = () => {
      const deleted = new Set(tombstones.result)
      for (const [name, list] of rows) if (!deleted.has(name)) for (const row of list) updates.add(row)
    }
    await transactionDone(tx)
  }
}
