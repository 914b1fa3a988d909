/**
 * The batched initial sync of a multiplexed socket (docs/PROTOCOL.md, "Opening docs"). The docs
 * of one `open` load a few at a time (`OPEN_CONCURRENCY`), so a 300-doc open does not ask the
 * store for 300 docs at once, and the next doc loads only once the socket has drained what the
 * previous answers queued. The owner's quota is read once per batch, not once per doc.
 *
 * Each doc is answered as soon as it joined its room, in the same turn (nothing the room
 * relays can come before its answer): `sync step 2` only when the client lacks something,
 * `sync step 1` only when the relay lacks something (state vectors and delete-set hashes
 * compared through the room doc's cached digest), then `persisted`. A loaded doc where both
 * sides hold the same costs a few comparisons and one small frame. Work an answer needs —
 * reading, merging and scanning a doc that is not loaded, its digest, a step 2's diff — counts
 * to the owner's apply time (`Room.answerCounted`), and while the owner waits for it the doc is
 * refused with 1013 instead (an open can be closed and asked again, as a step 1 can).
 *
 * A doc that is not loaded is answered from the stored bytes (`Rooms.joinStored`) and stays
 * unloaded until a frame needs it: a new device gets them as they are (building a `Y.Doc` only
 * to encode it all again was most of a cold open's CPU), a returning device what it lacks of
 * them — compared through the stored bytes' digest — so a relay restart or a device coming back
 * loads no doc that did not change.
 */
import type { FastifyBaseLogger } from 'fastify'
import * as Y from 'yjs'
import { CloseCode, type Message } from '@ferry/protocol'
import { isGone } from '../storage/doc-store.ts'
import { compareWith, digestOf, digestOfStored, holdsNothing, type DocDigest } from './doc-digest.ts'
import type { MuxDoc } from './mux-doc.ts'
import { RelayBusy } from './memory-budget.ts'
import type { Room } from './room.ts'
import type { RoomDoc } from './room-doc.ts'
import type { Rooms } from './rooms.ts'
import type { StoredState } from './stored-state.ts'

/** Docs of one `open` loading at once. */
export const OPEN_CONCURRENCY = 8

export interface OpenJob {
  readonly doc: MuxDoc
  readonly stateVector: { readonly bytes: Uint8Array; readonly clocks: Map<number, number> }
  readonly deleteSetHash: Uint8Array
}

/** What `openBatch` needs from its socket. */
export interface OpeningSocket {
  readonly open: boolean
  drained(): Promise<void>
  /** Sends part of the doc's answer to its `open`: to this socket alone, so framed with its payload copied once. */
  answerDoc(doc: MuxDoc, message: Message): void
  refuse(doc: MuxDoc, code: number, reason: string): void
  mayRequest(doc: MuxDoc): boolean
  /** The doc is open and answered: handle what it received while loading. */
  opened(doc: MuxDoc): void
}

/** Opens (or answers again) every doc of `batch`; resolves with the names of those open at the end, in list order. */
export async function openBatch(batch: readonly OpenJob[], socket: OpeningSocket, rooms: Rooms, log: FastifyBaseLogger): Promise<string[]> {
  const quotaReadSince = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < batch.length && socket.open) {
      const job = batch[next++]!
      await socket.drained()
      await openOne(job, socket, rooms, log, quotaReadSince)
    }
  }
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, batch.length) }, worker))
  return batch.filter((job) => job.doc.state === 'open').map((job) => job.doc.name)
}

