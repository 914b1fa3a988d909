/**
 * One sync socket on one room. Every frame is decoded, validated and dispatched inside one
 * `try`: anything malformed — a text frame, bad framing, an update that does not decode, an
 * awareness state that is not the socket's own, fragments out of order — closes this socket
 * alone with 4400 (1009 for oversize awareness) and leaves the doc and the other sockets
 * untouched. Fragments (type 101) are reassembled up to `maxReassembledBytes` (a larger
 * declared total closes with 4413 before anything is buffered) and the whole frame is then
 * handled like any other: an update in fragments is applied, stored and acknowledged only once
 * complete, so a socket that dies mid-way leaves nothing behind and was told nothing.
 */
import type { Duplex } from 'node:stream'
import type { RawData, WebSocket } from 'ws'
import { CloseCode, decodeMessage, encodeMessage, Reassembly, withRetryAfter, type Message, type ReassemblyError } from '@ferry/protocol'
import type { GrantCheck } from './authorize.ts'
import type { Room, RoomMember } from './room.ts'
import { refusalOf } from './refusal.ts'
import { SyncTransport, type SyncTransportOptions } from './sync-transport.ts'

/** Frames a socket may send before its room has loaded; a stock provider sends 3. */
const MAX_EARLY_FRAMES = 256

export interface SessionOptions extends SyncTransportOptions {
  readonly wantsAck: boolean
  readonly readOnly: boolean
  /** Identifies what granted access (a share link), so revoking it can close the socket. */
  readonly grantId: string | null
  /** The user and sign-in session of the access token that opened the socket; null for share links. */
  readonly session: { readonly userId: string; readonly sessionId: string } | null
  /** Largest frame this socket may send in fragments; also caps what it sends before its room loaded. */
  readonly maxReassembledBytes: number
  /** Sync step 1 requests answered per minute; more close the socket with 4529. */
  readonly syncRequestsPerMinute: number
  /** Checks the grant again (share links: the collection not in its owner's trash); null: nothing to check. */
  readonly recheck: GrantCheck | null
}

export class Session extends SyncTransport implements RoomMember {
  readonly wantsAck: boolean
  readonly readOnly: boolean
  readonly grantId: string | null
  readonly session: { readonly userId: string; readonly sessionId: string } | null
  #room: Room | null = null
  /** Frames that arrived while the room was loading, handled once it is attached. */
  #early: Array<[RawData, boolean]> | null = []
  #earlyBytes = 0
  readonly #reassembly: Reassembly
  readonly #opts: SessionOptions
  #toldReadOnly = false
  /** Start of the current one-minute window of sync requests, and how many it has seen. */
  #requestWindow = 0
  #requests = 0
  /** What the room sent while the grant was being checked again (null: no check under way), and how many checks are. */
  #held: Uint8Array[] | null = null
  #checks = 0

  constructor(ws: WebSocket, socket: Duplex, opts: SessionOptions) {
    super(ws, socket, opts)
    this.#opts = opts
    this.wantsAck = opts.wantsAck
    this.readOnly = opts.readOnly
    this.grantId = opts.grantId
    this.session = opts.session
    this.#reassembly = new Reassembly(opts.maxReassembledBytes)
  }

  get sessionId(): string | null {
    return this.session?.sessionId ?? null
  }



