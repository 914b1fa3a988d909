/**
 * One loaded document and the sockets on it. The room holds the doc as a `Y.Doc` (to answer
 * sync step 1 with exactly what a client lacks, and to snapshot it), relays the frames it
 * accepts to the other sockets byte for byte, hands updates to its `DocWriter` and
 * awareness to its `AwarenessStates`.
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
 * Storage quota: an update from a socket is checked against the owner's `AccountQuota` before
 * it touches the doc (refusing after applying would leave the room's doc ahead of the store).
 * One that would take the account over its limit is refused: not applied, relayed, stored or
 * acknowledged; everything the socket sent before it is stored and acknowledged, then the
 * socket is closed with 4507, and nothing more it sends is taken. An update that adds nothing
 * new (only deletions, or content the doc already has) always passes: freeing space must work.
 */
import * as Y from 'yjs'
import { CloseCode, decodeMessage, encodeMessage, type DocName } from '@ferry/protocol'
import type { Broadcast, InstanceId } from './broadcast.ts'
import { AwarenessStates, decodeAwareness, encodeAwareness } from './awareness-states.ts'
import { DocWriter, type DocWriterOptions, type PersistedListener } from './doc-writer.ts'
import type { AccountQuota } from './quota.ts'

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
}

/** The transaction origin of updates another instance accepted. */
const REMOTE = Symbol('remote')
const QUERY_AWARENESS = encodeMessage({ type: 'query-awareness' })

export class Room {
  readonly members = new Set<RoomMember>()
  readonly awareness = new AwarenessStates<RoomMember>()
  readonly writer: DocWriter
  /** Set once the doc was deleted: the room takes no new member and stores nothing more. */
  gone = false
  readonly #broadcast: Broadcast
  readonly #maxAwarenessBytes: number
  readonly #unsubscribe: () => void
  readonly #quota: AccountQuota | null
  /** Sockets an update was refused from (quota): nothing more they send is taken. */
  readonly #refused = new WeakSet<RoomMember>()
  #changed = false

