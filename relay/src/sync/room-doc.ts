/**
 * A room's document while it is loaded: the `Y.Doc` built from what the store holds (to answer
 * a sync step 1 with exactly what a client lacks, to compare digests, to snapshot) and the
 * `DocWriter` that stores what the room accepts. A room drops it when idle and builds a new one
 * from the store on the next frame that needs it (`LazyDoc`); everything else about the room —
 * its sockets, presence, broadcast subscription — stays.
 */
import * as Y from 'yjs'
import { encodeMessage, TOO_COSTLY_REASON, type DocName } from '@ferry/protocol'
import type { StoredDoc } from '../storage/doc-store.ts'
import { DOC_OVERHEAD_BYTES } from '../storage/usage.ts'
import { applyUpdates, storedUpdates } from '../storage/yjs-updates.ts'
import type { VersionRecorder } from '../versions/recorder.ts'
import { DocWriter, type DocWriterOptions } from './doc-writer.ts'
import { UpdateTooCostly, type MemoryBudget } from './memory-budget.ts'
import type { AccountQuota } from './quota.ts'
import { applySliced, SLICE_STRUCTS } from './sliced-apply.ts'
import { ApplyClock, ApplyTooCostly, applyBudgetMs } from './apply-budget.ts'
import { MAX_TYPE_DEPTH, nestsTooDeep } from './type-depth.ts'
import { walksOnlyItself } from './integration-walk.ts'

export type RoomWriterOptions = Omit<DocWriterOptions, 'name' | 'encodeState' | 'encodeStateVector' | 'loaded' | 'onStored'>

/** The sign-in session an update came from, when its origin is a socket that has one. */
const sessionOf = (origin: unknown): string | null => {
  const session = (origin as { sessionId?: unknown } | null)?.sessionId
  return typeof session === 'string' ? session : null
}

export class RoomDoc {
  readonly doc: Y.Doc
  readonly writer: DocWriter
  #changed = false
  /** Estimated heap the doc takes (memory-budget.ts), charged to `#budget` until it is destroyed. */
  #cost = 0
  #budget: MemoryBudget | null = null
  /**
   * Set once an update was refused part-applied (`apply`): the state vector before it, i.e. what
   * the store holds once the writer flushed. The doc is then only flushed and dropped: nothing
   * more is taken from it — no compaction, no version — as it is ahead of the store.
   */
  #spoiled: Uint8Array | null = null

