/**
 * A room's document, loaded only while it is used. Work that needs the doc (a task: an update
 * or sync step 1 from a socket, an update from another relay instance, a socket joining) runs
 * at once while it is loaded; otherwise the task waits and the doc loads, and the waiting
 * tasks run in the order they came, before anything that comes after them — so frames that
 * arrive during a load (the first one or a later one) are handled as if the doc had been
 * there. Work that does not need the doc (presence) can wait its turn behind them without
 * loading anything (`inTurn`).
 *
 * Every use is counted: an unload (rooms.ts) stores and compacts first, and lets go of the doc
 * only if nothing used it meanwhile, so an unload never loses or delays a frame.
 *
 * While unloaded it may keep the doc as the store held it (`keep`: one update and its state
 * vector, read to answer a client that held nothing), for the next such client; loading the
 * doc, or an update it lacks (`forgetStored`), drops that.
 */
import * as Y from 'yjs'
import type { RoomDoc } from './room-doc.ts'
import type { StoredState } from './stored-state.ts'

export interface DocTask {
  /** Runs with the doc loaded (null: a task that needs none). A task that waited and throws fails with phase 'run'. */
  run(doc: RoomDoc | null): void
  /** The task will not run: the doc did not load ('load'), or running it threw ('run'). */
  fail(error: unknown, phase: 'load' | 'run'): void
  /** Bytes it holds while it waits. */
  readonly bytes: number
}

export interface LazyDocOptions {
  load(): Promise<RoomDoc>
  /** The doc loaded and the tasks waiting for it ran. */
  onLoaded(): void
  /** The doc did not load; the tasks waiting for it failed. */
  onLoadFailed(error: unknown): void
  /** A doc that loaded after `abandon`: the caller frees it. */
  discard(doc: RoomDoc): void
  /** Tasks (and their bytes) that may wait for a load; past either, `run` refuses more. */
  readonly maxTasks: number
  readonly maxBytes: number
}

export type LazyDocState = 'loaded' | 'loading' | 'unloaded'

/**
 * Bytes of waiting tasks run per turn once the doc loaded; the rest run in later turns (still
 * before anything newer). Relaying many large frames in one turn would queue them all on the
 * other sockets at once, and a reader that keeps up could be cut off as a slow one.
 */
const DRAIN_BYTES_PER_TURN = 1024 * 1024

export class LazyDoc {
  readonly #opts: LazyDocOptions
  #doc: RoomDoc | null = null
  #loading: Promise<void> | null = null
  /** Tasks waiting for the doc; `needsDoc` false: waiting only for its turn. */
  #tasks: Array<{ task: DocTask; needsDoc: boolean }> = []
  #taskBytes = 0
  /** Counts uses of the doc, for unloads to see whether it was used meanwhile. */
  uses = 0
  /** Counts loads started, for a read of the store to see whether the doc changed meanwhile. */
  loads = 0
  /** When the doc was last used (performance.now()). */
  lastUsedAt = performance.now()
  /** The doc's state vector when it last unloaded: what the store held then. Null while loaded. */
  keptStateVector: Uint8Array | null = null
  /** Set by `abandon` (with its error): nothing loads any more. */
  #abandoned: { error: unknown } | null = null
  /** The doc as the store held it, kept while unloaded (see `keep`). */
  #stored: StoredState | null = null
  /**
   * Set while a socket joins the unloaded doc from the store's bytes (a new device's open):
   * a question arriving meanwhile waits for the state that join keeps instead of loading.
   */
  reading: Promise<unknown> | null = null

  constructor(opts: LazyDocOptions) {
    this.#opts = opts
  }

  get doc(): RoomDoc | null {
    return this.#doc
  }

  get state(): LazyDocState {
    return this.#doc ? 'loaded' : this.#loading ? 'loading' : 'unloaded'
  }

  /** The doc as the store held it when last read without loading, while kept. */
  get stored(): StoredState | null {
    return this.#stored
  }

  /** Keeps `state`, what the store holds of the unloaded doc now (and its state vector as `keptStateVector`); counts as a use. */
  keep(state: StoredState): void {
    this.#stored = state
    this.keptStateVector = state.stateVector
    this.touch()
  }

  /** Drops the stored state kept (it lacks an update, or is no longer wanted). */
  forgetStored(): void {
    this.#stored = null
  }

  touch(): void {
    this.uses++
    this.lastUsedAt = performance.now()
  }