  constructor(
    readonly name: DocName,
    readonly doc: Y.Doc,
    opts: {
      broadcast: Broadcast
      /** Ends the room's subscription on the broadcast (made before the doc loaded). */
      unsubscribe: () => void
      maxAwarenessBytes: number
      writer: Omit<DocWriterOptions, 'name' | 'encodeState' | 'encodeStateVector' | 'account'>
      /** The owner's storage quota; null: none is enforced. */
      quota?: AccountQuota | null
    },
  ) {
    this.#broadcast = opts.broadcast
    this.#maxAwarenessBytes = opts.maxAwarenessBytes
    this.#quota = opts.quota ?? null
    this.writer = new DocWriter({
      ...opts.writer,
      ...(this.#quota && { account: this.#quota }),
      name,
      encodeState: () => Y.encodeStateAsUpdate(doc),
      encodeStateVector: () => Y.encodeStateVector(doc),
    })
    // Not the 'update' event: listening to it makes Yjs encode every transaction as an update.
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.deleteSet.clients.size > 0) this.#changed = true
      else for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) this.#changed = true
    })
    this.#unsubscribe = opts.unsubscribe
  }

  /**
   * Greets a new socket: the relay's sync step 1 and the current awareness — neither to a
   * read-only socket (a share-link viewer): presence (names, emails, cursors) is the owner's
   * own business, not something a link hands out.
   */
  join(member: RoomMember): void {
    this.members.add(member)
    if (member.readOnly) return
    if (!member.quietJoin) member.send(this.#step1())
    const states = this.awareness.states
    if (states.length > 0) member.send(encodeMessage({ type: 'awareness', update: encodeAwareness(states) }))
  }

  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return
    this.writer.forget(member)
    const removal = this.awareness.release(member)
    if (removal) this.#relay(null, encodeMessage({ type: 'awareness', update: removal }), true)
  }

  /** Sync step 1 from a client: answer with what it lacks. Throws on a malformed state vector. */
  answerStep1(member: RoomMember, stateVector: Uint8Array): void {
    member.send(encodeMessage({ type: 'sync-step2', update: Y.encodeStateAsUpdate(this.doc, stateVector) }))
  }

  /**
   * An update (or sync step 2) from a writer. The update is decoded in full before it is
   * applied, so a malformed one throws without touching the doc. `frame` is relayed as is
   * when it is already an update message.
   */
  applyUpdate(member: RoomMember, update: Uint8Array, frame: Uint8Array | null): void {
    if (this.#refused.has(member)) return
    const decoded = Y.decodeUpdate(update)
    if (!this.#fits(update, decoded)) return this.#refuse(member)
    if (this.#apply(update, member, true)) {
      this.#relay(member, frame ?? encodeMessage({ type: 'sync-update', update }))
      this.writer.add(update)
    }
    if (member.wantsAck) this.writer.ackAfter(member)
  }

  /**
   * An awareness update from a socket: what it may set is applied and relayed (the original
   * frame when nothing was dropped); throws `AwarenessError` for malformed or oversize states.
   */
  applyAwareness(member: RoomMember, update: Uint8Array, frame: Uint8Array): void {
    const entries = decodeAwareness(update, this.#maxAwarenessBytes)
    const accepted = this.awareness.apply(member, entries)
    if (accepted.length === 0) return
    this.#relay(member, accepted.length === entries.length ? frame : encodeMessage({ type: 'awareness', update: encodeAwareness(accepted) }), true)
  }

  /** Answers with the presence states; a read-only socket gets none (but an answer: it is its liveness probe). */
  answerAwarenessQuery(member: RoomMember): void {
    member.send(encodeMessage({ type: 'awareness', update: encodeAwareness(member.readOnly ? [] : this.awareness.states) }))
  }

  /** Asks the rooms for this doc on other instances for the updates and awareness this room lacks. */
  catchUp(): void {
    this.#broadcast.publish(this.name, this.#step1())
    this.#broadcast.publish(this.name, QUERY_AWARENESS)
  }

  /**
   * A frame from this doc's room on instance `from`: updates and awareness it accepted (or
   * its answers to this room's questions), and its own questions — `direct` when addressed to
   * this room alone. Anything malformed is dropped; peers run the same code, so that is a bug
   * or a stranger on the channel.
   */
  applyRemote(frame: Uint8Array, from: InstanceId, direct: boolean): void {
    const decoded = decodeMessage(frame)
    if (!decoded.ok) return
    const message = decoded.value
    try {
      switch (message.type) {
        case 'sync-update':
        case 'sync-step2':
          if (this.#apply(message.update, REMOTE)) {
            this.#relayLocal(message.type === 'sync-update' ? frame : encodeMessage({ type: 'sync-update', update: message.update }))
          }
          break
        case 'sync-step1':
          this.#broadcast.publish(this.name, encodeMessage({ type: 'sync-step2', update: Y.encodeStateAsUpdate(this.doc, message.stateVector) }), from)
          if (!direct) this.#broadcast.publish(this.name, this.#step1(), from)
          break
        case 'awareness': {
          const entries = decodeAwareness(message.update, this.#maxAwarenessBytes)
          if (this.awareness.apply(null, entries).length > 0) this.#relayLocal(frame, null, true)
          break
        }
        case 'query-awareness': {
          const own = this.awareness.ownStates
          if (own.length > 0) this.#broadcast.publish(this.name, encodeMessage({ type: 'awareness', update: encodeAwareness(own) }), from)
          if (!direct) this.#broadcast.publish(this.name, QUERY_AWARENESS, from)
          break
        }
        default:
          break
      }
    } catch {
      // A malformed update, state vector or awareness update: dropped like a bad frame.
    }
  }

  /**
   * Whether storing `update` keeps the owner within quota. Every update counts with its full
   * size (that is what is stored); past the limit only one that frees space passes: nothing the
   * doc lacks, and deletions only of items the doc holds — an update of made-up deletions
   * would otherwise be stored without bound.
   */
  #fits(update: Uint8Array, decoded: ReturnType<typeof Y.decodeUpdate>): boolean {
    const quota = this.#quota
    if (quota === null || quota.admits(update.length)) return true
    const novel = Y.decodeUpdate(Y.diffUpdate(update, Y.encodeStateVector(this.doc)))
    if (novel.structs.length > 0) return false
    for (const [client, ranges] of decoded.ds.clients) {
      const held = Y.getState(this.doc.store, client)
      if (ranges.some((range) => range.clock + range.len > held)) return false
    }
    return true
  }

  /**
   * Refuses `member`'s update for the quota: what it sent before is stored and acknowledged
   * (the flush), then it is closed with 4507; nothing it sends meanwhile is taken.
   */
  #refuse(member: RoomMember): void {
    this.#refused.add(member)
    const reason = this.#quota?.reason() ?? 'storage quota exceeded'
    void this.writer.flush().then(() => member.close(CloseCode.QuotaExceeded, reason))
  }

  /** Stops listening to other instances and frees the doc. */
  destroy(): void {
    this.#unsubscribe()
    this.writer.close()
    this.doc.destroy()
  }

  /**
   * Applies `update` (decoded in full first, so a malformed one throws without touching the
   * doc); true when it changed the doc or waits for missing updates, i.e. is worth relaying.
   */
  #apply(update: Uint8Array, origin: unknown, decoded = false): boolean {
    if (!decoded) Y.decodeUpdate(update)
    this.#changed = false
    Y.applyUpdate(this.doc, update, origin)
    const store = this.doc.store
    return this.#changed || store.pendingStructs !== null || store.pendingDs !== null
  }

  #step1(): Uint8Array {
    return encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) })
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
