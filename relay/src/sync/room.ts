/**
 * One document and the sockets on it. The room relays the frames it accepts to the other
 * sockets byte for byte, applies updates to its doc (`RoomDoc`: a `Y.Doc` and its `DocWriter`)
 * and keeps presence in `AwarenessStates`. The doc is loaded only while it is used
 * (`LazyDoc`): an idle room drops it (rooms.ts) and keeps its sockets, their presence and its
 * broadcast subscription; the next frame that needs the doc loads it again, and the frames
 * that arrive meanwhile are handled in order once it has. Presence never needs the doc.
 *
 * Rooms for the same doc on other relay instances are peers over the `Broadcast`: what a room
 * accepts from its sockets goes to them, and what they accepted is applied here and relayed
 * to this room's sockets but not stored (its origin stores it). A room that has just loaded
 * (or whose instance may have missed frames) asks its peers for what it lacks with a sync
 * step 1 and an awareness query to everyone. Each peer answers it alone and asks it back in
 * the same way: the asker may hold what the peer lacks (a peer that was deaf when the asker's
 * own frames went out; deletions, which no state vector shows). Questions addressed to one
 * room are only answered, so an exchange ends after one round each way.
 *
 * A room whose doc is unloaded does not load it for its peers' sake: an update they accepted
 * is relayed to the sockets here as it came (its origin stores and acknowledges it; loading
 * would change nothing for these sockets), and a question is answered only when the asker
 * lacks part of what the store held when the doc unloaded — everything this room accepted is
 * stored, so an asker that read the store lacks nothing else of it.
 *
 * Storage quota: an update from a socket is checked against the owner's `AccountQuota` before
 * it touches the doc (`RoomDoc.admits`). One that would take the account over its limit is
 * refused: not applied, relayed, stored or acknowledged; everything the socket sent before it
 * is stored and acknowledged, then the socket is closed with 4507, and nothing more it sends
 * is taken.
 */
import * as Y from 'yjs'
import { checkUpdate, CloseCode, decodedCost, decodeMessage, DOC_TOO_LARGE_REASON, encodeMessage, MAX_ROOT_TYPES, TOO_COSTLY_REASON, TOO_MANY_ROOTS_REASON, withRetryAfter, type DocName } from '@ferry/protocol'
import { isGone } from '../storage/doc-store.ts'
import type { Broadcast, InstanceId } from './broadcast.ts'
import { AwarenessStates, decodeAwareness, encodeAwareness } from './awareness-states.ts'
import type { PersistedListener } from './doc-writer.ts'
import { LazyDoc, type DocTask, type LazyDocOptions } from './lazy-doc.ts'
import { RelayBusy, UpdateTooCostly, updateCost, type MemoryBudget } from './memory-budget.ts'
import type { AccountQuota } from './quota.ts'
import { isLimit, refusalOf } from './refusal.ts'
import type { RoomDoc } from './room-doc.ts'

/** What a room needs from a socket. */
export interface RoomMember extends PersistedListener {
  /** Whether the socket opted in to `persisted` acks (`ack=1`). */
  readonly wantsAck: boolean
  readonly readOnly: boolean
  send(frame: Uint8Array): void
  /** Closes the socket with a WebSocket close code (the doc was deleted: 4410). */
  close(code: number, reason: string): void
  /**
   * True for a member that answers its own join (a doc of a multiplexed socket, which sends a
   * sync step 1 only when the client holds something the relay lacks): the room does not greet
   * it with its sync step 1.
   */
  readonly quietJoin?: boolean
  /** The sign-in session the socket belongs to (null: a share link), named in version history. */
  readonly sessionId?: string | null
}

