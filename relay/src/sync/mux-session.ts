/**
 * One multiplexed sync socket (`/v1/mux`, docs/PROTOCOL.md): every doc of one account, each a
 * `MuxDoc` member of its doc's ordinary `Room`. Frames are `docName · message`; the empty doc
 * name is the control channel (`open`, `close` from the client).
 *
 * Errors are scoped like the protocol says: a text frame, bad framing or a malformed control
 * message closes the socket (4400); a malformed doc message, a bad update, fragments out of
 * order or over the cap refuse that doc alone (4400, 4413, …) and the others carry on. Frames
 * for a doc that is not open (closed, refused, never opened) are dropped: the client may have
 * sent them before it read the `refused`.
 *
 * Limits: `MAX_DOCS_PER_SOCKET` docs open at once (more are refused with 4429), sync requests
 * (`open` answers and step 1s) per doc per minute (4529), `MAX_REASSEMBLED_BYTES` held for
 * fragments over every doc of the socket, frames kept while docs load (count and bytes), and
 * what waits in `open`s not answered yet (docs and state-vector bytes; past either the socket
 * is closed with 4529: a client sending `open`s faster than they are answered, or not reading
 * the answers, would otherwise make the relay hold all of them).
 */
import type { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import {
  CloseCode,
  decodeMessage,
  decodeMuxFrame,
  encodeControl,
  encodeDocFrame,
  encodeDocMessage,
  parseDocName,
  userAccess,
  withRetryAfter,
  type ControlMessage,
  type Message,
  type OpenRequest,
} from '@ferry/protocol'
import { refusalOf } from './refusal.ts'
import { MuxDoc, type MuxDocOwner } from './mux-doc.ts'
import { openBatch, type OpenJob } from './mux-open.ts'
import { SyncTransport, type SyncTransportOptions, type SyncSocket } from './sync-transport.ts'
import { readStateVector } from './doc-digest.ts'
import type { Rooms } from './rooms.ts'

/** Frames all the socket's loading docs may keep before their rooms are ready. */
const MAX_EARLY_FRAMES = 1024
/**
 * Docs that may wait in `open`s not answered yet, in multiples of `MAX_DOCS_PER_SOCKET`: a
 * client's first `open` plus a few resyncs of every doc while it loads.
 */
const WAITING_OPENS_PER_MAX_DOCS = 4
const MAX_DOC_NAME_BYTES = 512
const utf8 = new TextDecoder('utf-8', { fatal: true })

export interface MuxSessionOptions extends SyncTransportOptions {
  readonly session: { readonly userId: string; readonly sessionId: string }
  readonly rooms: Rooms
  /** Docs open (or opening) at once; more are refused with 4429. */
  readonly maxDocs: number
  /** Bytes held for fragmented messages in progress over all the socket's docs; also caps frames kept while docs load. */
  readonly maxReassembledBytes: number
  /** Sync requests (`open` answers, step 1s) per doc per minute; more refuse the doc with 4529. */
  readonly syncRequestsPerMinute: number
}

/**
 * The doc frame of `message`, built once per message and doc: a room relays one message to
 * all its sockets, and every multiplexed socket on that doc sends the same bytes (as `/v1/sync`
 * sockets share the room's frame). Building it per recipient cost a copy of each update per
 * socket on the fan-out path.
 */
const framed = new WeakMap<Uint8Array, { name: string; frame: Uint8Array }>()

function docFrame(name: string, message: Uint8Array): Uint8Array {
  const built = framed.get(message)
  if (built?.name === name) return built.frame
  const frame = encodeDocFrame(name, message)
  framed.set(message, { name, frame })
  return frame
}

export class MuxSession extends SyncTransport implements MuxDocOwner, SyncSocket {
  readonly grantId = null
  readonly session: { readonly userId: string; readonly sessionId: string }
  readonly #opts: MuxSessionOptions
  readonly #docs = new Map<string, MuxDoc>()
  /** `open` batches load one after the other. */
  #queue: Promise<void> = Promise.resolve()
  #earlyFrames = 0
  #earlyBytes = 0
  /** Docs, and bytes of their state vectors, in `open`s queued or being answered. */
  #waitingDocs = 0
  #waitingBytes = 0
  #requestWindow = 0
  readonly #requests = new Map<string, number>()

  constructor(ws: WebSocket, socket: Duplex, opts: MuxSessionOptions) {
    super(ws, socket, opts)
    this.#opts = opts
    this.session = opts.session
  }

  /** Docs open or opening on this socket. */
  get docCount(): number {
    return this.#docs.size
  }

  get reassemblingBytes(): number {
    let bytes = 0
    for (const doc of this.#docs.values()) bytes += doc.reassembly.bufferedBytes
    return bytes
  }

  /** Handles one incoming frame. */
  receive(data: RawData, isBinary: boolean): void {
    if (!this.open) return // closing: nothing more it sends is taken
    this.heard()
    if (!isBinary || !Buffer.isBuffer(data)) return this.close(CloseCode.Malformed, 'text frames are not part of the protocol')
    const head = splitFrame(data)
    if (head === null) return this.close(CloseCode.Malformed, 'malformed frame')
    if (head.docName === '') return this.#control(data)
    const doc = this.#docs.get(head.docName)
    if (!doc) return
    if (doc.state === 'open') return this.#onDoc(doc, head.body)
    this.#earlyFrames++
    this.#earlyBytes += head.body.length
    doc.early.push(head.body)
    doc.earlyBytes += head.body.length
    if (this.#earlyFrames > MAX_EARLY_FRAMES || this.#earlyBytes > this.#opts.maxReassembledBytes) {
      this.refuse(doc, CloseCode.TryAgainLater, withRetryAfter('too many messages while the doc loads', 1))
    }
  }

  /** The socket closed: every doc leaves its room. */
  detachAll(): void {
    for (const doc of [...this.#docs.values()]) this.#detach(doc)
  }

  sendDoc(doc: MuxDoc, message: Uint8Array, greeting = false): void {
    if (doc.state !== 'closed') this.sendFrame(docFrame(doc.name, message), greeting)
  }

  answerDoc(doc: MuxDoc, message: Message): void {
    if (doc.state !== 'closed') this.sendFrame(encodeDocMessage(doc.name, message), true)
  }

  refuse(doc: MuxDoc, code: number, reason: string): void {
    if (doc.state === 'closed') return
    this.#detach(doc)
    this.#sendControl({ type: 'refused', docName: doc.name, code, reason })
  }

  /** Counts a sync request on `doc`; false (and the doc refused with 4529) past the per-minute limit. */
  mayRequest(doc: MuxDoc): boolean {
    const now = Date.now()
    if (now - this.#requestWindow >= 60_000) {
      this.#requestWindow = now
      this.#requests.clear()
    }
    const count = (this.#requests.get(doc.name) ?? 0) + 1
    this.#requests.set(doc.name, count)
    if (count <= this.#opts.syncRequestsPerMinute) return true
    this.refuse(doc, CloseCode.RateLimited, withRetryAfter('too many sync requests for this doc', (this.#requestWindow + 60_000 - now) / 1000))
    return false
  }

  /** The doc's room loaded and it was answered: the frames kept meanwhile are handled now. */
  opened(doc: MuxDoc): void {
    const early = doc.early
    this.#earlyFrames -= early.length
    this.#earlyBytes -= doc.earlyBytes
    doc.early = []
    doc.earlyBytes = 0
    for (const body of early) if (doc.state === 'open') this.#onDoc(doc, body)
  }

  #control(data: Buffer): void {
    const decoded = decodeMuxFrame(data)
    if (!decoded.ok || decoded.value.channel !== 'control') return this.close(CloseCode.Malformed, 'malformed control message')
    const message = decoded.value.message
    if (message.type === 'open') return this.#open(message.docs)
    if (message.type === 'close') {
      for (const name of message.docs) {
        const doc = this.#docs.get(name)
        if (doc) this.#detach(doc)
      }
      return
    }
    this.close(CloseCode.Malformed, `clients do not send ${message.type}`)
  }

  /**
   * Checks every doc of an `open` now (refusing those it cannot open, in the order of the
   * list) and queues the rest to load; a doc already open is answered again (a resync).
   */
  #open(requests: readonly OpenRequest[]): void {
    const jobs = new Map<string, OpenJob>()
    for (const request of requests) {
      const name = request.docName
      const parsed = parseDocName(name)
      if (!parsed.ok) {
        this.#refuseName(name, CloseCode.BadDocName, parsed.error.message)
        continue
      }
      if (userAccess(this.session.userId, parsed.value) !== 'read-write') {
        this.#refuseName(name, CloseCode.Forbidden, 'this token grants no access to this doc')
        continue
      }
      const stateVector = readStateVector(request.stateVector)
      if (stateVector === null) {
        this.#refuseName(name, CloseCode.Malformed, 'malformed state vector')
        continue
      }
      let doc = this.#docs.get(name)
      if (!doc) {
        if (this.#docs.size >= this.#opts.maxDocs) {
          this.#refuseName(name, CloseCode.TooManyDocs, `this socket has ${this.#opts.maxDocs} docs open, the relay's limit`)
          continue
        }
        doc = new MuxDoc(parsed.value.name, this, this.#opts.maxReassembledBytes)
        this.#docs.set(name, doc)
      }
      jobs.delete(name) // listed twice: the last entry counts, in its place
      // Copies: a view would keep the whole frame while the job waits.
      jobs.set(name, { doc, stateVector: waitingStateVector(stateVector.bytes.slice()), deleteSetHash: request.deleteSetHash.slice() })
    }
    const batch = [...jobs.values()]
    let bytes = 0
    for (const job of batch) bytes += job.stateVector.bytes.length + job.deleteSetHash.length
    if (this.#waitingDocs + batch.length > WAITING_OPENS_PER_MAX_DOCS * this.#opts.maxDocs || this.#waitingBytes + bytes > this.#opts.maxReassembledBytes) {
      return this.close(CloseCode.RateLimited, withRetryAfter('too many docs waiting to open; wait for opened', 1))
    }
    this.#waitingDocs += batch.length
    this.#waitingBytes += bytes
    this.#queue = this.#queue
      .then(() => openBatch(batch, this, this.#opts.rooms, this.#opts.log))
      .then((opened) => this.#sendControl({ type: 'opened', docs: opened }))
      .catch((error: unknown) => this.#opts.log.error({ err: error }, 'opening docs on a multiplexed socket failed'))
      .finally(() => {
        this.#waitingDocs -= batch.length
        this.#waitingBytes -= bytes
      })
  }

  #refuseName(name: string, code: number, reason: string): void {
    const doc = this.#docs.get(name)
    if (doc) this.refuse(doc, code, reason)
    else this.#sendControl({ type: 'refused', docName: name, code, reason })
  }

  #sendControl(message: ControlMessage): void {
    this.sendFrame(encodeControl(message))
  }

  #detach(doc: MuxDoc): void {
    if (doc.state === 'closed') return
    doc.state = 'closed'
    if (this.#docs.get(doc.name) === doc) this.#docs.delete(doc.name)
    this.#earlyFrames -= doc.early.length
    this.#earlyBytes -= doc.earlyBytes
    doc.early = []
    doc.earlyBytes = 0
    doc.reassembly.clear()
    const room = doc.room
    doc.room = null
    if (room) this.#opts.rooms.leave(room, doc)
  }

  /** One doc message on an open doc; anything wrong with it refuses the doc alone. */
  #onDoc(doc: MuxDoc, body: Uint8Array): void {
    try {
      const decoded = decodeMessage(body)
      if (!decoded.ok) throw new MalformedMessage(decoded.error.message)
      if (decoded.value.type !== 'fragment') {
        const interrupted = doc.reassembly.interrupt()
        if (!interrupted.ok) throw new MalformedMessage(interrupted.error.message)
        return this.#dispatch(doc, decoded.value, body)
      }
      const fragment = decoded.value
      if (!doc.reassembly.inProgress && fragment.total <= this.#opts.maxReassembledBytes) {
        let reserved = fragment.total
        for (const other of this.#docs.values()) reserved += other.reserved
        if (reserved > this.#opts.maxReassembledBytes) {
          return this.refuse(doc, CloseCode.TryAgainLater, withRetryAfter('the socket is reassembling too much at once', 1))
        }
        doc.declared = fragment.total
      }
      const pushed = doc.reassembly.push(fragment)
      if (!pushed.ok) {
        if (pushed.error.code !== 'too-large') throw new MalformedMessage(pushed.error.message)
        return this.refuse(doc, CloseCode.ChangeTooLarge, `change over the relay's limit of ${this.#opts.maxReassembledBytes} bytes`)
      }
      if (pushed.value === null) return
      const whole = decodeMessage(pushed.value)
      if (!whole.ok) throw new MalformedMessage(whole.error.message)
      this.#dispatch(doc, whole.value, pushed.value)
    } catch (error) {
      this.#opts.log.debug({ err: error }, 'refusing a doc after a bad message')
      const { code, reason } = refusalOf(error)
      this.refuse(doc, code, reason)
    }
  }

  /** Acts on one whole message, as `Session` does; `frame` is its encoding (relayed as is). */
  #dispatch(doc: MuxDoc, message: Message, frame: Uint8Array): void {
    const room = doc.room
    if (!room) return
    switch (message.type) {
      case 'sync-step1':
        if (this.mayRequest(doc)) room.answerStep1(doc, message.stateVector)
        break
      case 'sync-step2':
      case 'sync-update':
        room.applyUpdate(doc, message.update, message.type === 'sync-update' ? frame : null)
        break
      case 'awareness':
        room.applyAwareness(doc, message.update, frame)
        break
      case 'query-awareness':
        room.answerAwarenessQuery(doc)
        break
      default:
        throw new MalformedMessage(`clients do not send ${message.type}`)
    }
  }
}

/**
 * A state vector checked when its `open` arrived, decoded again each time it is read: a decoded
 * one takes about ten times its bytes, and an `open`'s jobs wait for the ones before it.
 */
function waitingStateVector(bytes: Uint8Array): OpenJob['stateVector'] {
  return {
    bytes,
    get clocks() {
      return Y.decodeStateVector(bytes)
    },
  }
}

class MalformedMessage extends Error {
  override name = 'MalformedMessage'
}

/** A frame's doc name and the message after it, or null when the name is not readable. */
function splitFrame(bytes: Uint8Array): { docName: string; body: Uint8Array } | null {
  try {
    const decoder = decoding.createDecoder(bytes)
    const length = decoding.readVarUint(decoder)
    if (length > MAX_DOC_NAME_BYTES || length > bytes.length - decoder.pos) return null
    const docName = utf8.decode(bytes.subarray(decoder.pos, decoder.pos + length))
    return { docName, body: bytes.subarray(decoder.pos + length) }
  } catch {
    return null
  }
}
