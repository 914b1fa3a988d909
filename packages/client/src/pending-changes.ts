/**
 * Which local changes of one doc the relay has durably stored. A `persisted` message carries
 * only a state vector, which proves inserts stored but says nothing about deletions (they do
 * not advance a state vector). So each change also remembers which send carried it, and
 * counting helps: the relay acks each group commit to every socket that sent something in it,
 * commits hold disjoint, ordered runs of a socket's sends, so after `n` acks on a socket at
 * least its first `n` sends are stored. When a change with deletions still waits on that
 * count, an empty update is sent as a probe to draw one more ack.
 */
import { covers, mergeClocks, type Clocks } from './sync-status.ts'

interface Change {
  /** Order of recording, for `settle`. */
  readonly seq: number
  readonly clocks: Clocks
  readonly hasDeletes: boolean
  /** Index of the send (on the current socket) that carried it; null when not sent yet. */
  sendIndex: number | null
}

/** The empty Yjs update (no structs, no deletions): a probe the relay stores and acks. */
export const EMPTY_UPDATE = new Uint8Array([0, 0])

/** True when a v1 update deletes something: its delete set (last section) is not empty. */
export function hasDeletions(update: Uint8Array): boolean {
  // An empty delete set is the var-uint 0 as the last byte; a non-empty one ends with a length ≥ 1.
  return update.length > 0 && update[update.length - 1] !== 0
}

export class PendingChanges {
  readonly #relay: Clocks = new Map()
  #changes: Change[] = []
  #sent = 0
  #acks = 0
  /** Ack count when the last probe went out; one more ack allows the next probe. */
  #acksAtProbe: number | null = null
  #seq = 0

  /** Local changes the relay has not confirmed. */
  get count(): number {
    return this.#changes.length
  }

  /** Records a local change; `hasDeletes` when it deletes anything (or may: state loaded from disk). */
  add(clocks: Clocks, hasDeletes: boolean): void {
    this.#changes.push({ seq: ++this.#seq, clocks, hasDeletes, sendIndex: null })
  }

  /** A mark to `settle` later: every change recorded so far. */
  mark(): number {
    return this.#seq
  }

  /**
   * The relay holds every change recorded up to `mark`, deletions included — the multiplexed
   * open found both replicas equal at that point (same state vector and delete-set hash).
   */
  settle(mark: number): void {
    this.#changes = this.#changes.filter((c) => c.seq > mark)
  }

  /** A new socket: send and ack counts start over; nothing is in flight on it yet. */
  newSocket(): void {
    this.#sent = 0
    this.#acks = 0
    this.#acksAtProbe = null
    for (const change of this.#changes) change.sendIndex = null
  }

  /** A sync step 2 went out, in `messages` messages: together they carry every change so far (and all deletions). */
  sentAll(messages = 1): void {
    this.#sent += messages
    for (const change of this.#changes) change.sendIndex = this.#sent
  }

  /** The newest change went out as an update. */
  sentLatest(): void {
    this.#sent++
    const latest = this.#changes.at(-1)
    if (latest) latest.sendIndex = this.#sent
  }

  /** The relay sent us these clocks: it holds them (they were never ours to store). */
  relayHas(clocks: ReadonlyMap<number, number>): void {
    mergeClocks(this.#relay, clocks)
    this.#prune()
  }

  /** A `persisted` ack on the current socket. */
  persisted(clocks: ReadonlyMap<number, number>): void {
    this.#acks++
    mergeClocks(this.#relay, clocks)
    this.#prune()
  }

  /**
   * The relay's stored state, told unasked (the `persisted` that follows a multiplexed open):
   * it proves inserts stored, but acknowledges none of this socket's sends.
   */
  relayStored(clocks: ReadonlyMap<number, number>): void {
    mergeClocks(this.#relay, clocks)
    this.#prune()
  }

  /** True when a probe should be sent now to draw the ack a waiting deletion needs. */
  wantsProbe(): boolean {
    if (this.#acksAtProbe !== null && this.#acks <= this.#acksAtProbe) return false
    return this.#changes.some((c) => c.hasDeletes && c.sendIndex !== null && this.#acks < c.sendIndex)
  }

  sentProbe(): void {
    this.#sent++
    this.#acksAtProbe = this.#acks
  }

  #prune(): void {
    this.#changes = this.#changes.filter(
      (c) => !covers(this.#relay, c.clocks) || (c.hasDeletes && (c.sendIndex === null || this.#acks < c.sendIndex)),
    )
  }
}
