/**
 * One doc's connection to the relay: y-websocket sync (step 1 / step 2 / update) with Ferry's
 * `ack=1` extension, so the status can say `in sync` only once the relay has durably stored
 * every local change. Reconnects with backoff, refreshes the access token on a 4401 close,
 * and stops for good — with a typed status — when the session ended or the relay refuses the
 * doc. A 4410 close means the doc was deleted (by another device): the provider stops and
 * fires `onDeleted`, and its owner drops the local copy. Awareness is not used by Ferry and is ignored.
 *
 * Any amount of offline work goes through: the catch-up after a reconnect is split by Yjs
 * client into pieces (catch-up.ts), and any frame over `FRAGMENT_CHUNK_BYTES` is sent as
 * fragments (type 101), so no frame is ever near the relay's frame limit. A change over the
 * relay's reassembly cap (4413) stops the doc with an error that says what to do; nothing local
 * is deleted, and `syncNow()` tries again (after the operator raised the limit, say). So does a
 * change the account's storage quota has no room for (4507).
 */
import { CloseCode, decodeMessage, encodeMessage, fragmentFrame, type DocName, type Message } from '@ferry/protocol'
import * as Y from 'yjs'
import { Backoff, type BackoffOptions } from './backoff.ts'
import { catchUpUpdates } from './catch-up.ts'
import { Emitter } from './emitter.ts'
import { Offline, SignedOut } from './errors.ts'
import { EMPTY_UPDATE, hasDeletions, PendingChanges } from './pending-changes.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'

/** The part of the browser `WebSocket` this provider uses (the `ws` package fits too). */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
}

export type WebSocketFactory = (url: string) => WebSocketLike

/** What every doc of one account shares: where to connect and with which token. */
export interface SyncConnection {
  /** The sync URL of `docName` with `token`, opted in to `persisted` acks. */
  url(docName: DocName, token: string): string
  /** A valid access token. @throws SignedOut | Offline */
  token(): Promise<string>
  /** A new access token after the relay rejected the current one. @throws SignedOut | Offline */
  refreshToken(): Promise<string>
  createSocket: WebSocketFactory
  /** Asks the relay to delete a doc of the account for good. @throws RelayError (`Offline`, `SignedOut`, …) */
  deleteDoc?(docName: DocName): Promise<void>
  backoff?: BackoffOptions
  /** Fires `online` when the network returns (the browser `window`); a retry then starts at once. */
  online?: EventTarget | null
  /** How a silent relay is detected; default {@link DEFAULT_LIVENESS}, null: never. */
  liveness?: LivenessOptions | null
}

/**
 * A socket that carried nothing for `idleMs` gets a probe (an awareness query, which the relay
 * always answers and which touches neither the doc nor the acks); when nothing at all arrives
 * within `timeoutMs` after it — or a socket is still not open after `idleMs + timeoutMs` — the
 * relay counts as gone: the socket is dropped and the provider reconnects (a laptop that slept,
 * a network that silently dropped the connection, a relay host that vanished).
 */
export interface LivenessOptions {
  readonly idleMs: number
  readonly timeoutMs: number
}

export const DEFAULT_LIVENESS: LivenessOptions = { idleMs: 25_000, timeoutMs: 10_000 }
const PROBE = encodeMessage({ type: 'query-awareness' })

type ProviderEvents = { status: SyncStatus; deleted: void }
type Phase = 'idle' | 'connecting' | 'offline' | 'open' | 'stopped'

const OPEN = 1
/** Longest wait for a peer to answer a close, ms; after it the socket counts as gone. */
const CLOSE_WAIT_MS = 2_000
/** Close codes after which reconnecting with the same doc and a fresh token cannot help. */
/** The status of a doc the relay says was deleted (4410). */
export const DELETED_STATUS: SyncStatus = { kind: 'error', reason: 'deleted by its owner' }
const fatalCloses: ReadonlyMap<number, string> = new Map([
  [CloseCode.Forbidden, 'not allowed'],
  [CloseCode.BadDocName, 'bad document name'],
  [CloseCode.Malformed, 'the relay rejected a message'],
])
/** Closes that refuse a change for its size: the doc stops, and `syncNow()` may try again. */
const tooLargeCloses: ReadonlyMap<number, string> = new Map([
  [CloseCode.ChangeTooLarge, 'MAX_REASSEMBLED_BYTES'],
  [CloseCode.TooLarge, 'MAX_OWNER_MESSAGE_BYTES'],
])

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/** What a user reads when the relay refused a change for the account's storage quota (4507). */
export function quotaReason(relayReason: string): string {
  const limit = /(\d+) bytes/.exec(relayReason)
  const bytes = limit ? Number(limit[1]) : 0
  const of = !limit ? '' : bytes >= 1024 * 1024 ? ` of ${megabytes(bytes)}` : ` of ${Math.ceil(bytes / 1024)} KB`
  return `the account's storage quota${of} on the relay is full; this change stays on this device — free space by deleting collections, or ask the relay's operator to raise the quota, then sync again`
}

