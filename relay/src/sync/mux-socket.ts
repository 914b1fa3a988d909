/**
 * The transport half of a multiplexed socket (`/v1/mux`): sending with the per-turn batching
 * and the slow-reader cut-off of `/v1/sync` sockets, liveness pings, closing. `MuxSession`
 * adds the docs on top.
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

export interface MuxSocketOptions {
  readonly maxSendBufferBytes: number
  readonly batcher: SendBatcher
  readonly log: FastifyBaseLogger
}

export class MuxSocket {
  readonly #ws: WebSocket
  readonly #socket: Duplex
  readonly #transport: MuxSocketOptions
  /** Heard from (a pong or any frame) since the last ping. */
  #answered = true
  /** Largest frame sent since the unsent bytes were last within `maxSendBufferBytes`. */
  #largestQueued = 0

  constructor(ws: WebSocket, socket: Duplex, opts: MuxSocketOptions) {
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
   * Sends one frame, like `Session.send`: the unsent bytes may pass the cap by the largest frame
   * queued since they were last under it, else the socket is closed with 4508. A `greeting`
   * (a doc's answer to an `open`) never closes it: the open waits for the socket to drain
   * before it loads more docs, so what a batch queues stays bounded without cutting off a device
   * fetching a whole account.
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

  /** One liveness round, as `Session.ping`: false when the socket was dropped. */
  ping(): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return true
    if (!this.#answered) {
      this.#transport.log.debug('dropping a multiplexed sync socket that did not answer a ping')
      this.#ws.terminate()
      return false
    }
    this.#answered = false
    this.#ws.ping()
    return true
  }

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