async function openOne(job: OpenJob, socket: OpeningSocket, rooms: Rooms, log: FastifyBaseLogger, quotaReadSince: number): Promise<void> {
  const { doc } = job
  if (doc.state === 'closed' || !socket.open) return
  // Counted before anything is read: an open past the limit costs nothing.
  if (!socket.mayRequest(doc)) return
  if (doc.state === 'open') {
    // A resync: the room's doc may have unloaded meanwhile (a failed load refuses the doc).
    const room = doc.room
    await room?.use(doc, (loaded) => answer(job, socket, room, loaded))
    return
  }
  // Answered in the turn it joined: nothing the room relays comes before the answer.
  const joined = (room: Room, answered: () => boolean): void => {
    // Closed by the client, refused or the socket gone while it loaded.
    if (doc.state !== 'loading' || !socket.open) return rooms.leave(room, doc)
    doc.room = room
    doc.state = 'open'
    if (answered()) socket.opened(doc)
  }
  try {
    const fromStore = await rooms.joinStored(doc.name, doc, quotaReadSince, (room, state) => joined(room, () => answerStored(job, socket, room, state)))
    if (fromStore || doc.state !== 'loading' || !socket.open) return
    await rooms.join(doc.name, doc, quotaReadSince, (room) => joined(room, () => answer(job, socket, room, room.loaded!)))
  } catch (error) {
    if (isGone(error)) return socket.refuse(doc, CloseCode.Gone, 'the document was deleted')
    if (error instanceof RelayBusy) return socket.refuse(doc, CloseCode.TryAgainLater, error.reason)
    log.error({ err: error }, 'loading a document failed')
    return socket.refuse(doc, CloseCode.InternalError, 'the document could not be loaded')
  }
}

/**
 * The doc's answer to its `open` from what the store holds (the room is unloaded: everything it
 * accepted is stored, nothing else came since the read); false when the doc was refused instead.
 * A client that holds nothing gets the stored update as it is. Any other is compared like a
 * loaded doc: what it lacks as a diff of the stored update, a step 1 when it holds what the store
 * lacks (its answer loads the doc), and a device returning with exactly what is stored gets its
 * `persisted` alone — after a restart, reconnecting devices load nothing.
 */
function answerStored(job: OpenJob, socket: OpeningSocket, room: Room, state: StoredState): boolean {
  const { doc } = job
  if (holdsNothing(job.stateVector.bytes, job.deleteSetHash)) {
    // The stored update as it is (reading it was counted).
    if (!state.empty) socket.answerDoc(doc, { type: 'sync-step2', update: state.update })
    doc.persisted(state.stateVector)
    return true
  }
  // Its digest hashes the delete set, a diff of the whole stored update: counted too.
  const digest = room.answerCounted(() => digestOfStored(state))
  if (!sendDifference(job, socket, room, digest, (stateVector) => Y.diffUpdate(state.update, stateVector))) return false
  doc.persisted(state.stateVector)
  return true
}

/** The doc's answer to its `open`; false when the doc was refused instead. */
function answer(job: OpenJob, socket: OpeningSocket, room: Room, loaded: RoomDoc): boolean {
  const { doc } = job
  const digest = digestOf(loaded.doc)
  if (!sendDifference(job, socket, room, digest, (stateVector) => Y.encodeStateAsUpdate(loaded.doc, stateVector))) return false
  // `persisted` covers what is stored: now, unless the room still holds updates to store.
  if (loaded.writer.dirty) loaded.writer.ackAfter(doc)
  else doc.persisted(digest.stateVector)
  return true
}

/**
 * Compares the client's state with `digest` and sends what each side lacks: a step 2 of what
 * the client lacks (`lacking` its state vector, computed and counted to the owner's apply time
 * as `Room.answerStep1`'s), a step 1 when the relay lacks something. False, and the doc refused,
 * when the client's state vector cannot be answered, or with 1013 when the client lacks
 * something while the owner waits for its apply time (here, a device that holds what the relay
 * does is not refused: reading a doc that was not loaded was checked before, in `joinStored`).
 */
function sendDifference(job: OpenJob, socket: OpeningSocket, room: Room, digest: DocDigest, lacking: (stateVector: Uint8Array) => Uint8Array): boolean {
  const { clientLacks, relayLacks } = compareWith(digest, job.stateVector.clocks, job.deleteSetHash)
  if (clientLacks) {
    const wait = room.answerWaits()
    if (wait !== null) {
      socket.refuse(job.doc, CloseCode.TryAgainLater, wait)
      return false
    }
    let update: Uint8Array
    try {
      update = room.answerCounted(() => lacking(job.stateVector.bytes))
    } catch {
      socket.refuse(job.doc, CloseCode.Malformed, 'malformed state vector')
      return false
    }
    socket.answerDoc(job.doc, { type: 'sync-step2', update })
  }
  if (relayLacks) socket.answerDoc(job.doc, { type: 'sync-step1', stateVector: digest.stateVector })
  return true
}
