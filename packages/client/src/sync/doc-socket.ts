/**
 * The per-doc transport: one socket (`/v1/sync/<docName>?…&ack=1`) carrying one doc's
 * `DocProtocol`. Share links use it, and so does an account whose relay does not speak the
 * multiplexed protocol. Reconnects with jittered backoff (at least the `retry-after` a
 * relay names), refreshes the access token once on a 4401 close, and stops — with the doc's
 * typed status — when the session ended or the relay refuses the doc.
 */
import { CloseCode, decodeMessage, encodeMessage } from '@ferry/protocol'
import { Backoff } from '../backoff.ts'
import { Offline, SignedOut } from '../errors.ts'
import { relayAskedToWait } from './close-outcome.ts'
import type { DocLink, DocProtocol } from './doc-protocol.ts'
import { Liveness } from './liveness.ts'
import { DEFAULT_LIVENESS, SOCKET_OPEN, type SyncConnection, type WebSocketLike } from './types.ts'

/** Longest wait for a peer to answer a close, ms; after it the socket counts as gone. */
export const CLOSE_WAIT_MS = 2_000
const PROBE = encodeMessage({ type: 'query-awareness' })

/** Closes `socket` (1000); resolves once it is closed, or after `CLOSE_WAIT_MS` for a silent peer. */
export function closeSocket(socket: WebSocketLike | null): Promise<void> {
  if (!socket || socket.readyState > SOCKET_OPEN) return Promise.resolve()
  socket.onopen = socket.onmessage = null
  socket.onerror = () => {}
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS)
    socket.onclose = () => {
      clearTimeout(timer)
      resolve()
    }
    socket.close(1000)
  })
}

export class DocSocket implements DocLink {
  readonly #doc: DocProtocol
  readonly #connection: SyncConnection
  readonly #backoff: Backoff
  readonly #liveness: Liveness
  #socket: WebSocketLike | null = null
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  /** True while a token is fetched or a socket is opening. */
  #attempting = false
  #justRefreshed = false
  #released = false

  constructor(doc: DocProtocol, connection: SyncConnection) {
    this.#doc = doc
    this.#connection = connection
    this.#backoff = new Backoff(connection.backoff)
    this.#liveness = new Liveness(
      connection.liveness === undefined ? DEFAULT_LIVENESS : connection.liveness,
      () => {
        if (this.#socket?.readyState === SOCKET_OPEN) this.#socket.send(PROBE)
      },
      () => this.#silent(),
    )
    doc.bind(this)
    connection.online?.addEventListener('online', this.#onOnline)
    void this.#connect()
  }

  get hasSocket(): boolean {
    return this.#socket !== null
  }

  get released(): boolean {
    return this.#released
  }

  sendFrame(frame: Uint8Array): void {
    if (this.#socket?.readyState === SOCKET_OPEN) this.#socket.send(frame)
  }

  syncNow(): void {
    if (this.#released || this.#attempting) return
    if (this.#doc.isOpen && this.#socket) {
      this.#doc.askState()
      return
    }
    this.#clearRetry()
    void this.#connect()
  }

  halt(): void {
    this.#clearRetry()
    void this.#dropSocket()
  }

  release(): Promise<void> {
    this.#released = true
    this.#clearRetry()
    this.#connection.online?.removeEventListener('online', this.#onOnline)
    return this.#dropSocket()
  }

  readonly #onOnline = (): void => {
    if (this.#doc.status.kind === 'offline') this.syncNow()
  }

  async #connect(): Promise<void> {
    if (this.#released || this.#doc.stopped) return
    this.#doc.connecting()
    let token: string
    this.#attempting = true
    try {
      token = await this.#connection.token()
    } catch (error) {
      this.#attempting = false
      return this.#failed(error)
    }
    if (this.#released || this.#doc.stopped) return
    const socket = this.#connection.createSocket(this.#connection.url(this.#doc.docName, token))
    socket.binaryType = 'arraybuffer'
    this.#socket = socket
    this.#liveness.start()
    socket.onopen = () => {
      if (this.#socket !== socket) return
      this.#liveness.heard()
      this.#attempting = false
      this.#doc.socketOpen()
    }
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return
      this.#liveness.heard()
      this.#receive(socket, event.data)
    }
    socket.onerror = () => {
      // Always followed by `close`, which decides what happens next.
    }
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#closed(event.code, event.reason)
    }
  }

  #receive(socket: WebSocketLike, data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return
    const decoded = decodeMessage(new Uint8Array(data))
    if (!decoded.ok) return
    if (!this.#doc.receive(decoded.value)) {
      socket.close(CloseCode.Malformed, 'undecodable update')
      return
    }
    if (decoded.value.type === 'sync-step2') {
      this.#backoff.reset()
      this.#justRefreshed = false
    }
  }

  #closed(code: number, reason: string): void {
    this.#attempting = false
    void this.#dropSocket()
    const outcome = this.#doc.closed(code, reason)
    if (outcome.kind === 'refresh' && !this.#justRefreshed) {
      this.#justRefreshed = true
      this.#attempting = true
      this.#doc.connecting()
      this.#connection.refreshToken().then(
        () => this.#connect(),
        (error: unknown) => {
          this.#attempting = false
          this.#failed(error)
        },
      )
      return
    }
    if (outcome.kind === 'refresh' || outcome.kind === 'retry') {
      this.#failed(new Offline(reason), outcome.kind === 'retry' ? outcome.retryAfterMs : 0, relayAskedToWait(code))
    }
  }

  /** `waiting`: the relay closed the socket asking to come back later (the device is online). */
  #failed(error: unknown, retryAfterMs = 0, waiting = false): void {
    void this.#dropSocket()
    if (this.#released || this.#doc.stopped) return
    if (error instanceof SignedOut) return this.#doc.stop({ kind: 'signed-out' })
    if (waiting) this.#doc.waiting()
    else this.#doc.offline()
    this.#clearRetry()
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      void this.#connect()
    }, this.#backoff.next(retryAfterMs))
  }

  /** The relay stopped answering: drop the socket without waiting for a close, and reconnect. */
  #silent(): void {
    this.#attempting = false
    void this.#dropSocket()
    this.#failed(new Offline('the relay stopped answering'))
  }

  #dropSocket(): Promise<void> {
    const socket = this.#socket
    this.#socket = null
    this.#liveness.stop()
    return closeSocket(socket)
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }
}