/** What a user reads when the relay refused a change for its size, and what they can do. */
export function tooLargeReason(changeBytes: number, setting: string, relayReason: string): string {
  const limit = /(\d+) bytes/.exec(relayReason)
  const over = limit ? `over its limit of ${megabytes(Number(limit[1]))}` : 'over its limit'
  return `a change of ${megabytes(changeBytes)} is too large for the relay (${over}); it stays on this device — ask the relay's operator to raise ${setting}, then sync again`
}


export class SyncProvider {
  readonly doc: Y.Doc
  readonly docName: DocName
  readonly #connection: SyncConnection
  readonly #backoff: Backoff
  readonly #events = new Emitter<ProviderEvents>()
  #socket: WebSocketLike | null = null
  #phase: Phase = 'idle'
  #status: SyncStatus = { kind: 'connecting' }
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  /** Set once the relay's state arrived on the current socket. */
  #handshakeDone = false
  /** Local changes the relay has not durably stored yet. */
  readonly #pending = new PendingChanges()
  #justRefreshed = false
  /** True while a token is fetched or a socket is opening. */
  #attempting = false
  /** Stopped because the relay refused a change for its size or the quota: `syncNow()` may try again. */
  #stoppedTooLarge = false
  /** Largest message (before fragmenting) sent on the current socket, bytes. */
  #largestSent = 0
  #nextFragmentId = 0
  readonly #liveness: LivenessOptions | null
  #livenessTimer: ReturnType<typeof setTimeout> | null = null
  /** When the current socket last carried anything (or was created), ms. */
  #heardAt = 0
  /** When the pending probe went out (or the open deadline started); null when none is pending. */
  #probeAt: number | null = null

