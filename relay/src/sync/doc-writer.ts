/**
 * The persistence pipeline of one room. Updates the room accepted queue here; a group commit
 * appends everything queued as one record (one fsync). Only one commit per doc is in flight
 * and commits start at most once per `groupCommitMs`: an update arriving after a quiet spell
 * is committed in the next turn (latency ≈ one fsync), while under load everything that
 * arrives during a commit and its window rides the next one.
 * After a commit, every socket that asked (`ack=1`) and sent something in it gets the state
 * vector the doc had when the batch was cut — it covers all that socket's updates.
 *
 * A failed commit acknowledges nothing, puts its batch back at the front and retries with
 * backoff (storage full or read-only does not lose accepted updates while the process lives).
 * When the log grows, the writer folds it into a snapshot from the room's `Y.Doc` (fast,
 * unlike `Y.mergeUpdates` on long logs) in a later turn, while appends continue.
 *
 * A store that says the doc is `gone` (deleted, maybe through another relay) is never retried:
 * the writer drops everything queued and tells its room (`onGone`).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { DocName } from '@ferry/protocol'
import { isGone, type DocStore, type LogSeq } from '../storage/doc-store.ts'

/** Compact once the log holds this many updates… */
export const COMPACT_AFTER_UPDATES = 1000
/** …or this many bytes. */
export const COMPACT_AFTER_BYTES = 2 * 1024 * 1024
const RETRY_MIN_MS = 50
const RETRY_MAX_MS = 5_000

/** Runs `fn` after `ms` (in the next turn when `ms` ≤ 0: setTimeout(0) waits ≥ 1 ms); returns a cancel function. */
function later(fn: () => void, ms: number): () => void {
  if (ms > 0) {
    const timer = setTimeout(fn, ms)
    return () => clearTimeout(timer)
  }
  const immediate = setImmediate(fn)
  return () => clearImmediate(immediate)
}

export interface PersistedListener {
  persisted(stateVector: Uint8Array): void
}

export interface DocWriterOptions {
  store: DocStore
  name: DocName
  groupCommitMs: number
  log: FastifyBaseLogger
  /** The doc's full state as one update (for snapshots); null: no snapshot now (the doc in memory is not what the store holds). */
  encodeState(): Uint8Array | null
  encodeStateVector(): Uint8Array
  /** What the store held at load: last sequence number and the updates after the snapshot. */
  loaded: { seq: LogSeq; logUpdates: number; logBytes: number }
  /** The store refused a write because the doc was deleted; the writer has stopped. */
  onGone?: () => void
  /**
   * The account's quota ledger: the writer adds the bytes it queues to `queued` and takes them
   * off once stored (or dropped with a deleted doc), so a quota check counts what is accepted
   * but not stored yet.
   */
  account?: { queued: number }
  /**
   * Hears each stored commit (`compacted` null) and compaction (the state it stored), for
   * version history; called in the turn the write finished.
   */
  onStored?: (compacted: Uint8Array | null) => void
}

export class DocWriter {
  readonly #opts: DocWriterOptions
  #pending: Uint8Array[] = []
  /** Sockets to ack after the next commit (few per batch; an array is lighter than a Set per idle doc). */
  #waiters: PersistedListener[] = []
  #committing = false
  /** Cancels the scheduled commit or retry, if any. */
  #timer: (() => void) | null = null
  #retryMs = 0
  #seq: LogSeq
  #logUpdates: number
  #logBytes: number
  #compaction: Promise<void> | null = null
  /** The append of the commit in flight, so `abandon` can wait for it. */
  #appending: Promise<LogSeq> | null = null
  #abandoned = false
  #idleWaiters: Array<() => void> = []
  #closed = false
  #lastCommitAt = Number.NEGATIVE_INFINITY
  /** Bytes of the updates queued or in flight, as counted in `account.queued`. */
  #queuedBytes = 0

  constructor(opts: DocWriterOptions) {
    this.#opts = opts
    this.#seq = opts.loaded.seq
    this.#logUpdates = opts.loaded.logUpdates
    this.#logBytes = opts.loaded.logBytes
  }

  /** True while accepted updates or acks are not yet stored. */
  get dirty(): boolean {
    return this.#pending.length > 0 || this.#waiters.length > 0 || this.#committing
  }

  /** True once the store holds a record of the doc (loaded with one, or appended since): until then, storing anything creates the doc. */
  get stored(): boolean {
    return this.#seq > 0
  }

  /** True when the last commit failed and a retry is scheduled. */
  get failing(): boolean {
    return this.#retryMs > 0
  }

