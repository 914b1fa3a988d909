/**
 * The transport half of every sync socket, `/v1/sync` (`Session`) and `/v1/mux`
 * (`MuxSession`): sending with per-turn batching and the slow-reader cut-off, liveness pings,
 * closing. The sessions add the protocol on top.
 */
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import { CloseCode } from '@ferry/protocol'
import type { SendBatcher } from './send-batcher.ts'

/** What the sync plugin tracks of every socket, `/v1/sync` (`Session`) or `/v1/mux` (`MuxSession`). */
export interface SyncSocket {
  readonly grantId: string | null
  readonly session: { readonly userId: string; readonly sessionId: string } | null
  readonly reassemblingBytes: number
  close(code: number, reason: string): void
  ping(): boolean
  onClosed(listener: () => void): void
}

export interface SyncTransportOptions {
  readonly maxSendBufferBytes: number
  readonly batcher: SendBatcher
  readonly log: FastifyBaseLogger
}

export class SyncTransport {
  readonly #ws: WebSocket
  readonly #socket: Duplex
  readonly #transport: SyncTransportOptions
  /** Heard from (a pong or any frame) since the last ping. */
  #answered = true
  /** Largest frame sent since the unsent bytes were last within `maxSendBufferBytes`. */
  #largestQueued = 0
  /** Bytes of frames handed to the socket so far. */
  #sentBytes = 0
  /** At the last ping: whether bytes waited to go out, and how many had gone (`#sentBytes` less the unsent). */
  #waitingAtPing = false
  #goneAtPing = 0

  constructor(ws: WebSocket, socket: Duplex, opts: SyncTransportOptions) {
    this.#ws = ws
    this.#socket = socket
    this.#transport = opts
  }

  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN
  }

  /** Bytes queued and not yet written to the network. */
  get unsent(): number {
    return this.#ws.bufferedAmount
  }

  /**
   * Sends one frame. The unsent bytes are measured at the first send of a turn: what is still
   * unsent from earlier turns, not the frames this turn is batching. One frame may be larger
   * than the cap on its own (a large doc's sync step 2, a relayed offline catch-up): the unsent
   * bytes may pass the cap by the largest frame queued since they were last under it, so a
   * device on a slow link is not dropped (and made to start over, forever) while that frame
   * drains; past that the socket is closed with 4508. A `greeting` (a doc's answer to a mux
   * `open`) never closes it: the open waits for the socket to drain before it loads more docs,
   * so what a batch queues stays bounded without cutting off a device fetching a whole account.
   */
  sendFrame(frame: Uint8Array, greeting = false): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return
    if (this.#transport.batcher.hold(this.#socket)) {
      const unsent = this.#ws.bufferedAmount
      if (unsent <= this.#transport.maxSendBufferBytes) this.#largestQueued = 0
      else if (!greeting && unsent > this.#transport.maxSendBufferBytes + this.#largestQueued) {
        this.close(CloseCode.SlowConsumer, 'client is not reading')
        return
      }
    }
    this.#largestQueued = Math.max(this.#largestQueued, frame.length)
    this.#sentBytes += frame.length
    this.#ws.send(frame, { binary: true })
  }

  /** Resolves once the unsent bytes are at most half the send-buffer cap (or the socket closed). */
  async drained(): Promise<void> {
    while (this.open && this.#ws.bufferedAmount > this.#transport.maxSendBufferBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  /** The peer answered a ping (or sent anything): it is still there. */
  heard(): void {
    this.#answered = true
  }

  /**
   * One liveness round: drops the socket (no close handshake: the peer is gone or asleep) when
   * it did not answer since the previous round, else pings it. False when it was dropped.
   *
   * Also closes (4508) a socket that had bytes waiting for it at the last round and took none
   * of them since: a peer that sends but never reads counts as answering, and what waits for it
   * (up to the send-buffer cap, more for answers to a mux `open`) would stay in memory for as
   * long as it liked. A reader on a slow link takes some every round.
   */
  ping(): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return true
    const unsent = this.#ws.bufferedAmount
    // Frame headers count in `unsent` but not in `#sentBytes`: a stalled socket's `gone` only shrinks.
    const gone = this.#sentBytes - unsent
    if (this.#waitingAtPing && unsent > 0 && gone <= this.#goneAtPing) {
      this.#transport.log.debug('closing a sync socket that read nothing for a ping interval')
      this.close(CloseCode.SlowConsumer, 'client is not reading')
      return false
    }
    this.#waitingAtPing = unsent > 0
    this.#goneAtPing = gone
    if (!this.#answered) {
      this.#transport.log.debug('dropping a sync socket that did not answer a ping')
      this.#ws.terminate()
      return false
    }
    this.#answered = false
    this.#ws.ping()
    return true
  }

  /** Calls `listener` once the socket is closed (now, if it already is). */
  onClosed(listener: () => void): void {
    if (this.#ws.readyState === this.#ws.CLOSED) listener()
    else this.#ws.once('close', listener)
  }

  close(code: number, reason: string): void {
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING) {
      this.#ws.close(code, reason)
      // A peer that never answers the close handshake must not pin the socket.
      setTimeout(() => this.#ws.terminate(), 2_000).unref()
    }
  }
}
