/**
 * One document loaded from this browser's IndexedDB (y-indexeddb), in its own database
 * `ferry:<docName>` — which is `ferry:<userId>:<kind>[:<id>]`, so every database of an account
 * starts with `ferry:<userId>:`. The database is registered with its owner before it is first
 * opened, so sign-out can find and wipe it even if the page dies mid-open.
 *
 * y-indexeddb stores one row per update and folds them into one row only after 500 updates
 * and a quiet second — a timer that a page switching accounts often cancels. Applying
 * thousands of small rows is ~6× slower than one row of the same state, so a doc is also
 * folded when it is opened or closed with that many rows.
 *
 * Another tab may delete the database (signing the account out): lib0 then closes this
 * connection, and the doc stops writing at once — a write would throw in the editor's hands,
 * and a reopened connection would bring the wiped data back.
 */
import { parseDocName, type DocName } from '@ferry/protocol'
import { IndexeddbPersistence, PREFERRED_TRIM_SIZE, storeState } from 'y-indexeddb'
import * as Y from 'yjs'
import { AccountRemoved, type AccountStore } from './account-store.ts'
import { deleteDatabase, withIndexedDB } from './idb.ts'

/** The IndexedDB database holding `docName`. */
export function databaseName(docName: DocName): string {
  return `ferry:${docName}`
}

export class LocalDoc {
  readonly doc: Y.Doc
  readonly docName: DocName
  readonly #persistence: IndexeddbPersistence
  #destroyed: Promise<void> | null = null
  #compaction: Promise<void> | null = null
  /** The database was deleted from elsewhere: nothing is written any more. */
  #wiped = false

  private constructor(docName: DocName, doc: Y.Doc, persistence: IndexeddbPersistence) {
    this.docName = docName
    this.doc = doc
    this.#persistence = persistence
  }

  /** Opens (creating when new) and loads the doc; resolves once its stored state is applied. */
  static async open(factory: IDBFactory, store: AccountStore, docName: DocName): Promise<LocalDoc> {
    const parsed = parseDocName(docName)
    if (!parsed.ok) throw new Error(parsed.error.message)
    await store.registerDatabase(parsed.value.owner, databaseName(docName))
    const doc = new Y.Doc({ gc: true })
    const persistence = withIndexedDB(factory, () => new IndexeddbPersistence(databaseName(docName), doc))
    // While the stored rows are applied, y-indexeddb's own `update` listener (which skips them
    // anyway) would make Yjs re-encode the whole loaded state: about as costly as the load.
    // Nobody else holds the doc yet, so it listens again only once loading is done.
    doc.off('update', persistence._storeUpdate)
    const local = new LocalDoc(docName, doc, persistence)
    void persistence._db.then((db) => db.addEventListener('versionchange', () => local.#onWiped()))
    await persistence.whenSynced
    // A sign-out in another tab that wiped while this one was opening: delete what the open made.
    if (await store.isSignedOut(parsed.value.owner)) {
      await local.destroy()
      await deleteDatabase(factory, databaseName(docName))
      throw new AccountRemoved(parsed.value.owner)
    }
    if (!local.#wiped) doc.on('update', persistence._storeUpdate)
    local.#compactIfLong()
    return local
  }

  /** Closes the IndexedDB connection and destroys the Y.Doc; idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#close()
    return this.#destroyed
  }

  async #close(): Promise<void> {
    this.#compactIfLong()
    await this.#compaction
    await this.#persistence.destroy()
    this.doc.destroy()
  }

  #onWiped(): void {
    this.#wiped = true
    void this.#persistence.destroy()
  }

  #compactIfLong(): void {
    if (this.#wiped || this.#compaction || this.#persistence._dbsize < PREFERRED_TRIM_SIZE) return
    this.#compaction = storeState(this.#persistence, true)
      .catch(() => {
        // The rows stay as they were; the next open tries again.
      })
      .finally(() => (this.#compaction = null))
  }
}
