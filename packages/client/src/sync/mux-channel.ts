/**
 * One doc on the account's multiplexed socket: its `DocLink`, and where it stands on the
 * socket. The connection (mux-connection.ts) owns the socket and moves channels between
 * states; a channel only frames what its doc sends and asks the connection for the rest.
 */
import { encodeDocFrame } from '@ferry/protocol'
import { Backoff, type BackoffOptions } from '../backoff.ts'
import type { DocLink, DocProtocol } from './doc-protocol.ts'

/**
 * - `queued`: goes in the next `open` (new, reconnected, retried or restarted by `syncNow`);
 * - `opening`: in an `open` the relay has not answered with `opened` yet;
 * - `open`: open on the socket;
 * - `waiting`: refused for a reason that may pass (retry after a backoff);
 * - `stopped`: refused for good or stopped by its doc (error, deleted): not open on the relay.
 */
export type ChannelState = 'queued' | 'opening' | 'open' | 'waiting' | 'stopped'

/** What a channel needs from its connection. */
export interface ChannelHost {
  /** Sends a frame on the socket, if one is open. */
  send(frame: Uint8Array): void
  readonly hasSocket: boolean
  /** The channel wants an `open` (or a resync): flush soon; reconnect now when offline. */
  wantsOpen(channel: MuxChannel): void
  /** The channel's doc stopped: tell the relay (`close`) if the doc is open there. */
  halted(channel: MuxChannel): void
  /** The doc is done with; resolves once nothing more of it goes out (the socket closed, if it was the last). */
  released(channel: MuxChannel): Promise<void>
}

export class MuxChannel implements DocLink {
  readonly doc: DocProtocol
  readonly #host: ChannelHost
  state: ChannelState = 'queued'
  /** An open doc asked the relay for its state again: goes in the next `open` as a resync. */
  resync = false
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  readonly #backoff: Backoff

  constructor(doc: DocProtocol, host: ChannelHost, backoff: BackoffOptions | undefined) {
    this.doc = doc
    this.#host = host
    this.#backoff = new Backoff(backoff)
    doc.bind(this)
  }

  get name(): string {
    return this.doc.docName
  }

  get hasSocket(): boolean {
    return this.state !== 'stopped' && this.#host.hasSocket
  }

  /** True when the relay has the doc open, or is opening it. */
  get onRelay(): boolean {
    return this.state === 'open' || this.state === 'opening'
  }

  sendFrame(frame: Uint8Array): void {
    if (this.onRelay) this.#host.send(encodeDocFrame(this.doc.docName, frame))
  }

  syncNow(): void {
    this.#clearRetry()
    if (this.state === 'open') this.resync = true
    else if (this.state !== 'opening') this.state = 'queued'
    this.#host.wantsOpen(this)
  }

  halt(): void {
    this.#clearRetry()
    this.#host.halted(this)
    this.state = 'stopped'
  }

  release(): Promise<void> {
    this.#clearRetry()
    return this.#host.released(this)
  }

  /** The relay named the doc in `opened`. */
  opened(): void {
    if (this.state !== 'opening' && this.state !== 'open') return
    this.state = 'open'
    this.resync = false
    this.#backoff.reset()
    this.doc.opened()
  }

  /** Refused for a reason that may pass: open again after a backoff (at least `retryAfterMs`). */
  retryLater(retryAfterMs: number): void {
    this.state = 'waiting'
    this.doc.waiting()
    this.#clearRetry()
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      if (this.state !== 'waiting') return
      this.state = 'queued'
      this.#host.wantsOpen(this)
    }, this.#backoff.next(retryAfterMs))
  }

  /** The socket went away: everything not stopped opens again on the next one. */
  socketLost(): void {
    this.#clearRetry()
    this.resync = false
    if (this.state !== 'stopped') this.state = 'queued'
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }
}
