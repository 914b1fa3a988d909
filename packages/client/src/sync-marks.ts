/**
 * Marks of the last sync, per doc: a Yjs snapshot taken while the relay held everything the
 * doc had (its status `in sync`), kept in Web Storage so they outlive the page and a sync that
 * was turned off. `unsynced` compares each doc with its mark (`unsynced-changes.ts`) to say
 * what the relay does not have — what signing out with sync off would lose.
 *
 * A mark is taken a moment after a doc reports `in sync` (edits come in bursts; taking a
 * snapshot reads the doc's whole struct store) — at once when the whole account comes in sync
 * (a network that drops right after must not leave them unmarked) — and every few seconds
 * while it stays in sync (other devices' edits arrive without a status change), only when its
 * state moved. A doc held without being loaded is marked from its held bytes.
 */
import { parseDocName, type DocKind, type DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { changesSince, isUnchanged, type DocChanges } from './unsynced-changes.ts'
import type { SyncStatus } from './sync-status.ts'

/** The Web Storage calls used (`localStorage` fits). */
export interface MarkStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
  key(index: number): string | null
  readonly length: number
}

/** What is read of a workspace (`Workspace` fits). */
export interface MarkedWorkspace {
  readonly owner: string
  loadedDocs(): DocName[]
  /** Every doc held, loaded or not. */
  heldDocs(): DocName[]
  /** A doc held without being loaded, as a snapshot of its held bytes (null: loaded, or not held). */
  heldSnapshot(name: DocName): Y.Snapshot | null
  /** A doc held without being loaded holds changes no view has seen (loading it may record conflicts). */
  heldUnseen(name: DocName): boolean
  docStatus(name: DocName): SyncStatus
  doc(kind: DocKind, id?: string): Promise<Y.Doc>
  onStatus(listener: (status: SyncStatus) => void): () => void
  /** A doc that synced without being loaded was loaded. */
  onDocLoaded(listener: (name: DocName) => void): () => void
  /** Loads every doc of the account but those `unless` names. */
  loadAll(unless?: (name: DocName) => boolean): Promise<void>
}

export interface UnsyncedDoc {
  readonly docName: DocName
  readonly kind: DocKind
  /** The collection's id (collections only). */
  readonly id: string | null
  readonly changes: DocChanges
}

const PREFIX = 'ferry:sync-mark:'
/** How long a doc stays in sync before its mark is taken, milliseconds. */
const SETTLE_MS = 1_000
/** How often docs in sync are looked at again, milliseconds (a doc that did not move costs one state vector). */
const POLL_MS = 5_000

function toBase64(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text)
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
}

export class SyncMarks {
  readonly #storage: MarkStorage
  /** Per doc, the state vector of the stored mark (base64), to skip docs that did not move. */
  readonly #taken = new Map<DocName, string>()

  constructor(storage: MarkStorage) {
    this.#storage = storage
  }

  /** The stored mark of `docName`, or null when the relay was never seen holding all of it. */
  mark(docName: DocName): Y.Snapshot | null {
    const stored = this.#storage.getItem(PREFIX + docName)
    if (stored === null) return null
    try {
      return Y.decodeSnapshotV2(fromBase64(stored))
    } catch {
      // A damaged mark counts as none: everything in the doc is then reported as unsynced.
      return null
    }
  }

  /** Marks `doc` as held by the relay as it is now. */
  take(docName: DocName, doc: Y.Doc): void {
    this.#store(docName, Y.encodeStateVector(doc), () => Y.snapshot(doc))
  }

  /** Marks a doc not loaded, held as `snapshot`, as held by the relay. */
  takeHeld(docName: DocName, snapshot: Y.Snapshot): void {
    this.#store(docName, Y.encodeStateVector(snapshot.sv), () => snapshot)
  }

  #store(docName: DocName, stateVector: Uint8Array, snapshot: () => Y.Snapshot): void {
    const vector = toBase64(stateVector)
    if (this.#taken.get(docName) === vector) return
    this.#storage.setItem(PREFIX + docName, toBase64(Y.encodeSnapshotV2(snapshot())))
    this.#taken.set(docName, vector)
  }

