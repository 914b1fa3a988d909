/**
 * One doc's side of the sync protocol, apart from the socket it runs on: y-websocket sync
 * (step 1 / step 2 / update) with Ferry's `persisted` acks, so the status says `in sync` only
 * once the relay has durably stored every local change; the catch-up after offline work in
 * pieces (catch-up.ts); fragments for any message over `FRAGMENT_CHUNK_BYTES`; and what a
 * refusal means (close-outcome.ts). A transport (`DocSocket`: a socket of its own;
 * `MuxConnection`: the account's one socket) binds a `DocLink` and drives it: connecting,
 * offline, open, frames in, refusals.
 *
 * On the multiplexed socket a doc is opened by the account's batched `open`, which carries its
 * state vector and delete-set hash instead of a step 1. The relay sends nothing for a doc whose
 * replica matches its own, so `opened` naming the doc without a step 1 having asked for more
 * means the relay holds everything this replica held at the open (`PendingChanges.settle`).
 */
import { encodeMessage, fragmentFrame, type DocName, type Message } from '@ferry/protocol'
import * as Y from 'yjs'
import { Emitter } from '../emitter.ts'
import { EMPTY_UPDATE, hasDeletions, PendingChanges } from '../pending-changes.ts'
import { sameStatus, type SyncStatus } from '../sync-status.ts'
import { closeOutcome, DELETED_STATUS, type CloseOutcome } from './close-outcome.ts'
import { asReplica, type Replica } from './replica.ts'
import type { DocLink, DocSync, OpenSnapshot } from './types.ts'

export type { DocLink, OpenSnapshot } from './types.ts'

type Phase = 'idle' | 'connecting' | 'offline' | 'waiting' | 'opening' | 'open' | 'stopped'

/** One multiplexed open of the doc, from the snapshot to `opened`. */
interface Round {
  readonly mark: number
  readonly stateVector: Uint8Array
  /** The relay asked for more (a step 1): its acks, not the open, cover our changes. */
  step1: boolean
  /** The first open on this socket: nothing was sent on the doc's channel before it. */
  readonly fresh: boolean
}

export class DocProtocol implements DocSync {
  readonly docName: DocName
  readonly #replica: Replica
  readonly #stopUpdates: () => void
  readonly #events = new Emitter<{ status: SyncStatus; deleted: void }>()
  readonly #pending = new PendingChanges()
  #link: DocLink | null = null
  #phase: Phase = 'idle'
  #status: SyncStatus = { kind: 'connecting' }
  /** Set once the relay's state arrived on the current socket. */
  #handshakeDone = false
  /** Stopped because the relay refused a change for its size or the quota: `syncNow()` may try again. */
  #held = false
  /** Largest message (before fragmenting) sent on the current socket, bytes. */
  #largestSent = 0
  #nextFragmentId = 0
  #round: Round | null = null
  /** Local changes made while the doc was opening, not sent yet. */
  #unshipped = false
  /**
   * The relay answers an `open` with its stored state in a `persisted` — told unasked, so not
   * an ack of any send — possibly after `opened` (once its writer stored what it held). Until
   * one arrives, the next `persisted` is taken as that: at worst a real ack is not counted and
   * a deletion waits for one more (the probe draws it); never is a send counted unacked.
   */
  #unaskedPersisted = false
  #released = false