export interface RoomOptions {
  broadcast: Broadcast
  /** Ends the room's subscription on the broadcast. */
  unsubscribe: () => void
  maxAwarenessBytes: number
  /** Memory one update may take to decode (`MAX_UPDATE_DECODED_BYTES`); a costlier one throws `UpdateTooCostly`. */
  maxUpdateDecodedBytes: number
  /** Memory the doc may take loaded (`MAX_DOC_DECODED_BYTES`); an update past it throws `UpdateTooCostly`. */
  maxDocDecodedBytes: number
  /** What all loaded docs may take; an update past it throws `RelayBusy`. */
  budget: MemoryBudget
  /** The owner's storage quota; null: none is enforced. */
  quota: AccountQuota | null
  /** Loading the doc; `onLoaded` runs after the room asked its peers for what it lacks. */
  doc: LazyDocOptions
  /** The owner's apply time (apply-budget.ts). */
  applyTimes: RoomApplyTimes
}

/** Applying updates from sockets within their time budget, counted to the doc's owner. */
export interface RoomApplyTimes {
  /** Throws `RelayBusy` while the owner's updates took too long to apply lately. */
  check(): void
  /** Runs `work` (scanning, decoding or admitting an update) and counts its time to the owner, also when it throws; answers the time counted, ms. */
  measured<T>(work: () => T): { readonly result: T; readonly ms: number }
  /**
   * Applies within the update's budget and counts the time to the owner; throws as
   * `RoomDoc.apply` does. `recheck`: the update waited for a load, and other updates may have
   * been counted meanwhile, so the owner's time is checked again first — less `recheck.ownMs`,
   * what this update's own scan (and quota check) counted (else a retry whose own arrival took
   * the account over its share would be refused again on each retry while its doc unloads in
   * between). Its full decode, when it waited, is part of this call (`decoded` undefined).
   */
  apply(doc: RoomDoc, update: Uint8Array, member: RoomMember, decoded: ReturnType<typeof Y.decodeUpdate> | undefined, recheck: { readonly ownMs: number } | null): boolean
}

/** The transaction origin of updates another instance accepted. */
const REMOTE = Symbol('remote')
const QUERY_AWARENESS = encodeMessage({ type: 'query-awareness' })
const ignore = (): void => undefined
const MB = 1024 * 1024