  /**
   * Throws when a stored update is not a Yjs update. `versions` takes the doc's versions (null:
   * it keeps none) from what the writer stores.
   */
  constructor(name: DocName, stored: StoredDoc, writer: RoomWriterOptions, readonly versions: VersionRecorder | null = null) {
    // Named by the doc: Yjs' default random guid (a uuid from 36 random draws) took ~15% of a load of 303 docs.
    this.doc = new Y.Doc({ guid: name })
    applyUpdates(this.doc, storedUpdates(stored))
    const doc = this.doc
    this.writer = new DocWriter({
      ...writer,
      name,
      encodeState: () => (this.#spoiled ? null : Y.encodeStateAsUpdate(doc)),
      encodeStateVector: () => this.#spoiled ?? Y.encodeStateVector(doc),
      ...(versions && {
        onStored: (compacted: Uint8Array | null) => {
          if (!this.#spoiled) versions.stored(compacted !== null, () => compacted ?? Y.encodeStateAsUpdate(doc))
        },
      }),
      loaded: {
        seq: stored.seq,
        logUpdates: stored.updates.length,
        logBytes: stored.updates.reduce((sum, u) => sum + u.length, 0),
      },
    })
    // Not the 'update' event: listening to it makes Yjs encode every transaction as an update.
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.deleteSet.clients.size > 0) this.#changed = true
      else for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) this.#changed = true
    })
  }

  /**
   * Applies `update` (`decoded`, or decoded in full first, so a malformed one throws without
   * touching the doc); true when it changed the doc or waits for missing updates, i.e. is
   * worth relaying. Throws `UpdateTooCostly`, untouched, for one that would nest types too deep.
   * With `clock` (an update from a socket) it applies in slices within its time budget
   * (apply-budget.ts; `clock` counts from before the call): past it, it throws `ApplyTooCostly`
   * with the doc part-applied and `spoiled` — as after any throw while applying: drop the doc
   * without storing its state.
   */
  apply(update: Uint8Array, origin: unknown, decoded: ReturnType<typeof Y.decodeUpdate> = Y.decodeUpdate(update), clock: ApplyClock | null = null): boolean {
    if (nestsTooDeep(this.doc, decoded.structs)) throw new UpdateTooCostly(`${TOO_COSTLY_REASON}: its shared types would nest deeper than ${MAX_TYPE_DEPTH} levels`)
    this.#changed = false
    if (clock) {
      const budget = applyBudgetMs(update.length, decoded.structs.length)
      const before = Y.encodeStateVector(this.doc)
      let applied = false
      try {
        // One slice at most, nothing waiting that it could release, and no struct walking past
        // the doc's items (integration-walk.ts): slicing would stop nowhere, so Yjs applies it
        // as it is (most updates: a keystroke, a field).
        if (decoded.structs.length <= SLICE_STRUCTS && this.doc.store.pendingStructs === null && walksOnlyItself(this.doc, decoded.structs)) {
          Y.applyUpdate(this.doc, update, origin)
          applied = true
        } else applied = applySliced(this.doc, decoded, origin, () => clock.elapsedMs > budget)
      } finally {
        // Stopped, or thrown part-way (the caller hears why): either way ahead of the store.
        if (!applied) this.#spoiled = before
      }
      if (!applied) throw new ApplyTooCostly(budget)
    } else Y.applyUpdate(this.doc, update, origin)
    if (this.#changed) this.versions?.changed(sessionOf(origin))
    const store = this.doc.store
    return this.#changed || store.pendingStructs !== null || store.pendingDs !== null
  }

  /** The state vector before an update was refused part-applied (what the store holds), or null. */
  get spoiled(): Uint8Array | null {
    return this.#spoiled
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc)
  }

  /** The doc's sync step 1 (its state vector). */
  step1(): Uint8Array {
    return encodeMessage({ type: 'sync-step1', stateVector: this.stateVector() })
  }

  /**
   * Whether storing `update` keeps the owner within `quota`. Every update counts with its full
   * size (that is what is stored), and the first one of a doc the store does not hold yet with
   * the doc's overhead too (`DOC_OVERHEAD_BYTES`: it creates the doc); past the limit only one that frees space passes: nothing the
   * doc lacks, and deletions only of items the doc holds — an update of made-up deletions
   * would otherwise be stored without bound. Checked before the update touches the doc:
   * refusing after applying would leave the doc ahead of the store.
   */
  admits(update: Uint8Array, quota: AccountQuota): boolean {
    if (quota.admits(update.length + (this.writer.stored ? 0 : DOC_OVERHEAD_BYTES))) return true
    const novel = Y.decodeUpdate(Y.diffUpdate(update, this.stateVector()))
    if (novel.structs.length > 0) return false
    for (const [client, ranges] of Y.decodeUpdate(update).ds.clients) {
      const held = Y.getState(this.doc.store, client)
      if (ranges.some((range) => range.clock + range.len > held)) return false
    }
    return true
  }

  /** Estimated heap the doc takes: what it loaded and every update applied since. */
  get cost(): number {
    return this.#cost
  }

  /** Counts `bytes` more of estimated heap against `budget` (the relay's), until the doc is destroyed. */
  charge(bytes: number, budget: MemoryBudget): void {
    this.#budget = budget
    this.#cost += bytes
    budget.take(bytes)
  }

  /** Stops the writer's timers and frees the doc (flush the writer first); gives its estimate back to the budget. */
  destroy(): void {
    this.writer.close()
    this.doc.destroy()
    this.#budget?.give(this.#cost)
    this.#cost = 0
  }
}