  constructor(doc: Y.Doc, docName: DocName, connection: SyncConnection) {
    this.doc = doc
    this.docName = docName
    this.#connection = connection
    this.#backoff = new Backoff(connection.backoff)
    this.#liveness = connection.liveness === undefined ? DEFAULT_LIVENESS : connection.liveness
    // What was loaded from disk may hold changes never sent (deletions included).
    const loaded = Y.decodeStateVector(Y.encodeStateVector(doc))
    if (loaded.size > 0) this.#pending.add(loaded, true)
    doc.on('update', this.#onDocUpdate)
    connection.online?.addEventListener('online', this.#onOnline)
    void this.#connect()
  }

  get status(): SyncStatus {
    return this.#status
  }

  /** True while this provider has a socket (open or opening). */
  get hasSocket(): boolean {
    return this.#socket !== null
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  /** Called once the relay closed the socket with 4410: the doc was deleted and will not come back. */
  onDeleted(listener: () => void): () => void {
    return this.#events.on('deleted', listener)
  }

  /** Reconnects now when offline; when connected, asks the relay for its state again. */
  syncNow(): void {
    if (this.#phase === 'stopped' && this.#stoppedTooLarge) {
      this.#stoppedTooLarge = false
      this.#phase = 'idle'
    }
    if (this.#phase === 'stopped' || this.#attempting) return
    if (this.#phase === 'open' && this.#socket) {
      this.#send({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) })
      return
    }
    this.#clearRetry()
    void this.#connect()
  }

  /** Stops for good; resolves once the socket is closed. The doc is left as is (its owner destroys it). */
  destroy(): Promise<void> {
    this.#phase = 'stopped'
    this.#clearRetry()
    this.doc.off('update', this.#onDocUpdate)
    this.#connection.online?.removeEventListener('online', this.#onOnline)
    this.#events.clear()
    return this.#dropSocket()
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    this.#pending.add(Y.parseUpdateMeta(update).to, hasDeletions(update))
    if (this.#phase === 'open') {
      this.#send({ type: 'sync-update', update })
      this.#pending.sentLatest()
    }
    this.#updateStatus()
  }

  readonly #onOnline = (): void => {
    if (this.#phase === 'offline') this.syncNow()
  }

  async #connect(): Promise<void> {
    if (this.#phase === 'stopped') return
    this.#phase = this.#phase === 'offline' ? 'offline' : 'connecting'
    this.#updateStatus()
    let token: string
    this.#attempting = true
    try {
      token = await this.#connection.token()
    } catch (error) {
      this.#attempting = false
      return this.#failed(error)
    }
    if ((this.#phase as Phase) === 'stopped') return
    const socket = this.#connection.createSocket(this.#connection.url(this.docName, token))
    socket.binaryType = 'arraybuffer'
    this.#socket = socket
    this.#pending.newSocket()
    this.#handshakeDone = false
    this.#largestSent = 0
    this.#heard()
    this.#armLiveness(0)
    socket.onopen = () => {
      if (this.#socket !== socket) return
      this.#heard()
      this.#attempting = false
      this.#phase = 'open'
      this.#send({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc) })
      this.#updateStatus()
    }
    socket.onmessage = (event) => {
      if (this.#socket !== socket) return
      this.#heard()
      this.#receive(event.data)
    }
    socket.onerror = () => {
      // Always followed by `close`, which decides what happens next.
    }
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#closed(event.code, event.reason)
    }
  }

  #receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return
    const decoded = decodeMessage(new Uint8Array(data))
    if (!decoded.ok) return
    const message = decoded.value
    switch (message.type) {
      case 'sync-step1': {
        // The relay's step 1 is its in-memory state, not necessarily stored: it does not count
        // as coverage. Our step 2 (even an empty one) is acknowledged with a `persisted`; after
        // long offline work it goes in several pieces, each acknowledged.
        const pieces = catchUpUpdates(this.doc, message.stateVector)
        for (const update of pieces) this.#send({ type: 'sync-step2', update })
        this.#pending.sentAll(pieces.length)
        break
      }
      case 'sync-step2':
      case 'sync-update':
        if (!this.#applyRemote(message.update)) return
        if (message.type === 'sync-step2') {
          this.#handshakeDone = true
          this.#backoff.reset()
          this.#justRefreshed = false
        }
        break
      case 'persisted':
        this.#pending.persisted(Y.decodeStateVector(message.stateVector))
        if (this.#pending.wantsProbe()) {
          this.#send({ type: 'sync-update', update: EMPTY_UPDATE })
          this.#pending.sentProbe()
        }
        break
      case 'auth-denied':
        this.#stop({ kind: 'error', reason: message.reason || 'read-only' })
        return
      default:
        return
    }
    this.#updateStatus()
  }

  /** Applies an update from the relay; false when it does not decode (then the socket is dropped). */
  #applyRemote(update: Uint8Array): boolean {
    try {
      this.#pending.relayHas(Y.parseUpdateMeta(update).to)
      Y.applyUpdate(this.doc, update, this)
      return true
    } catch {
      this.#socket?.close(CloseCode.Malformed, 'undecodable update')
      return false
    }
  }

  #closed(code: number, reason: string): void {
    this.#attempting = false
    void this.#dropSocket()
    if (code === CloseCode.Gone) {
      // First: an owner that drops the doc now never shows its error status.
      this.#events.emit('deleted', undefined)
      return this.#stop(DELETED_STATUS)
    }
    const fatal = fatalCloses.get(code)
    if (fatal !== undefined) return this.#stop({ kind: 'error', reason: reason || fatal })
    const setting = tooLargeCloses.get(code)
    if (setting !== undefined || code === CloseCode.QuotaExceeded) {
      const message = setting !== undefined ? tooLargeReason(this.#largestSent, setting, reason) : quotaReason(reason)
      this.#stop({ kind: 'error', reason: message })
      this.#stoppedTooLarge = true
      return
    }
    if (code === CloseCode.Unauthenticated && !this.#justRefreshed) {
      this.#justRefreshed = true
      this.#attempting = true
      this.#phase = 'connecting'
      this.#updateStatus()
      this.#connection.refreshToken().then(
        () => this.#connect(),
        (error: unknown) => {
          this.#attempting = false
          this.#failed(error)
        },
      )
      return
    }
    this.#failed(new Offline(reason))
  }

  #failed(error: unknown): void {
    void this.#dropSocket()
    if (this.#phase === 'stopped') return
    if (error instanceof SignedOut) return this.#stop({ kind: 'signed-out' })
    this.#phase = 'offline'
    this.#updateStatus()
    this.#clearRetry()
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      void this.#connect()
    }, this.#backoff.next())
  }

  #stop(status: SyncStatus): void {
    this.#phase = 'stopped'
    this.#stoppedTooLarge = false
    this.#clearRetry()
    void this.#dropSocket()
    this.#setStatus(status)
  }

  #heard(): void {
    this.#heardAt = Date.now()
  }

  /** (Re)starts the liveness check of the current socket, `delay` ms from now. */
  #armLiveness(delay: number): void {
    if (this.#livenessTimer !== null) clearTimeout(this.#livenessTimer)
    this.#livenessTimer = null
    if (this.#liveness === null || this.#socket === null) return
    if (delay === 0) {
      this.#probeAt = null
      delay = this.#liveness.idleMs
    }
    this.#livenessTimer = setTimeout(this.#checkLiveness, delay)
  }

  readonly #checkLiveness = (): void => {
    this.#livenessTimer = null
    const socket = this.#socket
    const liveness = this.#liveness
    if (socket === null || liveness === null) return
    const now = Date.now()
    if (this.#probeAt !== null) {
      if (this.#heardAt >= this.#probeAt) this.#probeAt = null
      else if (now - this.#probeAt >= liveness.timeoutMs) return this.#silent()
      else return this.#armLiveness(this.#probeAt + liveness.timeoutMs - now)
    }
    const quiet = now - this.#heardAt
    if (quiet < liveness.idleMs) return this.#armLiveness(liveness.idleMs - quiet)
    // Quiet for idleMs: ask (or, while still opening, give it timeoutMs more).
    this.#probeAt = now
    if (socket.readyState === OPEN) socket.send(PROBE)
    this.#armLiveness(liveness.timeoutMs)
  }

  /** The relay stopped answering: drop the socket without waiting for a close, and reconnect. */
  #silent(): void {
    this.#attempting = false
    void this.#dropSocket()
    this.#failed(new Offline('the relay stopped answering'))
  }

  /** Closes the socket; resolves once it is closed (at most `CLOSE_WAIT_MS` for a silent peer). */
  #dropSocket(): Promise<void> {
    const socket = this.#socket
    this.#socket = null
    this.#handshakeDone = false
    if (this.#livenessTimer !== null) clearTimeout(this.#livenessTimer)
    this.#livenessTimer = null
    if (!socket || socket.readyState > OPEN) return Promise.resolve()
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

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer)
    this.#retryTimer = null
  }

  /** Sends one message: whole when it is small, else as fragments sent back to back. */
  #send(message: Message): void {
    const socket = this.#socket
    if (socket?.readyState !== OPEN) return
    const frame = encodeMessage(message)
    this.#largestSent = Math.max(this.#largestSent, frame.length)
    const frames = fragmentFrame(frame, this.#nextFragmentId)
    if (frames.length > 1) this.#nextFragmentId = (this.#nextFragmentId + 1) % 2 ** 31
    for (const part of frames) socket.send(part)
  }

  #updateStatus(): void {
    if (this.#phase === 'stopped') return
    if (this.#phase === 'connecting' || this.#phase === 'idle') return this.#setStatus({ kind: 'connecting' })
    if (this.#phase === 'offline') return this.#setStatus({ kind: 'offline' })
    if (this.#pending.count > 0) return this.#setStatus({ kind: 'syncing', pending: this.#pending.count })
    // Open but the relay's state has not arrived yet: still connecting, as far as a user can tell.
    if (!this.#handshakeDone) return this.#setStatus({ kind: 'connecting' })
    this.#setStatus({ kind: 'in-sync' })
  }

  #setStatus(status: SyncStatus): void {
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }
}
