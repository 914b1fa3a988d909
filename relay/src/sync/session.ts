/**
 * One sync socket on one room. Every frame is decoded, validated and dispatched inside one
 * `try`: anything malformed — a text frame, bad framing, an update that does not decode, an
 * awareness state that is not the socket's own — closes this socket alone with 4400 (1009
 * for oversize awareness) and leaves the doc and the other sockets untouched.
 */
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { RawData, WebSocket } from 'ws'
import { CloseCode, decodeMessage, encodeMessage } from '@ferry/protocol'
import { AwarenessError } from './awareness-states.ts'
import type { Room, RoomMember } from './room.ts'
import type { SendBatcher } from './send-batcher.ts'

/** Frames a socket may send before its room has loaded; a stock provider sends 3. */
const MAX_EARLY_FRAMES = 256

export interface SessionOptions {
  readonly wantsAck: boolean
  readonly readOnly: boolean
  /** Identifies what granted access (a share link), so revoking it can close the socket. */
  readonly grantId: string | null
  readonly maxSendBufferBytes: number
  readonly batcher: SendBatcher
  readonly log: FastifyBaseLogger
}

export class Session implements RoomMember {
  readonly wantsAck: boolean
  readonly readOnly: boolean
  readonly grantId: string | null
  #room: Room | null = null
  /** Frames that arrived while the room was loading, handled once it is attached. */
  #early: Array<[RawData, boolean]> | null = []
  readonly #ws: WebSocket
  readonly #socket: Duplex
  readonly #opts: SessionOptions
  #toldReadOnly = false

  constructor(ws: WebSocket, socket: Duplex, opts: SessionOptions) {
    this.#ws = ws
    this.#socket = socket
    this.#opts = opts
    this.wantsAck = opts.wantsAck
    this.readOnly = opts.readOnly
    this.grantId = opts.grantId
  }

  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN
  }

  send(frame: Uint8Array): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return
    // Measured at the first send of a turn: what is still unsent from earlier turns, not the
    // frames this turn is batching.
    if (this.#opts.batcher.hold(this.#socket) && this.#ws.bufferedAmount > this.#opts.maxSendBufferBytes) {
      this.close(CloseCode.SlowConsumer, 'client is not reading')
      return
    }
    this.#ws.send(frame, { binary: true })
  }

  /** Calls `listener` once the socket is closed (now, if it already is). */
  onClosed(listener: () => void): void {
    if (this.#ws.readyState === this.#ws.CLOSED) listener()
    else this.#ws.once('close', listener)
  }

  persisted(stateVector: Uint8Array): void {
    this.send(encodeMessage({ type: 'persisted', stateVector }))
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) {
      this.#ws.close(code, reason)
      // A peer that never answers the close handshake must not pin the socket.
      setTimeout(() => this.#ws.terminate(), 2_000).unref()
    }
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
  }

  /** Handles one incoming frame. */
  receive(data: RawData, isBinary: boolean): void {
    const room = this.#room
    if (!room) {
      if (this.#early && this.#early.length >= MAX_EARLY_FRAMES) this.close(CloseCode.TryAgainLater, 'too many messages while loading')
      else this.#early?.push([data, isBinary])
      return
    }
    try {
      if (!isBinary || !Buffer.isBuffer(data)) throw new MalformedFrame('text frames are not part of the protocol')
      const decoded = decodeMessage(data)
      if (!decoded.ok) throw new MalformedFrame(decoded.error.message)
      const message = decoded.value
      switch (message.type) {
        case 'sync-step1':
          room.answerStep1(this, message.stateVector)
          break
        case 'sync-step2':
        case 'sync-update':
          if (this.readOnly) this.#refuseWrite()
          else room.applyUpdate(this, message.update, message.type === 'sync-update' ? data : null)
          break
        case 'awareness':
          if (this.readOnly) this.#refuseWrite()
          else room.applyAwareness(this, message.update, data)
          break
        case 'query-awareness':
          room.answerAwarenessQuery(this)
          break
        default:
          throw new MalformedFrame(`clients do not send ${message.type}`)
      }
    } catch (error) {
      const tooLarge = error instanceof AwarenessError && error.code === 'too-large'
      this.#opts.log.debug({ err: error }, 'closing a sync socket after a bad message')
      this.close(tooLarge ? CloseCode.TooLarge : CloseCode.Malformed, tooLarge ? 'awareness state too large' : 'malformed message')
    }
  }

  #refuseWrite(): void {
    if (this.#toldReadOnly) return
    this.#toldReadOnly = true
    this.send(encodeMessage({ type: 'auth-denied', reason: 'read-only: this link cannot change the document' }))
  }
}

class MalformedFrame extends Error {
  override name = 'MalformedFrame'
}
