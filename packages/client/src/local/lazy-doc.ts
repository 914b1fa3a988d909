/**
 * One doc of an account, held so that it syncs without being loaded: until something needs it as
 * a `Y.Doc` (a view, an edit), it is its stored rows merged into one update in memory — a few
 * kilobytes where a loaded doc with its schema view costs many times that — and updates from
 * the relay or another tab are merged into those bytes and stored as rows. `wake` loads it for
 * good: from then on it is a `Y.Doc` saved by a `LocalDoc`, and the sync bound to it carries on
 * without noticing (it speaks to the `Replica` interface either way).
 *
 * Merge without loss needs the schema view to see other devices' changes as they apply: a value
 * that loses a concurrent edit is recorded as a conflict by watchers on remote transactions. A
 * change that arrives while the doc is not loaded is therefore stored as an *unseen* row, and
 * `wake` applies the seen rows, lets the caller create the view (its watchers), and only then
 * applies the unseen rows — as remote transactions, as if they arrived now — and folds them
 * into seen ones.
 */
import { scanWithStateVector, stateVectorOfUpdate, type DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { LocalDoc } from '../local-doc.ts'
import { docReplica, type Replica } from '../sync/replica.ts'
import type { AccountDocs } from './account-docs.ts'
import { mergeReadable } from './merge-rows.ts'
import type { StoredDoc } from './stored-doc.ts'

type Listener = (update: Uint8Array, origin: unknown) => void

/** The origin of unseen rows applied when the doc wakes: remote to its watchers, not sent anywhere. */
const WAKING = Symbol('applying what arrived while the doc was not loaded')

const EMPTY = Y.mergeUpdates([])

export class LazyDoc implements Replica {
  readonly docName: DocName
  readonly #docs: AccountDocs
  readonly #deleted: boolean
  readonly #listeners = new Set<Listener>()
  /** Not loaded: the seen rows, merged, and the unseen ones, merged (null: none). */
  #seen: Uint8Array
  #unseen: Uint8Array | null
  #rows: number
  /**
   * A single stored row is held as it was read, not decoded (decoding every doc on hold would
   * cost more than holding it): until it has been used, a damaged one shows only then.
   */
  #unverified: boolean
  /** Everything held, merged (cached; null: merge again). */
  #merged: Uint8Array | null = null
  /** The state vector of the held bytes it was computed from (cached, as `#snapshot`). */
  #stateVector: { of: Uint8Array; stateVector: Uint8Array } | null = null
  /** `snapshot()` of the held bytes it was computed from (cached; a new merge computes it again). */
  #snapshot: { of: Uint8Array; snapshot: Y.Snapshot } | null = null
  /**
   * `diff` of the held bytes against their own state vector — their delete set, which every
   * `open` hashes (each reconnect of 300 docs decoded all of them again) — cached as `#snapshot`.
   */
  #deleteSet: { of: Uint8Array; stateVector: Uint8Array; diff: Uint8Array } | null = null
  #local: LocalDoc | null = null
  #loaded: Replica | null = null
  #stopForwarding: (() => void) | null = null

  private constructor(docs: AccountDocs, docName: DocName, stored: StoredDoc) {
    this.#docs = docs
    this.docName = docName
    this.#deleted = stored.deleted
    // Merging decodes every row: one that is damaged is left out there (it stays stored, aside).
    const seen = stored.rows.length === 1 ? null : mergeReadable(stored.rows)
    const unseen = stored.unseen.length === 1 ? null : mergeReadable(stored.unseen)
    this.#seen = seen ? seen.merged : stored.rows[0]!
    this.#unseen = stored.unseen.length === 0 ? null : (unseen?.merged ?? stored.unseen[0]!)
    this.#unverified = !seen || !unseen
    this.#rows = stored.rows.length + stored.unseen.length
    const damaged = stored.damaged + (seen?.unreadable.length ?? 0) + (unseen?.unreadable.length ?? 0)
    if (damaged > 0) docs.reportDamaged(docName, damaged)
  }

  /** Holds `docName` as stored in `docs`, without loading it; holds asked for together share one read. */
  static async hold(docs: AccountDocs, docName: DocName): Promise<LazyDoc> {
    return new LazyDoc(docs, docName, await docs.read(docName))
  }

  /** The loaded doc, once woken. */
  get local(): LocalDoc | null {
    return this.#local
  }

  /**
   * Loads the doc for good: `createView` runs on it after the rows seen before and before the
   * ones that arrived unseen, so its watchers see those as the remote changes they are.
   */
  wake(createView: (doc: Y.Doc) => void): LocalDoc {
    if (this.#local) return this.#local
    // Checked before applying: a damaged update may fail half-applied.
    this.#setAsideDamaged()
    const doc = new Y.Doc({ gc: true })
    Y.transact(doc, () => Y.applyUpdate(doc, this.#seen), this.#docs, false)
    createView(doc)
    const unseen = this.#unseen
    // One remote transaction for all of them: the view records what they overwrote, as it would have one by one.
    if (unseen) Y.applyUpdate(doc, unseen, WAKING)
    this.#local = LocalDoc.adopt(this.#docs, this.docName, doc, this.#rows, this.#deleted)
    this.#loaded = docReplica(doc)
    this.#stopForwarding = this.#loaded.onUpdate((update, origin) => this.#emit(update, origin))
    this.#seen = EMPTY
    this.#unseen = null
    this.#merged = null
    // Seen now: stored as seen, or a reload would show the view these changes once more.
    if (unseen) void this.#local.fold()
    return this.#local
  }

  /** Stops forwarding and, when loaded, closes the doc (its queued rows are still written). */
  async destroy(): Promise<void> {
    this.#listeners.clear()
    this.#stopForwarding?.()
    await this.#local?.destroy()
  }

  /**
   * What the doc holds as a Yjs snapshot (state vector and delete set) while it is not loaded;
   * null once loaded (ask the loaded doc). Decodes the held bytes once per change of them.
   */
  snapshot(): Y.Snapshot | null {
    if (this.#loaded) return null
    return this.#verified(() => {
      const all = this.#all()
      if (this.#snapshot?.of !== all) {
        const clocks = Y.decodeStateVector(this.#stateVectorOf(all))
        this.#snapshot = { of: all, snapshot: Y.createSnapshot(Y.decodeUpdate(all).ds, clocks) }
      }
      return this.#snapshot.snapshot
    })
  }

  /**
   * True while the doc is not loaded and holds rows no view has seen (changes from elsewhere since
   * it was last loaded, or everything a new device pulled): loading it may record values they
   * made lose as conflicts, which the relay, having collected them, may no longer hold.
   */
  get unseen(): boolean {
    return this.#local === null && this.#unseen !== null
  }

  /**
   * What the doc holds while it is not loaded, as one update: the held bytes as they are (not to
   * be changed); null once loaded. With rows no view has seen (`unseen`) it is not everything
   * loading it would give: its view may record as a conflict a value those rows made lose, which
   * the bytes carry only as a struct Yjs drops on merge.
   */
  held(): Uint8Array | null {
    if (this.#local) return null
    return this.#verified(() => this.#all())
  }

  // ——— Replica ———

  stateVector(): Uint8Array {
    return this.#loaded?.stateVector() ?? this.#verified(() => this.#stateVectorOf(this.#all()))
  }

  diff(stateVector: Uint8Array): Uint8Array {
    if (this.#loaded) return this.#loaded.diff(stateVector)
    return this.#verified(() => {
      const all = this.#all()
      const own = this.#stateVector?.of === all && this.#stateVector.stateVector === stateVector
      if (own && this.#deleteSet?.of === all && this.#deleteSet.stateVector === stateVector) return this.#deleteSet.diff
      const diff = Y.diffUpdate(all, stateVector)
      if (own) this.#deleteSet = { of: all, stateVector, diff }
      return diff
    })
  }

  catchUp(stateVector: Uint8Array): Uint8Array[] {
    // Not loaded, the doc holds no change made here since it was last loaded and folded: one piece.
    return this.#loaded?.catchUp(stateVector) ?? [this.diff(stateVector)]
  }

  apply(update: Uint8Array, origin: unknown): void {
    if (this.#loaded) return this.#loaded.apply(update, origin)
    if (this.#rows === 0) this.#holdFirst(update)
    else {
      // Decoding first: an update that does not decode throws here, as `Y.applyUpdate` would, and is not stored.
      this.#merged = this.#verified(() => Y.mergeUpdates([this.#all(), update]))
      this.#unseen = this.#unseen ? Y.mergeUpdates([this.#unseen, update]) : update
    }
    this.#rows++
    if (!this.#deleted) this.#docs.append(this.docName, update, true)
    this.#emit(update, origin)
  }

  onUpdate(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * The first update of a doc that held nothing (a new device's copy from the relay) is all it
   * holds: merging it with nothing would decode and encode it again for the same content, most
   * of a new device's time. Its structure is checked instead (a malformed one throws and is not
   * stored) and it is held undecoded, as a single stored row is.
   */
  #holdFirst(update: Uint8Array): void {
    // The walk that checks it also gives its state vector, asked for as soon as it is acknowledged.
    const { scanned, stateVector } = scanWithStateVector(update)
    if (!scanned.ok) throw new Error(`Not a Yjs update: ${scanned.error.message}`)
    if (stateVector) this.#stateVector = { of: update, stateVector }
    this.#seen = EMPTY
    this.#unseen = update
    this.#merged = update
    this.#unverified = true
  }

  #stateVectorOf(all: Uint8Array): Uint8Array {
    if (this.#stateVector?.of !== all) this.#stateVector = { of: all, stateVector: stateVectorOfUpdate(all) }
    return this.#stateVector.stateVector
  }

  #all(): Uint8Array {
    this.#merged ??= this.#unseen ? Y.mergeUpdates([this.#seen, this.#unseen]) : this.#seen
    return this.#merged
  }

  /** Runs `use` on the held bytes; when it fails because a row held undecoded is damaged, sets that row aside and runs it again. */
  #verified<T>(use: () => T): T {
    if (!this.#unverified) return use()
    try {
      return use()
    } catch (error) {
      if (this.#setAsideDamaged() === 0) throw error
      return use()
    }
  }

  /** Decodes the rows held undecoded and leaves out (reports) a damaged one; returns how many were. */
  #setAsideDamaged(): number {
    if (!this.#unverified) return 0
    this.#unverified = false
    const seenDamaged = mergeReadable([this.#seen]).unreadable.length
    const unseenDamaged = this.#unseen ? mergeReadable([this.#unseen]).unreadable.length : 0
    if (seenDamaged) this.#seen = EMPTY
    if (unseenDamaged) this.#unseen = null
    this.#merged = null
    if (seenDamaged + unseenDamaged > 0) this.#docs.reportDamaged(this.docName, seenDamaged + unseenDamaged)
    return seenDamaged + unseenDamaged
  }

  #emit(update: Uint8Array, origin: unknown): void {
    if (origin === WAKING) return
    for (const listener of [...this.#listeners]) listener(update, origin)
  }
}