  /**
   * Runs `task` with the doc: now when it is loaded and nothing waits, else after the tasks
   * waiting before it, loading the doc. False (and `task` dropped) when `bounded` and too many
   * tasks or bytes wait already.
   */
  run(task: DocTask, bounded = true): boolean {
    this.touch()
    if (this.#doc && this.#tasks.length === 0) {
      task.run(this.#doc)
      return true
    }
    if (bounded && (this.#tasks.length >= this.#opts.maxTasks || this.#taskBytes + task.bytes > this.#opts.maxBytes)) return false
    this.#tasks.push({ task, needsDoc: true })
    this.#taskBytes += task.bytes
    this.#load()
    return true
  }

  /**
   * Runs `task`, which needs no doc, now (errors go to the caller) or after the tasks waiting,
   * without loading anything.
   */
  inTurn(task: DocTask): void {
    if (this.#tasks.length === 0) return task.run(null)
    this.#tasks.push({ task, needsDoc: false })
    this.#taskBytes += task.bytes
  }

  /** Whether the store held, when the doc unloaded, something `stateVector` lacks (true while it is loaded). */
  keptBeyond(stateVector: Uint8Array): boolean {
    return this.keptStateVector === null || lacks(stateVector, this.keptStateVector)
  }

  /** Whether `stateVector` holds something the store did not when the doc unloaded (true while it is loaded). */
  keptBehind(stateVector: Uint8Array): boolean {
    return this.keptStateVector === null || lacks(this.keptStateVector, stateVector)
  }

  /** Resolves once no load is in flight and what waited for it ran. */
  async settled(): Promise<void> {
    while (this.#loading || (this.#doc && this.#tasks.length > 0)) {
      if (this.#loading) await this.#loading
      else await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /**
   * Lets go of the loaded doc (call only once everything is stored) and keeps its state
   * vector; returns the doc for the caller to destroy.
   */
  unload(): RoomDoc | null {
    const doc = this.#doc
    if (!doc || this.#tasks.length > 0) return null
    this.keptStateVector = doc.stateVector()
    this.#doc = null
    return doc
  }

  /**
   * Lets go of `doc` now, even with tasks waiting (they load it again, once its release let go
   * of it): an update was refused part-applied, so it is ahead of the store. `stateVector`: what
   * the store holds. False when `doc` is not the one loaded.
   */
  drop(doc: RoomDoc, stateVector: Uint8Array): boolean {
    if (this.#doc !== doc) return false
    this.#doc = null
    this.keptStateVector = stateVector
    if (this.#tasks.length > 0) this.#load()
    return true
  }

  /** Fails every waiting task (the doc was deleted); returns the loaded doc, if any, for the caller to abandon. */
  abandon(error: unknown): RoomDoc | null {
    this.#abandoned = { error }
    const doc = this.#doc
    this.#doc = null
    this.#fail(error)
    return doc
  }

  #load(): void {
    if (this.#doc || this.#loading) return
    if (this.#abandoned) return this.#fail(this.#abandoned.error)
    this.#stored = null
    this.loads++
    this.#loading = this.#opts.load().then(
      (doc) => {
        this.#loading = null
        if (this.#abandoned) return this.#opts.discard(doc)
        this.#doc = doc
        this.keptStateVector = null
        this.#drain(doc)
        this.#opts.onLoaded()
      },
      (error: unknown) => {
        this.#loading = null
        this.#fail(error)
        this.#opts.onLoadFailed(error)
      },
    )
  }

  /**
   * Runs the waiting tasks in order, about `DRAIN_BYTES_PER_TURN` per turn; a task may add
   * more (behind the rest), which run too.
   */
  #drain(doc: RoomDoc | null): void {
    let budget = DRAIN_BYTES_PER_TURN
    while (this.#tasks.length > 0 && this.#doc === doc) {
      if (budget <= 0) {
        setImmediate(() => this.#drain(doc))
        return
      }
      const { task, needsDoc } = this.#tasks.shift()!
      budget -= task.bytes
      this.#taskBytes -= task.bytes
      try {
        task.run(needsDoc ? doc : null)
      } catch (error) {
        task.fail(error, 'run')
      }
    }
  }

  /** Fails the tasks that needed the doc; those that did not still run, in order. */
  #fail(error: unknown): void {
    const tasks = this.#tasks.splice(0)
    this.#taskBytes = 0
    for (const { task, needsDoc } of tasks) {
      if (needsDoc) task.fail(error, 'load')
      else this.#tasks.push({ task, needsDoc })
    }
    this.#drain(null)
  }
}

/** Whether state vector `a` lacks a clock of `b`. */
function lacks(a: Uint8Array, b: Uint8Array): boolean {
  const have = Y.decodeStateVector(a)
  for (const [client, clock] of Y.decodeStateVector(b)) if ((have.get(client) ?? 0) < clock) return true
  return false
}