  /** Queues an update for the next commit; dropped once the doc was deleted. */
  add(update: Uint8Array): void {
    if (this.#abandoned) return
    this.#pending.push(update)
    this.#count(update.length)
    this.#schedule()
  }

  /** Adds `bytes` to what is queued (negative: stored or dropped), here and in the account's ledger. */
  #count(bytes: number): void {
    const change = Math.max(bytes, -this.#queuedBytes)
    this.#queuedBytes += change
    if (this.#opts.account) this.#opts.account.queued += change
  }

  /** Sends `listener` the doc's state vector once everything queued so far is stored. */
  ackAfter(listener: PersistedListener): void {
    if (this.#abandoned) return
    if (!this.#waiters.includes(listener)) this.#waiters.push(listener)
    this.#schedule()
  }

  /** A socket went away: it gets no ack (its updates are still stored). */
  forget(listener: PersistedListener): void {
    this.#waiters = this.#waiters.filter((waiter) => waiter !== listener)
  }

  /** Resolves once nothing is pending or in flight. While storage fails, it waits for a retry to succeed. */
  flush(): Promise<void> {
    if (!this.dirty) return Promise.resolve()
    if (this.#timer && !this.failing) {
      this.#timer()
      this.#timer = null
      void this.#commit()
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Folds the log into a snapshot now (at unload); waits for one already running. */
  async compact(): Promise<void> {
    if (this.#compaction) await this.#compaction
    if (this.#logUpdates === 0) return
    await this.#startCompaction()
  }

  /** Resolves when no compaction is running, so the store can be released or closed under it. */
  async settled(): Promise<void> {
    if (this.#compaction) await this.#compaction
  }

  /** Stops timers; pending updates stay unstored (call `flush()` first). */
  close(): void {
    this.#closed = true
    this.#timer?.()
    this.#timer = null
  }

  /**
   * The doc was deleted: stops for good, drops what is queued (never stored, never acked) and
   * resolves once no append or compaction of this writer is running any more.
   */
  async abandon(): Promise<void> {
    this.close()
    this.#abandoned = true
    this.#pending = []
    this.#waiters = []
    this.#count(-this.#queuedBytes)
    for (const resolve of this.#idleWaiters.splice(0)) resolve()
    await Promise.allSettled([this.#appending, this.#compaction])
  }

  #gone(): void {
    if (this.#abandoned) return
    void this.abandon()
    this.#opts.onGone?.()
  }

  #schedule(): void {
    if (this.#committing || this.#timer || this.#closed) return
    const wait = this.#lastCommitAt + this.#opts.groupCommitMs - performance.now()
    const run = () => {
      this.#timer = null
      void this.#commit()
    }
    this.#timer = later(run, wait)
  }

  async #commit(): Promise<void> {
    if (this.#committing || this.#closed) return
    this.#committing = true
    this.#lastCommitAt = performance.now()
    const batch = this.#pending
    const waiters = this.#waiters
    this.#pending = []
    this.#waiters = []
    const stateVector = this.#opts.encodeStateVector()
    try {
      if (batch.length > 0) {
        this.#appending = this.#opts.store.append(this.#opts.name, batch)
        this.#seq = await this.#appending
        this.#logUpdates += batch.length
        let bytes = 0
        for (const update of batch) bytes += update.length
        this.#logBytes += bytes
        this.#count(-bytes)
        this.#opts.onStored?.(null)
      }
      this.#retryMs = 0
    } catch (error) {
      this.#committing = false
      if (isGone(error) || this.#abandoned) {
        for (const resolve of this.#idleWaiters.splice(0)) resolve()
        return this.#gone()
      }
      this.#pending = batch.concat(this.#pending)
      this.#waiters = waiters.concat(this.#waiters.filter((waiter) => !waiters.includes(waiter)))
      this.#retryMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.#retryMs * 2))
      this.#opts.log.error({ err: error, retryInMs: this.#retryMs }, 'storing document updates failed; will retry')
      if (!this.#closed) {
        this.#timer = later(() => {
          this.#timer = null
          void this.#commit()
        }, this.#retryMs)
      }
      return
    }
    this.#committing = false
    for (const waiter of waiters) waiter.persisted(stateVector)
    if (this.#pending.length > 0 || this.#waiters.length > 0) {
      this.#schedule()
    } else {
      for (const resolve of this.#idleWaiters.splice(0)) resolve()
    }
    if (!this.#closed && (this.#logUpdates >= COMPACT_AFTER_UPDATES || this.#logBytes >= COMPACT_AFTER_BYTES)) {
      // In a later turn, so the acks above go out before the snapshot is encoded; tracked from
      // now on, so an unload that starts meanwhile waits for it instead of releasing the store.
      void this.#startCompaction(new Promise((resolve) => setImmediate(resolve)))
    }
  }

  #startCompaction(after: Promise<void> = Promise.resolve()): Promise<void> {
    this.#compaction ??= after
      .then(async () => {
        const through = this.#seq
        const folded = { updates: this.#logUpdates, bytes: this.#logBytes }
        const state = this.#opts.encodeState()
        if (state === null) return
        await this.#opts.store.compact(this.#opts.name, state, through)
        this.#logUpdates -= folded.updates
        this.#logBytes -= folded.bytes
        this.#opts.onStored?.(state)
      })
      .catch((error: unknown) => {
        if (isGone(error)) this.#gone()
        else this.#opts.log.error({ err: error }, 'compacting a document failed; the log is kept')
      })
      .finally(() => {
        this.#compaction = null
      })
    return this.#compaction
  }
}
