/**
 * One socket per account (per tab leader) carrying every doc: the multiplexed protocol of
 * docs/PROTOCOL.md. When the socket opens, every doc goes in one `open` with its state vector
 * and delete-set hash; docs added later (a collection created on another device, a doc opened
 * lazily) and docs asking to resync go in the next one — coalesced per turn, so a burst of
 * 300 new docs is one message; a deleted or unloaded doc sends `close`.
 *
 * Per-doc problems (`refused`) stay with that doc and map to the same statuses as the per-doc
 * socket's close codes (close-outcome.ts). Socket-level closes apply to every doc: 4401
 * refreshes the token once and reconnects; anything else reconnects after a jittered backoff of
 * at least the `retry-after` the relay named. A relay that does not speak this protocol (4404,
 * a 4400 naming no version we speak, or an upgrade refused outright while the relay answers
 * per-doc sockets) makes the connection hand its docs to the per-doc transport (`onFallback`).
 */
import { CloseCode, decodeMuxFrame, encodeDocFrame, encodeMessage, retryAfterSeconds } from '@ferry/protocol'
import { muxFallbackReason, relayAskedToWait } from './close-outcome.ts'
import { Backoff } from '../backoff.ts'
import { Offline, SignedOut } from '../errors.ts'
import { closeSocket } from './doc-socket.ts'
import type { DocProtocol } from './doc-protocol.ts'
import { Liveness } from './liveness.ts'
import { MuxBatch } from './mux-batch.ts'
import { MuxChannel, type ChannelHost } from './mux-channel.ts'
import { DEFAULT_LIVENESS, SOCKET_OPEN, type SyncConnection, type WebSocketLike } from './types.ts'

export interface MuxOptions {
  /** The relay does not speak the multiplexed protocol: carry these docs on sockets of their own. */
  onFallback(docs: DocProtocol[], reason: string): void
  /** The relay has no room for the doc on this socket (4429): carry it on a socket of its own. */
  onOverflow(doc: DocProtocol): void
  /**
   * The socket failed before it ever opened without a close code (a browser cannot read the
   * HTTP status of a refused upgrade): true when the relay answers per-doc sockets, i.e. it is
   * up but lacks `/v1/mux`.
   */
  answersPerDoc?(token: string): Promise<boolean>
}

const PROBE = encodeMessage({ type: 'query-awareness' })

type Phase = 'idle' | 'connecting' | 'open' | 'offline' | 'stopped'

export class MuxConnection implements ChannelHost {
  readonly #connection: SyncConnection & { muxUrl(token: string): string }
  readonly #options: MuxOptions
  readonly #channels = new Map<string, MuxChannel>()
  readonly #backoff: Backoff
  readonly #liveness: Liveness
  #phase: Phase = 'idle'
  #socket: WebSocketLike | null = null
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  #flushTimer: ReturnType<typeof setTimeout> | null = null
  readonly #batch = new MuxBatch(() => this.#scheduleFlush())
  #justRefreshed = false
  /** The current socket opened (a close before that may mean the relay refused the upgrade). */
  #opened = false
  /** The last upgrade failed while per-doc sockets open: once more, and it is a relay without `/v1/mux`. */
  #suspectNoMux = false
  /** The session ended: every doc, also one added later, says so. */
  #signedOut = false
  /** While offline: the relay asked to wait (its docs show their changes on their way, not "offline"). */
  #waiting = false

