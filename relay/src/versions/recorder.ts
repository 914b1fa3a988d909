/**
 * Takes the versions of one loaded collection doc (docs/decisions.md, "Version history"): after
 * a stored commit once `intervalMs` passed since the last version, and at every compaction —
 * each only when the doc changed since the last version. A version is cut as a delta against
 * the last one (its state vector is kept here after the first), with the sessions that wrote
 * since and a summary (items added, removed, changed) diffed by @ferry/schema against the last
 * version's state. Versions are taken in order, one at a time, off the write path: a failure
 * is logged and the next one tries again (the live doc is never affected). Pruning (expiry and
 * thinning, chain.ts) runs after a version at most once per 1/720 of the retention.
 */
import * as Y from 'yjs'
import { diffFlat, flatten, summarize, type FlatCollection } from '@ferry/schema'
import type { FastifyBaseLogger } from 'fastify'
import type { DocName } from '@ferry/protocol'
import { VersionStoreError, type VersionStore } from '../storage/versions/version-store.ts'
import { prune, rebuild } from './chain.ts'
import { cutDelta, deleteSetOf } from './delta.ts'

export interface VersionPolicy {
  /** Least time between two versions taken after commits, ms. */
  readonly intervalMs: number
  /** How long an unnamed version is kept, ms. */
  readonly retentionMs: number
  /** The clock, ms since the epoch (injectable for tests and the bench). */
  readonly now: () => number
}

/** What the recorder knows of the last version: when, its state vector, delete set and reading. */
interface Head {
  readonly at: number
  readonly stateVector: Uint8Array
  readonly deleteSet: ReturnType<typeof deleteSetOf>
  readonly read: FlatCollection
}

/** A state read as a collection, with its delete set. */
const readState = (update: Uint8Array): { read: FlatCollection; deleteSet: ReturnType<typeof deleteSetOf> } => {
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, update)
    return { read: flatten(doc), deleteSet: deleteSetOf(doc) }
  } finally {
    doc.destroy()
  }
}

/** Pruning runs at most once per this fraction of the retention (an hour at 30 days). */
const PRUNE_EVERY = 720

export class VersionRecorder {
  #changed = false
  readonly #devices = new Set<string>()
  /** Undefined until read from the store (when a version is taken); null: the doc has no version yet. */
  #head: Head | null | undefined = undefined
  /** When this recorder last pruned (null: not yet). */
  #prunedAt: number | null = null
  /** When the last version was taken: undefined until read, null when there is none. */
  #lastAt: number | null | undefined = undefined
  #queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: VersionStore,
    private readonly name: DocName,
    private readonly policy: VersionPolicy,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The doc accepted an update that changed it, from `session` (null: not a signed-in socket). */
  changed(session: string | null): void {
    // The first change of a load reads when the last version was taken (the index only).
    if (!this.#changed && this.#lastAt === undefined) this.#enqueue(() => this.#loadLastAt())
    this.#changed = true
    if (session !== null) this.#devices.add(session)
  }

  /**
   * A commit or compaction was stored. `state` encodes the doc now (called at once, never
   * later: the doc may unload), for a compaction the state it stored.
   */
  stored(compaction: boolean, state: () => Uint8Array): void {
    if (!this.#changed) return
    const lastAt = this.#lastAt
    const at = this.policy.now()
    if (!compaction && lastAt != null && at - lastAt < this.policy.intervalMs) return
    const bytes = state()
    const devices = [...this.#devices]
    this.#changed = false
    this.#devices.clear()
    if (compaction || lastAt !== undefined) {
      this.#lastAt = at
      this.#enqueue(() => this.#take(bytes, devices, at))
      return
    }
    // When the last version was taken is still being read: decided once it is known.
    this.#enqueue(async () => {
      await this.#loadLastAt()
      const known = this.#lastAt
      if (known != null && at - known < this.policy.intervalMs) {
        this.#changed = true
        for (const device of devices) this.#devices.add(device)
        return
      }
      this.#lastAt = at
      await this.#take(bytes, devices, at)
    })
  }

  /** A version was added beside this recorder: the next one is cut against what the store holds then. */
  forgetHead(): void {
    this.#enqueue(async () => {
      this.#head = undefined
    })
  }

  /** Resolves once every version queued so far is stored (or failed and was logged). */
  settled(): Promise<void> {
    return this.#queue
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      this.#head = undefined
      // A deleted doc keeps no versions: nothing to retry or report.
      if (error instanceof VersionStoreError && error.code === 'gone') return
      this.#changed = true
      this.log.error({ err: error, doc: this.name }, 'taking a version failed; the next change tries again')
    })
  }

  async #loadLastAt(): Promise<void> {
    if (this.#lastAt !== undefined) return
    this.#lastAt = (await this.store.list(this.name)).at(-1)?.at ?? null
  }

  async #loadHead(): Promise<void> {
    if (this.#head !== undefined) return
    const versions = await this.store.list(this.name)
    const last = versions.at(-1)
    if (!last) {
      this.#head = null
      return
    }
    const doc = await rebuild(this.store, this.name, last.id, versions)
    try {
      this.#head = { at: last.at, stateVector: Y.encodeStateVector(doc), deleteSet: deleteSetOf(doc), read: flatten(doc) }
    } finally {
      doc.destroy()
    }
  }

  async #take(state: Uint8Array, devices: string[], at: number): Promise<void> {
    await this.#loadHead()
    const head = this.#head ?? null
    const { read, deleteSet } = readState(state)
    const summary = head ? summarize(diffFlat(head.read, read)) : { added: read.items.size, removed: 0, changed: 0 }
    const update = head ? cutDelta(state, deleteSet, head.stateVector, head.deleteSet) : state
    const stateVector = Y.encodeStateVectorFromUpdate(state)
    await this.store.add(this.name, { at, devices, summary, name: null, base: head === null }, { stateVector, update })
    this.#head = { at, stateVector, deleteSet, read }
    await this.#prune()
  }

  /** Prunes (expires and thins, see `kept`) at most once per `PRUNE_EVERY` of the retention. */
  async #prune(): Promise<void> {
    const now = this.policy.now()
    if (this.#prunedAt !== null && now - this.#prunedAt < this.policy.retentionMs / PRUNE_EVERY) return
    this.#prunedAt = now
    await prune(this.store, this.name, now, this.policy.retentionMs)
  }
}