  /** Syncs `doc`: a loaded `Y.Doc`, or a replica (a doc held without being loaded, local/lazy-doc.ts). */
  constructor(doc: Y.Doc | Replica, docName: DocName) {
    this.#replica = asReplica(doc)
    this.docName = docName
    // What was loaded from disk may hold changes never sent (deletions included).
    const loaded = Y.decodeStateVector(this.#replica.stateVector())
    if (loaded.size > 0) this.#pending.add(loaded, true)
    this.#stopUpdates = this.#replica.onUpdate(this.#onDocUpdate)
  }

  get status(): SyncStatus {
    return this.#status
  }

  get hasSocket(): boolean {
    return this.#phase !== 'stopped' && (this.#link?.hasSocket ?? false)
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /** Called once the relay said the doc was deleted (4410) and will not come back. */
  onDeleted(listener: () => void): () => void {
    return this.#events.on('deleted', listener)
  }

  syncNow(): void {
    if (this.#phase === 'stopped' && this.#held) {
      this.#held = false
      this.#phase = 'idle'
    }
    if (this.#phase === 'stopped') return
    this.#link?.syncNow()
  }

  /** Stops for good; resolves once the doc's socket or channel is closed. The doc is left as is. */
  destroy(): Promise<void> {
    this.#released = true
    this.#phase = 'stopped'
    this.#stopUpdates()
    this.#events.clear()
    const link = this.#link
    this.#link = null
    return link?.release() ?? Promise.resolve()
  }

  // ——— the transport's side ———

  bind(link: DocLink): void {
    this.#link = link
  }

  /** Destroyed by its owner: no transport may carry it any more. */
  get released(): boolean {
    return this.#released
  }

  get stopped(): boolean {
    return this.#phase === 'stopped'
  }

  get isOpen(): boolean {
    return this.#phase === 'open'
  }

  /** A socket is being opened (a token fetched, a handshake under way). */
  connecting(): void {
    if (this.#phase === 'stopped') return
    this.#phase = this.#phase === 'offline' ? 'offline' : 'connecting'
    this.#handshakeDone = false
    this.#updateStatus()
  }

  /** No socket, and a retry is scheduled. */
  offline(): void {
    this.#notOpen('offline')
  }

  /**
   * The relay is reachable but asked this doc to wait (1013 and the like): a retry is scheduled.
   * Shown as its local changes on their way (or connecting), not "offline": the device is online.
   */
  waiting(): void {
    this.#notOpen('waiting')
  }

  #notOpen(phase: 'offline' | 'waiting'): void {
    if (this.#phase === 'stopped') return
    this.#phase = phase
    this.#handshakeDone = false
    this.#round = null
    this.#updateStatus()
  }

  /** A per-doc socket opened: ask for the relay's state with a step 1. */
  socketOpen(): void {
    if (this.#phase === 'stopped') return
    this.#newSocket()
    this.#phase = 'open'
    this.#send({ type: 'sync-step1', stateVector: this.#replica.stateVector() })
    this.#updateStatus()
  }

  /** Connected on a per-doc socket: asks for the relay's state again (a step 1). */
  askState(): void {
    if (this.#phase === 'open') this.#send({ type: 'sync-step1', stateVector: this.#replica.stateVector() })
  }

  /**
   * What to send in a multiplexed `open`, taken now: `fresh` on a new socket (counts start
   * over), else a resync of an open doc. Changes made after it are shipped when the doc opens.
   */
  openSnapshot(fresh: boolean): OpenSnapshot {
    if (fresh) {
      this.#newSocket()
      this.#phase = 'opening'
      this.#unshipped = false
    }
    const stateVector = this.#replica.stateVector()
    this.#round = { mark: this.#pending.mark(), stateVector, step1: false, fresh }
    this.#unaskedPersisted = true
    this.#updateStatus()
    const empty = stateVector.length <= 1
    return { stateVector, deleteSet: empty ? new Uint8Array(0) : this.#replica.diff(stateVector) }
  }

  /** The relay's `opened` named the doc: it is in sync unless a step 1 asked for more. */
  opened(): void {
    if (this.#phase === 'stopped' || this.#round === null) return
    this.#answered(this.#round)
    this.#updateStatus()
  }

  /** One message on the doc's channel; false when the relay sent an update that does not decode. */
  receive(message: Message): boolean {
    if (this.#phase === 'stopped') return true
    switch (message.type) {
      case 'sync-step1': {
        if (this.#round) this.#round.step1 = true
        this.#enterOpen(true)
        // The relay's step 1 is its in-memory state, not necessarily stored: it does not count
        // as coverage. Our step 2 (even an empty one) is acknowledged with a `persisted`; after
        // long offline work it goes in several pieces, each acknowledged.
        const pieces = this.#replica.catchUp(message.stateVector)
        for (const update of pieces) this.#send({ type: 'sync-step2', update })
        this.#pending.sentAll(pieces.length)
        break
      }
      case 'sync-step2':
      case 'sync-update':
        this.#enterOpen(false)
        if (!this.#applyRemote(message.update)) return false
        // On a per-doc socket the answer to our step 1 completes the handshake; on the
        // multiplexed one, `opened` does.
        if (message.type === 'sync-step2' && this.#round === null) this.#handshakeDone = true
        break
      case 'persisted': {
        this.#enterOpen(false)
        const clocks = Y.decodeStateVector(message.stateVector)
        if (this.#unaskedPersisted) {
          this.#unaskedPersisted = false
          this.#pending.relayStored(clocks)
          // The last frame of the relay's answer to a first open (a step 1 would have come
          // before it): the doc is in sync now, not only once the whole batch is `opened` — so
          // a new device's progress counts docs as they arrive. A resync waits for `opened`: a
          // `persisted` then may be an ack of an earlier send, which proves nothing about the open.
          if (this.#round?.fresh && !this.#round.step1) this.#answered(this.#round)
        } else {
          this.#pending.persisted(clocks)
        }
        if (this.#pending.wantsProbe()) {
          this.#send({ type: 'sync-update', update: EMPTY_UPDATE })
          this.#pending.sentProbe()
        }
        break
      }
      case 'auth-denied':
        this.stop({ kind: 'error', reason: message.reason || 'read-only' })
        return true
      default:
        return true
    }
    this.#updateStatus()
    return true
  }

  /**
   * The relay refused the doc (a per-doc socket's close code, or a multiplexed `refused`).
   * Deleted, fatal and too-large outcomes stop the doc here; the transport handles `refresh`
   * and `retry`.
   */
  closed(code: number, reason: string): CloseOutcome {
    const outcome = closeOutcome(code, reason, this.#largestSent)
    if (this.#phase === 'stopped') return outcome
    if (outcome.kind === 'deleted') {
      // First: an owner that drops the doc now never shows its error status.
      this.#events.emit('deleted', undefined)
      this.stop(DELETED_STATUS)
    } else if (outcome.kind === 'stop' || outcome.kind === 'hold') {
      this.stop(outcome.status)
      this.#held = outcome.kind === 'hold'
    }
    return outcome
  }

  /** Stops with `status` (an error, signed out); the link closes the doc's socket or channel. */
  stop(status: SyncStatus): void {
    if (this.#phase === 'stopped') return
    this.#phase = 'stopped'
    this.#held = false
    this.#round = null
    this.#handshakeDone = false
    this.#setStatus(status)
    this.#link?.halt()
  }

  // ——— internals ———

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    this.#pending.add(Y.parseUpdateMeta(update).to, hasDeletions(update))
    if (this.#phase === 'open') {
      this.#send({ type: 'sync-update', update })
      this.#pending.sentLatest()
    } else if (this.#phase === 'opening') {
      this.#unshipped = true
    }
    this.#updateStatus()
  }

  /** The relay answered the open of `round`: the doc is open, and in sync unless a step 1 asked for more. */
  #answered(round: Round): void {
    this.#enterOpen(false)
    this.#round = null
    if (!round.step1) {
      this.#pending.settle(round.mark)
      this.#pending.relayHas(Y.decodeStateVector(round.stateVector))
    }
    this.#handshakeDone = true
  }

  #newSocket(): void {
    this.#unaskedPersisted = false
    this.#pending.newSocket()
    this.#handshakeDone = false
    this.#largestSent = 0
    this.#round = null
  }

  /**
   * The relay has the doc open (it sent something on its channel, or `opened`): changes made
   * while it was opening go now — unless a step 1 is being answered, whose step 2 carries them.
   */
  #enterOpen(answeringStep1: boolean): void {
    if (this.#phase !== 'opening') return
    this.#phase = 'open'
    if (!this.#unshipped) return
    this.#unshipped = false
    const since = this.#round?.stateVector
    if (answeringStep1 || since === undefined) return
    this.#send({ type: 'sync-update', update: this.#replica.diff(since) })
    this.#pending.sentAll(1)
  }

  /** Applies an update from the relay; false when it does not decode. */
  #applyRemote(update: Uint8Array): boolean {
    try {
      // What the relay sends proves it holds those clocks, which settles local changes waiting
      // for them; with none waiting, reading the update's clocks (a full decode) buys nothing: a
      // change recorded later was made here or in another tab and reaches the relay from this
      // device (one the relay had already is settled by its next ack).
      if (this.#pending.count > 0) this.#pending.relayHas(Y.parseUpdateMeta(update).to)
      this.#replica.apply(update, this)
      return true
    } catch {
      return false
    }
  }

  /** Sends one message: whole when it is small, else as fragments sent back to back. */
  #send(message: Message): void {
    const link = this.#link
    if (link === null) return
    const frame = encodeMessage(message)
    this.#largestSent = Math.max(this.#largestSent, frame.length)
    const frames = fragmentFrame(frame, this.#nextFragmentId)
    if (frames.length > 1) this.#nextFragmentId = (this.#nextFragmentId + 1) % 2 ** 31
    for (const part of frames) link.sendFrame(part)
  }

  #updateStatus(): void {
    if (this.#phase === 'stopped') return
    if (this.#phase === 'connecting' || this.#phase === 'idle') return this.#setStatus({ kind: 'connecting' })
    if (this.#phase === 'offline') return this.#setStatus({ kind: 'offline' })
    if (this.#pending.count > 0) return this.#setStatus({ kind: 'syncing', pending: this.#pending.count })
    if (this.#phase === 'waiting') return this.#setStatus({ kind: 'connecting' })
    // Open but the relay's state has not arrived yet: still connecting, as far as a user can tell.
    if (!this.#handshakeDone) return this.#setStatus({ kind: 'connecting' })
    this.#setStatus({ kind: 'in-sync' })
  }

  #setStatus(status: SyncStatus): void {
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }
}