  /** A frame from the room (RoomMember); held while the grant is being checked again. */
  send(frame: Uint8Array): void {
    if (this.#held === null) return this.sendFrame(frame)
    if (this.#held.length >= MAX_EARLY_FRAMES) return this.close(CloseCode.TryAgainLater, withRetryAfter('too many messages while checking access', 1))
    this.#held.push(frame)
  }

  get rechecks(): boolean {
    return this.#opts.recheck !== null
  }

  /**
   * Checks the grant again, holding what the room sends meanwhile: a refusal closes the socket
   * with it and nothing held is sent; a check that cannot answer closes it with 1013 (the
   * reconnect is checked afresh); else what was held goes out. Resolves once decided.
   */
  async recheck(): Promise<void> {
    const check = this.#opts.recheck
    if (check === null) return
    this.#held ??= []
    this.#checks++
    let refusal
    try {
      refusal = await check()
    } catch (error) {
      this.#opts.log.error({ err: error }, 'checking a link socket again failed')
      refusal = { code: CloseCode.TryAgainLater, reason: withRetryAfter('access could not be checked; reconnect', 1) }
    }
    if (--this.#checks > 0 && refusal === null) return
    const held = this.#held ?? []
    this.#held = null
    if (refusal) return this.close(refusal.code, refusal.reason)
    for (const frame of held) this.sendFrame(frame)
  }

  persisted(stateVector: Uint8Array): void {
    this.sendFrame(encodeMessage({ type: 'persisted', stateVector }))
  }


  /** Bytes held for this socket's fragmented message in progress. */
  get reassemblingBytes(): number {
    return this.#reassembly.bufferedBytes
  }

  get room(): Room | null {
    return this.#room
  }

  /** Attaches the loaded room and handles the frames that arrived meanwhile. */
  attach(room: Room): void {
    this.#room = room
    const early = this.#early ?? []
    this.#early = null
    for (const [data, isBinary] of early) this.receive(data, isBinary)
  }

  detach(): void {
    this.#room = null
    this.#early = null
    this.#reassembly.clear()
  }

  /** Handles one incoming frame. */
  receive(data: RawData, isBinary: boolean): void {
    this.heard()
    const room = this.#room
    if (!room) {
      if (!this.#early) return
      this.#earlyBytes += byteLength(data)
      if (this.#early.length >= MAX_EARLY_FRAMES || this.#earlyBytes > this.#opts.maxReassembledBytes) {
        this.close(CloseCode.TryAgainLater, withRetryAfter('too many messages while loading', 1))
      } else this.#early.push([data, isBinary])
      return
    }
    try {
      if (!isBinary || !Buffer.isBuffer(data)) throw new MalformedFrame('text frames are not part of the protocol')
      const decoded = decodeMessage(data)
      if (!decoded.ok) throw new MalformedFrame(decoded.error.message)
      if (decoded.value.type === 'fragment') {
        const pushed = this.#reassembly.push(decoded.value)
        if (!pushed.ok) throw new FragmentError(pushed.error)
        const frame = pushed.value
        if (frame === null) return
        const whole = decodeMessage(frame)
        if (!whole.ok) throw new MalformedFrame(whole.error.message)
        this.#dispatch(room, whole.value, frame)
        return
      }
      const interrupted = this.#reassembly.interrupt()
      if (!interrupted.ok) throw new FragmentError(interrupted.error)
      this.#dispatch(room, decoded.value, data)
    } catch (error) {
      this.#opts.log.debug({ err: error }, 'closing a sync socket after a bad message')
      if (error instanceof FragmentError && error.error.code === 'too-large') {
        this.close(CloseCode.ChangeTooLarge, `change over the relay's limit of ${this.#opts.maxReassembledBytes} bytes`)
      } else {
        const { code, reason } = refusalOf(error)
        this.close(code, reason)
      }
    }
  }

  /** Acts on one whole message; `frame` is its encoding (relayed as is when it is an update). */
  #dispatch(room: Room, message: Message, frame: Uint8Array): void {
    switch (message.type) {
      case 'sync-step1':
        if (!this.#mayRequest()) {
          return this.close(CloseCode.RateLimited, withRetryAfter('too many sync requests', (this.#requestWindow + 60_000 - Date.now()) / 1000))
        }
        room.answerStep1(this, message.stateVector)
        break
      case 'sync-step2':
      case 'sync-update':
        if (this.readOnly) this.#refuseWrite()
        else room.applyUpdate(this, message.update, message.type === 'sync-update' ? frame : null)
        break
      case 'awareness':
        if (this.readOnly) this.#refuseWrite()
        else room.applyAwareness(this, message.update, frame)
        break
      case 'query-awareness':
        room.answerAwarenessQuery(this)
        break
      default:
        throw new MalformedFrame(`clients do not send ${message.type}`)
    }
  }

  /** Counts a sync request; false past `syncRequestsPerMinute` in the current window. */
  #mayRequest(): boolean {
    const now = Date.now()
    if (now - this.#requestWindow >= 60_000) {
      this.#requestWindow = now
      this.#requests = 0
    }
    return ++this.#requests <= this.#opts.syncRequestsPerMinute
  }

  #refuseWrite(): void {
    if (this.#toldReadOnly) return
    this.#toldReadOnly = true
    this.sendFrame(encodeMessage({ type: 'auth-denied', reason: 'read-only: this link cannot change the document' }))
  }
}

class MalformedFrame extends Error {
  override name = 'MalformedFrame'
}

class FragmentError extends Error {
  override name = 'FragmentError'
  constructor(readonly error: ReassemblyError) {
    super(error.message)
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0)
  return data.byteLength
}