  constructor(connection: SyncConnection & { muxUrl(token: string): string }, options: MuxOptions) {
    this.#connection = connection
    this.#options = options
    this.#backoff = new Backoff(connection.backoff)
    this.#liveness = new Liveness(connection.liveness === undefined ? DEFAULT_LIVENESS : connection.liveness, () => this.#probe(), () => this.#failed(new Offline('the relay stopped answering')))
    connection.online?.addEventListener('online', this.#onOnline)
  }

  get hasSocket(): boolean {
    return this.#socket !== null
  }

  /** Carries `doc` from now on (its `open` goes out with the next flush). */
  add(doc: DocProtocol): void {
    const channel = new MuxChannel(doc, this, this.#connection.backoff)
    this.#channels.set(doc.docName, channel)
    if (this.#signedOut) return doc.stop({ kind: 'signed-out' })
    if (this.#phase === 'stopped') return
    if (this.#phase === 'idle') return void this.#connect()
    if (this.#phase === 'open') return this.#scheduleFlush()
    if (this.#phase === 'offline') this.#showNotOpen(doc)
    else doc.connecting()
  }

  /** Docs being loaded together: their `open` waits for all of them (mux-batch.ts). */
  hold(loading: Promise<unknown>): void {
    this.#batch.hold(loading)
  }

  /** Closes the socket; the docs are their owners' to destroy. */
  destroy(): Promise<void> {
    this.#phase = 'stopped'
    this.#clearTimers()
    this.#connection.online?.removeEventListener('online', this.#onOnline)
    return this.#dropSocket()
  }

  // ——— ChannelHost ———

  send(frame: Uint8Array): void {
    if (this.#socket?.readyState === SOCKET_OPEN) this.#socket.send(frame)
  }

  wantsOpen(_channel: MuxChannel): void {
    if (this.#phase === 'open') return this.#scheduleFlush()
    if (this.#phase === 'offline' || this.#phase === 'idle') {
      this.#clearTimers()
      void this.#connect()
    }
  }

  halted(channel: MuxChannel): void {
    if (channel.onRelay) this.#batch.close(channel.name)
  }

  released(channel: MuxChannel): Promise<void> {
    if (this.#channels.get(channel.name) !== channel) return Promise.resolve()
    this.#channels.delete(channel.name)
    if (channel.onRelay) this.#batch.close(channel.name)
    // The last doc gone (sign-out, sync off, another tab leads now): no socket for nothing.
    if (this.#channels.size === 0 && this.#phase !== 'stopped') {
      this.#clearTimers()
      this.#batch.reset()
      this.#phase = 'idle'
      return this.#dropSocket()
    }
    this.#scheduleFlush()
    return Promise.resolve()
  }

  // ——— the socket ———

  readonly #onOnline = (): void => {
    // Ends a wait for the network, not one the relay asked for (its retry-after stands).
    if (this.#phase === 'offline' && !this.#waiting) {
      this.#clearTimers()
      void this.#connect()
    }
  }

  async #connect(): Promise<void> {
    if (this.#phase === 'stopped' || this.#phase === 'connecting' || this.#channels.size === 0) return
    this.#phase = 'connecting'
    for (const channel of this.#channels.values()) channel.doc.connecting()
    let token: string
    try {
      token = await this.#connection.token()
    } catch (error) {
      return this.#failed(error)
    }
    if (this.#phase !== 'connecting') return
    const socket = this.#connection.createSocket(this.#connection.muxUrl(token))
    socket.binaryType = 'arraybuffer'
    this.#socket = socket
    this.#opened = false
    this.#liveness.start()
    socket.onopen = () => {
      if (this.#socket !== socket) return
      this.#liveness.heard()
      this.#opened = true
      this.#suspectNoMux = false
      this.#phase = 'open'
      this.#batch.reset()
      for (const channel of this.#channels.values()) channel.socketLost()
      this.#flush()
    }
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return
      this.#liveness.heard()
      if (event.data instanceof ArrayBuffer) this.#receive(new Uint8Array(event.data))
    }
    socket.onerror = () => {
      // Always followed by `close`, which decides what happens next.
    }
    socket.onclose = (event) => {
      if (this.#socket === socket) void this.#closed(event.code, event.reason, token)
    }
  }

  #receive(bytes: Uint8Array): void {
    const decoded = decodeMuxFrame(bytes)
    if (!decoded.ok) return
    const frame = decoded.value
    if (frame.channel === 'doc') {
      const channel = this.#channels.get(frame.docName)
      if (!channel?.onRelay) return
      if (!channel.doc.receive(frame.message)) channel.doc.stop({ kind: 'error', reason: 'the relay sent an update that does not decode' })
      return
    }
    const message = frame.message
    if (message.type === 'opened') {
      for (const name of message.docs) this.#channels.get(name)?.opened()
      // The relay answers: the socket works, and the next failure starts from the shortest delay.
      this.#backoff.reset()
      this.#justRefreshed = false
    } else if (message.type === 'refused') {
      this.#refused(message.docName, message.code, message.reason)
    }
  }

  #refused(name: string, code: number, reason: string): void {
    const channel = this.#channels.get(name)
    if (!channel || channel.state === 'stopped') return
    channel.state = 'stopped'
    if (code === CloseCode.TooManyDocs) {
      this.#channels.delete(name)
      return this.#options.onOverflow(channel.doc)
    }
    const outcome = channel.doc.closed(code, reason)
    if (outcome.kind === 'retry') channel.retryLater(outcome.retryAfterMs)
    else if (outcome.kind === 'refresh') channel.retryLater(0)
  }

  async #closed(code: number, reason: string, token: string): Promise<void> {
    const opened = this.#opened
    void this.#dropSocket()
    if (this.#phase === 'stopped') return
    const fallback = muxFallbackReason(code, reason)
    if (fallback !== null) return this.#fallBack(fallback)
    if (!opened && code === 1006 && this.#options.answersPerDoc) {
      this.#toOffline()
      const perDoc = await this.#options.answersPerDoc(token).catch(() => false)
      if (this.#phase !== 'offline') return
      if (!perDoc) {
        this.#suspectNoMux = false
        return this.#retry(0)
      }
      // Twice in a row, so a relay that was just starting (down for the upgrade, up for the
      // check) is not taken for one without the endpoint.
      if (this.#suspectNoMux) return this.#fallBack('the relay answers per-doc sockets but refused the multiplexed upgrade')
      this.#suspectNoMux = true
      return void this.#connect()
    }
    if (code === CloseCode.Unauthenticated && !this.#justRefreshed) {
      this.#justRefreshed = true
      this.#phase = 'connecting'
      for (const channel of this.#channels.values()) {
        channel.socketLost()
        channel.doc.connecting()
      }
      this.#connection.refreshToken().then(
        () => {
          if (this.#phase !== 'connecting') return
          this.#phase = 'offline'
          return this.#connect()
        },
        (error: unknown) => this.#failed(error),
      )
      return
    }
    this.#failed(new Offline(reason), reason, relayAskedToWait(code))
  }

  /** `waiting`: the relay closed the socket asking to come back later (the device is online). */
  #failed(error: unknown, reason = '', waiting = false): void {
    void this.#dropSocket()
    if (this.#phase === 'stopped') return
    if (error instanceof SignedOut) {
      this.#signedOut = true
      this.#phase = 'stopped'
      this.#clearTimers()
      for (const channel of this.#channels.values()) channel.doc.stop({ kind: 'signed-out' })
      return
    }
    this.#toOffline(waiting)
    this.#retry((retryAfterSeconds(reason) ?? 0) * 1000)
  }

  /** No socket until the retry; `waiting`: because the relay asked to wait (see `#failed`). */
  #toOffline(waiting = false): void {
    this.#phase = 'offline'
    this.#waiting = waiting
    for (const channel of this.#channels.values()) {
      channel.socketLost()
      this.#showNotOpen(channel.doc)
    }
  }

  #showNotOpen(doc: DocProtocol): void {
    if (this.#waiting) doc.waiting()
    else doc.offline()
  }

  #retry(retryAfterMs: number): void {
    this.#clearTimers()
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      void this.#connect()
    }, this.#backoff.next(retryAfterMs))
  }

  #fallBack(reason: string): void {
    this.#phase = 'stopped'
    this.#clearTimers()
    const docs = [...this.#channels.values()].map((channel) => channel.doc)
    this.#channels.clear()
    this.#options.onFallback(docs, reason)
  }

  /** A liveness probe on the first open doc's channel (the control channel has no query). */
  #probe(): void {
    if (this.#socket?.readyState !== SOCKET_OPEN) return
    let awaited = false
    for (const channel of this.#channels.values()) {
      if (channel.state === 'open') return this.#socket.send(encodeDocFrame(channel.name, PROBE))
      awaited ||= channel.state === 'opening' || channel.state === 'queued'
    }
    // No doc open to ask on. One still waiting for its `open` to be answered: the relay has been
    // silent all this while, so the timeout runs. None (all refused or retrying later): nothing
    // to lose by waiting.
    if (!awaited) this.#liveness.heard()
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== null || this.#phase !== 'open') return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null
      this.#flush()
    }, 0)
  }

  #flush(): void {
    const socket = this.#socket
    if (this.#phase !== 'open' || socket === null) return
    this.#batch.flush(this.#channels.values(), (frame) => this.send(frame), () => this.#socket === socket && this.#phase === 'open')
  }

  #dropSocket(): Promise<void> {
    const socket = this.#socket
    this.#socket = null
    this.#liveness.stop()
    return closeSocket(socket)
  }

  #clearTimers(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer)
    this.#retryTimer = this.#flushTimer = null
  }
}
