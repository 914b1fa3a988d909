/**
 * One document loaded from this browser's IndexedDB: a `Y.Doc` filled from the account's
 * database (local/account-docs.ts) whose every change is appended there as a row.
 *
 * Thousands of small rows apply ~6× slower than one row of the same state, so a doc whose rows
 * passed `FOLD_ROWS` is folded into one row — when it is opened, when it is closed, and while it
 * is edited, after `FOLD_QUIET_MS` without a change (folding re-encodes the whole doc: during a
 * burst such as an import of thousands of requests it would run again every `FOLD_ROWS` changes).
 *
 * A doc deleted for good (a deleted collection) opens empty and writes nothing; so does every doc
 * once another tab signed the account out (the database is gone).
 */
import type { DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import type { AccountDocs } from './local/account-docs.ts'
import { mergeReadable } from './local/merge-rows.ts'

/** Rows after which a doc is folded into one (y-indexeddb's default too). */
export const FOLD_ROWS = 500
/** Quiet time before a long doc is folded while open, ms (y-indexeddb's too). */
const FOLD_QUIET_MS = 1_000

export class LocalDoc {
  readonly doc: Y.Doc
  readonly docName: DocName
  readonly #docs: AccountDocs
  /** Rows stored for the doc (as far as this tab knows). */
  #rows: number
  readonly #deleted: boolean
  #destroyed: Promise<void> | null = null
  #folding: Promise<void> | null = null
  #foldTimer: ReturnType<typeof setTimeout> | null = null

  private constructor(docs: AccountDocs, docName: DocName, doc: Y.Doc, rows: number, deleted: boolean) {
    this.#docs = docs
    this.docName = docName
    this.doc = doc
    this.#rows = rows
    this.#deleted = deleted
    if (!deleted) doc.on('update', this.#store)
  }

  /** Loads `docName` from `docs`; resolves once its stored state is applied. Loads asked for together share one read. */
  static async open(docs: AccountDocs, docName: DocName): Promise<LocalDoc> {
    const stored = await docs.read(docName)
    const { merged, unreadable } = mergeReadable([...stored.rows, ...stored.unseen])
    if (stored.damaged + unreadable.length > 0) docs.reportDamaged(docName, stored.damaged + unreadable.length)
    const doc = new Y.Doc({ gc: true })
    Y.applyUpdate(doc, merged, docs)
    return LocalDoc.adopt(docs, docName, doc, stored.rows.length + stored.unseen.length, stored.deleted)
  }

  /** Stores from now on the changes of `doc`, already filled with the `rows` stored of `docName`. */
  static adopt(docs: AccountDocs, docName: DocName, doc: Y.Doc, rows: number, deleted: boolean): LocalDoc {
    const local = new LocalDoc(docs, docName, doc, rows, deleted)
    local.#foldIfLong()
    return local
  }

  /** Folds the doc's rows into one now (its view has seen rows that arrived while it was not loaded). */
  fold(): Promise<void> {
    this.#rows = Math.max(this.#rows, FOLD_ROWS)
    this.#foldIfLong()
    return this.#folding ?? Promise.resolve()
  }

  /** True when the doc was deleted for good on this browser: nothing of it is stored. */
  get deleted(): boolean {
    return this.#deleted
  }

  /** Stops writing, writes what is queued, and destroys the Y.Doc; idempotent. */
  destroy(): Promise<void> {
    this.#destroyed ??= this.#close()
    return this.#destroyed
  }

  async #close(): Promise<void> {
    this.doc.off('update', this.#store)
    if (this.#foldTimer !== null) clearTimeout(this.#foldTimer)
    this.#foldIfLong()
    await this.#folding
    this.doc.destroy()
  }

  readonly #store = (update: Uint8Array): void => {
    this.#docs.append(this.docName, update)
    this.#rows++
    if (this.#rows < FOLD_ROWS) return
    if (this.#foldTimer !== null) clearTimeout(this.#foldTimer)
    this.#foldTimer = setTimeout(() => {
      this.#foldTimer = null
      this.#foldIfLong()
    }, FOLD_QUIET_MS)
  }

  #foldIfLong(): void {
    if (this.#deleted || this.#folding || this.#rows < FOLD_ROWS || this.#docs.gone) return
    const state = Y.encodeStateAsUpdate(this.doc)
    this.#folding = this.#docs
      .compact(this.docName, state, Y.snapshot(this.doc))
      .then(() => {
        this.#rows = 1
      })
      // A fold that fails leaves the rows as they were (nothing is lost); the next change tries again.
      .catch((error: unknown) => this.#docs.reportError(error))
      .finally(() => (this.#folding = null))
  }
}