export class Room {
  readonly members = new Set<RoomMember>()
  readonly awareness = new AwarenessStates<RoomMember>()
  /** Set once the doc was deleted: the room takes no new member and stores nothing more. */
  gone = false
  /** The idle check (rooms.ts), while the doc is loaded. */
  idleTimer: NodeJS.Timeout | null = null
  clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }
  /** True while an unload stores and compacts the doc. */
  unloading = false
  /** The doc, loaded while it is used. */
  readonly lazy: LazyDoc
  readonly #broadcast: Broadcast
  readonly #maxAwarenessBytes: number
  readonly #maxUpdateDecodedBytes: number
  readonly #maxDocDecodedBytes: number
  readonly #budget: MemoryBudget
  readonly #unsubscribe: () => void
  readonly #quota: AccountQuota | null
  readonly #applyTimes: RoomApplyTimes
  /**
   * Members an update was refused from (quota), or closed for a frame that failed while it
   * waited for the doc: nothing more they send is taken. Made on first use.
   */
  #refused: WeakSet<RoomMember> | null = null

  constructor(
    readonly name: DocName,
    opts: RoomOptions,
  ) {
    this.#broadcast = opts.broadcast
    this.#maxAwarenessBytes = opts.maxAwarenessBytes
    this.#maxUpdateDecodedBytes = opts.maxUpdateDecodedBytes
    this.#maxDocDecodedBytes = opts.maxDocDecodedBytes
    this.#budget = opts.budget
    this.#quota = opts.quota
    this.#applyTimes = opts.applyTimes
    this.#unsubscribe = opts.unsubscribe
    this.lazy = new LazyDoc({
      ...opts.doc,
      onLoaded: () => {
        this.catchUp()
        opts.doc.onLoaded()
      },
    })
  }

  /** The doc while it is loaded. */
  get loaded(): RoomDoc | null {
    return this.lazy.doc
  }

  /** Runs `run` once the doc is loaded (loading it; never refused for load); `fail` hears why it did not. */
  whenLoaded(run: (doc: RoomDoc) => void, fail: (error: unknown) => void): void {
    this.lazy.run({ bytes: 0, run: (doc) => run(doc!), fail }, false)
  }

  /** Runs `run` with the doc for `member`; resolves once it ran, or `member` was closed instead. */
  use(member: RoomMember, run: (doc: RoomDoc) => void): Promise<void> {
    return new Promise((resolve) => this.#withDoc(member, 0, (doc) => { run(doc); resolve() }, resolve))
  }

  /** The doc was deleted: fails what waits for it; returns the loaded doc for the caller to abandon. */
  abandon(error: unknown): RoomDoc | null {
    this.gone = true
    return this.lazy.abandon(error)
  }

  /** Ends the broadcast subscription (the room is going away). */
  unsubscribe(): void {
    this.#unsubscribe()
  }

  /**
   * Adds `member` and greets it: the relay's sync step 1 (`doc` is null only for a member that
   * answers its own join) and the current awareness — neither to
   * a read-only socket (a share-link viewer): presence (names, emails, cursors) is the owner's
   * own business, not something a link hands out.
   */
  join(member: RoomMember, doc: RoomDoc | null): void {
    this.members.add(member)
    if (member.readOnly) return
    if (!member.quietJoin) member.send(doc!.step1())
    const states = this.awareness.states
    if (states.length > 0) member.send(encodeMessage({ type: 'awareness', update: encodeAwareness(states) }))
  }

  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return
    this.lazy.doc?.writer.forget(member)
    const removal = this.awareness.release(member)
    if (removal) this.#relay(null, encodeMessage({ type: 'awareness', update: removal }), true)
  }

  /**
   * Sync step 1 from a client: answer with what it lacks. Throws on a malformed state vector.
   * A writer's (the owner's device) answer is counted to the owner's apply time as applying is
   * (an empty state vector on a 20 MB doc encodes all of it, ~0.1 s, and a question can be
   * asked 30 times a minute per doc on each socket): while the owner waits, it throws (or, when
   * it waited for the doc's load, closes the member with) `RelayBusy`. A share-link viewer's is
   * not: it would let anyone holding a link keep the owner's own writes waiting.
   */
  answerStep1(member: RoomMember, stateVector: Uint8Array): void {
    Y.decodeStateVector(stateVector)
    const counted = !member.readOnly
    if (counted) this.#applyTimes.check()
    this.#withDoc(member, stateVector.length, (doc) => {
      if (!this.members.has(member)) return
      const encode = () => Y.encodeStateAsUpdate(doc.doc, stateVector)
      if (!counted) return member.send(encodeMessage({ type: 'sync-step2', update: encode() }))
      // Again when it runs: questions queued during a load drain together once it is done.
      this.#applyTimes.check()
      member.send(encodeMessage({ type: 'sync-step2', update: this.#applyTimes.measured(encode).result }))
    })
  }

  /** The reason to wait when the owner spent its apply time (as `answerStep1` would throw), else null. */
  answerWaits(): string | null {
    try {
      this.#applyTimes.check()
      return null
    } catch (error) {
      if (error instanceof RelayBusy) return error.reason
      throw error
    }
  }

  /** Runs work for an `open`'s answer (reading what is stored, a diff), counted to the owner as `answerStep1`'s. */
  answerCounted<T>(work: () => T): T {
    return this.#applyTimes.measured(work).result
  }

  /**
   * An update (or sync step 2) from a writer. What it holds is counted first, without decoding
   * it: one whose decoding would take more than `maxUpdateDecodedBytes` throws `UpdateTooCostly`
   * (2-byte structs decode to ~100 bytes and more). Then it is decoded in full before it touches
   * the doc, so a malformed one throws without changing anything: on arrival when the doc is
   * loaded, else once it is, in the apply (decoding on arrival as well decoded it twice: the
   * result could not be kept, as it waited it would hold ~100× its bytes). With the doc, it
   * must fit the doc's and the relay's memory (`#admit`) and its time budget (`applyTimes`);
   * `frame`, if any, is relayed as is.
   */
  applyUpdate(member: RoomMember, update: Uint8Array, frame: Uint8Array | null): void {
    if (this.#refused?.has(member)) return
    // Before anything that costs: an account told to wait costs the relay nothing more (a
    // crafted 600 KB update took 1.4–2.3 s to decode, each time it was refused with 1013).
    this.#applyTimes.check()
    // Counted to the owner as its apply is, also when it throws: a 600 KB update that only the
    // full decode finds malformed cost 1.2–1.6 s, refused (4400) before anything was counted,
    // so an account could repeat it without end (docs/decisions.md, "Apply time counts the decode").
    const arrival = this.#applyTimes.measured(() => {
      const checked = checkUpdate(update, this.#maxUpdateDecodedBytes)
      if (!checked.ok) {
        if (checked.error.code === 'too-costly') throw new UpdateTooCostly(`${TOO_COSTLY_REASON}: ${checked.error.message}`)
        throw new Error(`not a Yjs update: ${checked.error.message}`)
      }
      const cost = decodedCost(checked.value)
      const roots = checked.value.rootNames
      // Checked before decoding when the doc is here to tell (a refused update costs nothing);
      // again only if the apply waits, since other frames may grow the doc meanwhile.
      const admitted = this.lazy.doc
      if (admitted) this.#admit(admitted, cost, roots)
      return { cost, roots, decoded: admitted ? Y.decodeUpdate(update) : undefined, admitted }
    })
    const { cost, roots, decoded, admitted } = arrival.result
    let ownMs = arrival.ms
    let now = true
    this.#withDoc(member, update.length, (doc) => {
      // Admitted again when it waited: what ran before it may have grown the doc.
      if (!now || doc !== admitted) this.#admit(doc, cost, roots)
      const quota = this.#quota
      if (quota) {
        // Over quota, telling costs a diff and decodes (seconds for a crafted update): counted too.
        const admits = this.#applyTimes.measured(() => doc.admits(update, quota))
        ownMs += admits.ms
        if (!admits.result) return this.#refuse(doc, member)
      }
      // Not checked again when it runs in the turn it came (checked on arrival), and when it
      // waited, not against what its own arrival counted: else a retry whose scan took the
      // account over its share would be refused again, for ever.
      const changed = this.#applyTimes.apply(doc, update, member, decoded, now ? null : { ownMs })
      doc.charge(cost, this.#budget)
      if (changed) {
        this.#relay(member, frame ?? encodeMessage({ type: 'sync-update', update }))
        doc.writer.add(update)
      }
      if (member.wantsAck && this.members.has(member)) doc.writer.ackAfter(member)
    })
    // Ran now, or waits: then it checks again when it runs.
    now = false
  }

  /**
   * An awareness update from a socket: what it may set is applied and relayed (the original
   * frame when nothing was dropped); throws `AwarenessError` for malformed or oversize states.
   */
  applyAwareness(member: RoomMember, update: Uint8Array, frame: Uint8Array): void {
    const entries = decodeAwareness(update, this.#maxAwarenessBytes)
    this.#inTurn(member, update.length, () => {
      if (!this.members.has(member)) return
      const accepted = this.awareness.apply(member, entries)
      if (accepted.length === 0) return
      this.#relay(member, accepted.length === entries.length ? frame : encodeMessage({ type: 'awareness', update: encodeAwareness(accepted) }), true)
    })
  }

  /** Answers with the presence states; a read-only socket gets none (but an answer: it is its liveness probe). */
  answerAwarenessQuery(member: RoomMember): void {
    this.#inTurn(member, 0, () => {
      if (this.members.has(member)) member.send(encodeMessage({ type: 'awareness', update: encodeAwareness(member.readOnly ? [] : this.awareness.states) }))
    })
  }

  /**
   * Asks the rooms for this doc on other instances for the updates and awareness this room
   * lacks: after a load, or when the broadcast may have missed frames. A room whose doc is
   * unloaded asks with what the store held when it unloaded; the answers go to its sockets.
   */
  catchUp(): void {
    const doc = this.lazy.doc
    const stateVector = doc ? doc.stateVector() : this.lazy.state === 'unloaded' ? this.lazy.keptStateVector : null
    if (!stateVector) return // loading: it asks once loaded
    this.#broadcast.publish(this.name, encodeMessage({ type: 'sync-step1', stateVector }))
    this.#broadcast.publish(this.name, QUERY_AWARENESS)
  }

  /**
   * A frame from this doc's room on instance `from`: updates and awareness it accepted (or
   * its answers to this room's questions), and its own questions — `direct` when addressed to
   * this room alone. Anything malformed is dropped; peers run the same code, so that is a bug
   * or a stranger on the channel. Frames that need the doc while it loads wait for it (a
   * bounded number; the question the room asks once loaded brings what was dropped).
   */
  applyRemote(frame: Uint8Array, from: InstanceId, direct: boolean): void {
    const decoded = decodeMessage(frame)
    if (!decoded.ok) return
    const message = decoded.value
    const withDoc = (run: (doc: RoomDoc) => void): void => void this.lazy.run({ bytes: frame.length, run: (doc) => run(doc!), fail: ignore })
    const inTurn = (run: () => void): void => this.lazy.inTurn({ bytes: frame.length, run, fail: ignore })
    try {
      switch (message.type) {
        case 'sync-update':
        case 'sync-step2': {
          const relayed = message.type === 'sync-update' ? frame : encodeMessage({ type: 'sync-update', update: message.update })
          if (this.lazy.state !== 'unloaded') {
            withDoc((doc) => {
              if (!doc.apply(message.update, REMOTE)) return
              // Accepted by its origin, so never refused here; counted all the same.
              doc.charge(updateCost(message.update), this.#budget)
              this.#relayLocal(relayed)
            })
          } else {
            Y.decodeUpdate(message.update)
            // What the store held when read lacks it: the next new client gets it from the store.
            this.lazy.forgetStored()
            this.#relayLocal(relayed)
          }
          break
        }
        case 'sync-step1':
          if (this.lazy.state === 'unloaded' && this.lazy.keptStateVector === null && this.lazy.reading) {
            // The store's state is being read for a socket: answer with it, not with a load.
            void this.lazy.reading.then(() => this.applyRemote(frame, from, direct), () => this.applyRemote(frame, from, direct))
            break
          }
          if (this.lazy.state === 'unloaded' && !this.lazy.keptBeyond(message.stateVector)) {
            // Nothing to answer; an asker ahead of the store may hold what the sockets here
            // lack (a separate store; this instance deaf to it): ask back without loading.
            const kept = this.lazy.keptStateVector
            if (!direct && kept && this.lazy.keptBehind(message.stateVector)) {
              this.#broadcast.publish(this.name, encodeMessage({ type: 'sync-step1', stateVector: kept }), from)
            }
            break
          }
          withDoc((doc) => {
            this.#broadcast.publish(this.name, encodeMessage({ type: 'sync-step2', update: Y.encodeStateAsUpdate(doc.doc, message.stateVector) }), from)
            if (!direct) this.#broadcast.publish(this.name, doc.step1(), from)
          })
          break
        case 'awareness': {
          const entries = decodeAwareness(message.update, this.#maxAwarenessBytes)
          inTurn(() => {
            if (this.awareness.apply(null, entries).length > 0) this.#relayLocal(frame, null, true)
          })
          break
        }
        case 'query-awareness':
          inTurn(() => {
            const own = this.awareness.ownStates
            if (own.length > 0) this.#broadcast.publish(this.name, encodeMessage({ type: 'awareness', update: encodeAwareness(own) }), from)
            if (!direct) this.#broadcast.publish(this.name, QUERY_AWARENESS, from)
          })
          break
        default:
          break
      }
    } catch {
      // A malformed update, state vector or awareness update: dropped like a bad frame.
    }
  }

  /**
   * Runs `run` with the doc for `member`: now, or once the doc has loaded. If it does not run —
   * the doc did not load, running it threw, too much waits already — `member` is closed with
   * the matching code and `failed` is called.
   */
  #withDoc(member: RoomMember, bytes: number, run: (doc: RoomDoc) => void, failed: () => void = ignore): void {
    const task: DocTask = {
      bytes,
      // Not for a member closed meanwhile for a frame of its that failed here: what it sent
      // after is not taken, as when the doc is loaded (its socket stops reading the doc); the
      // caller still hears it did not run (`use` settles).
      run: (doc) => {
        if (this.#refused?.has(member)) failed()
        else run(doc!)
      },
      fail: (error, phase) => {
        this.#close(member, error, phase)
        failed()
      },
    }
    if (this.lazy.run(task)) return
    member.close(CloseCode.TryAgainLater, withRetryAfter('too many messages while the doc loads', 1))
    failed()
  }

  /** Runs `run` (no doc needed) for `member` now, or after what waits for the doc. */
  #inTurn(member: RoomMember, bytes: number, run: () => void): void {
    this.lazy.inTurn({ bytes, run, fail: (error, phase) => this.#close(member, error, phase) })
  }

  /**
   * Throws unless an update estimated to take `cost` fits: `UpdateTooCostly` past the doc's
   * limit, `RelayBusy` past the relay's budget (once docs nobody is on unloaded, a retry fits).
   */
  #admit(doc: RoomDoc, cost: number, roots: ReadonlySet<string>): void {
    let newRoots = 0
    for (const name of roots) if (!doc.doc.share.has(name)) newRoots++
    if (doc.doc.share.size + newRoots > MAX_ROOT_TYPES) {
      throw new UpdateTooCostly(`${TOO_MANY_ROOTS_REASON}: more than ${MAX_ROOT_TYPES}`)
    }
    if (doc.cost + cost > this.#maxDocDecodedBytes) {
      throw new UpdateTooCostly(`${DOC_TOO_LARGE_REASON}: with this change it would take about ${Math.ceil((doc.cost + cost) / MB)} MB, over the limit of ${Math.floor(this.#maxDocDecodedBytes / MB)} MB`)
    }
    if (!this.#budget.admits(cost)) throw new RelayBusy()
  }

  /** Closes `member` for a task that did not run, as its socket would for the same error; its tasks still waiting will not run (their callers hear so). */
  #close(member: RoomMember, error: unknown, phase: 'load' | 'run'): void {
    ;(this.#refused ??= new WeakSet()).add(member)
    if (phase === 'load' && !isLimit(error)) {
      if (isGone(error)) member.close(CloseCode.Gone, 'the document was deleted')
      else member.close(CloseCode.InternalError, 'the document could not be loaded')
      return
    }
    const { code, reason } = refusalOf(error)
    member.close(code, reason)
  }

  /**
   * Refuses `member`'s update for the quota: what it sent before is stored and acknowledged
   * (the flush), then it is closed with 4507; nothing it sends meanwhile is taken.
   */
  #refuse(doc: RoomDoc, member: RoomMember): void {
    ;(this.#refused ??= new WeakSet()).add(member)
    const reason = this.#quota?.reason() ?? 'storage quota exceeded'
    void doc.writer.flush().then(() => member.close(CloseCode.QuotaExceeded, reason))
  }

  #relay(from: RoomMember | null, frame: Uint8Array, presence = false): void {
    this.#relayLocal(frame, from, presence)
    this.#broadcast.publish(this.name, frame)
  }

  /** Sends `frame` to every local socket but `from`; presence (awareness) only to writers. */
  #relayLocal(frame: Uint8Array, from: RoomMember | null = null, presence = false): void {
    for (const member of this.members) if (member !== from && !(presence && member.readOnly)) member.send(frame)
  }
}