  /** Takes marks of `workspace`'s docs as they come in sync, until the returned function is called. */
  watch(workspace: MarkedWorkspace): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null
    let stopped = false
    const takeAll = async () => {
      timer = null
      for (const name of workspace.loadedDocs()) {
        if (stopped || workspace.docStatus(name).kind !== 'in-sync') continue
        const parsed = parseDocName(name)
        if (!parsed.ok) continue
        const doc = await workspace.doc(parsed.value.kind, parsed.value.id ?? undefined)
        // The doc may have moved on while it was fetched: only a doc still in sync is marked.
        if (!stopped && workspace.docStatus(name).kind === 'in-sync') this.take(name, doc)
      }
      // Docs that synced without being loaded are marked from their held bytes: a doc first
      // loaded with sync off (to say what signing out would lose) must not count whole.
      const loaded = new Set(workspace.loadedDocs())
      for (const name of workspace.heldDocs()) {
        if (stopped || loaded.has(name) || workspace.docStatus(name).kind !== 'in-sync') continue
        const snapshot = workspace.heldSnapshot(name)
        if (snapshot) this.takeHeld(name, snapshot)
      }
    }
    const schedule = () => {
      if (timer !== null) clearTimeout(timer)
      timer = setTimeout(() => void takeAll().catch((error: unknown) => console.warn('Ferry: a sync mark was not taken', error)), SETTLE_MS)
    }
    const off = workspace.onStatus((status) => {
      if (status.kind !== 'in-sync') return schedule()
      if (timer !== null) clearTimeout(timer)
      timer = null
      void takeAll().catch((error: unknown) => console.warn('Ferry: a sync mark was not taken', error))
    })
    // A doc loaded while in sync is marked at once: until then the relay held all of it, and
    // a change made right after (going offline first) must count against that, not against no mark.
    const offLoaded = workspace.onDocLoaded((name) => {
      const parsed = parseDocName(name)
      if (stopped || !parsed.ok || workspace.docStatus(name).kind !== 'in-sync') return
      workspace.doc(parsed.value.kind, parsed.value.id ?? undefined).then(
        (doc) => {
          if (!stopped && workspace.docStatus(name).kind === 'in-sync') this.take(name, doc)
        },
        (error: unknown) => console.warn('Ferry: a sync mark was not taken', error),
      )
    })
    // Edits from other devices arrive without a status change: the relay has them, so the mark moves on too.
    const poll = setInterval(schedule, POLL_MS)
    schedule()
    return () => {
      stopped = true
      off()
      offLoaded()
      clearInterval(poll)
      if (timer !== null) clearTimeout(timer)
    }
  }

  /**
   * What the relay does not have of `workspace`: every doc (loaded first; with `loadedOnly`,
   * only those loaded already) compared with its mark; docs with no change are left out. A doc
   * held without being loaded, every row of it seen by a view, whose held bytes are exactly its
   * mark is left out without being loaded: signing out of an account of 300 collections with
   * sync off loaded all of them (the views' construction, and memory kept for the session) to
   * report the one edited. A doc holding rows no view has seen is loaded as before: its view may
   * record a value they made lose as a conflict — a change of this device the relay, having
   * collected that value, no longer holds (found by an attack; `sync-marks.test.ts`). A held snapshot can differ from an equal loaded doc's
   * mark only by more deletions in the mark (ones integrating made): such a doc is loaded too.
   */
  async unsynced(workspace: MarkedWorkspace, { loadedOnly = false } = {}): Promise<UnsyncedDoc[]> {
    if (!loadedOnly) await workspace.loadAll((name) => this.#heldAsMarked(workspace, name))
    const out: UnsyncedDoc[] = []
    for (const docName of workspace.loadedDocs()) {
      const parsed = parseDocName(docName)
      if (!parsed.ok) continue
      const { kind, id } = parsed.value
      const doc = await workspace.doc(kind, id ?? undefined)
      const changes = changesSince(doc, this.mark(docName))
      if (!isUnchanged(changes)) out.push({ docName, kind, id: id ?? null, changes })
    }
    return out
  }

  /** True when `name` is held without being loaded, every row seen by a view, and holds exactly what its mark says the relay held. */
  #heldAsMarked(workspace: MarkedWorkspace, name: DocName): boolean {
    if (workspace.heldUnseen(name)) return false
    const held = workspace.heldSnapshot(name)
    if (held === null) return false
    const mark = this.mark(name)
    return mark !== null && Y.equalSnapshots(mark, held)
  }

  /** Drops every mark of `owner`'s docs (signing out wipes the docs too). */
  forget(owner: string): void {
    const prefix = `${PREFIX}${owner}:`
    const keys: string[] = []
    for (let i = 0; i < this.#storage.length; i++) {
      const key = this.#storage.key(i)
      if (key?.startsWith(prefix)) keys.push(key)
    }
    for (const key of keys) this.#storage.removeItem(key)
    for (const name of [...this.#taken.keys()]) if (name.startsWith(`${owner}:`)) this.#taken.delete(name)
  }
}
