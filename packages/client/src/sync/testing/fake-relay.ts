/**
 * Tests only: an in-memory relay behind a fake `WebSocket` factory, speaking both sync
 * protocols as docs/PROTOCOL.md describes them — per-doc sockets (`/v1/sync/<doc>?…&ack=1`:
 * the relay's step 1 on join, a step 2 for a step 1, a `persisted` ack for every update) and the
 * multiplexed socket (`/v1/mux?v=1`: batched `open` compared by state vector and delete-set hash,
 * `opened`, per-doc `refused`, `close`). It stores at once and never loses anything; tests steer
 * it (refuse a doc, delete one, go down, refuse upgrades, write as another device) and read what
 * it saw (connection attempts, `open`/`close` messages, open sockets).
 */
import { decodeMessage, decodeMuxFrame, encodeControl, encodeDocFrame, encodeMessage, type Message } from '@ferry/protocol'
import * as Y from 'yjs'
import type { WebSocketLike } from '../types.ts'

const CONNECTING = 0
const OPEN = 1
const CLOSED = 3

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}
let emptyHash: Promise<Uint8Array> | null = null
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

export class FakeSocket implements WebSocketLike {
  binaryType = 'blob'
  readyState = CONNECTING
  onopen: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  onclose: ((event: { code: number; reason: string }) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  readonly url: URL
  readonly #relay: FakeRelay
  /** Docs open on a multiplexed socket. */
  readonly open = new Set<string>()
  #queue: Promise<void> = Promise.resolve()

  constructor(relay: FakeRelay, url: string) {
    this.#relay = relay
    this.url = new URL(url)
  }

  get isMux(): boolean {
    return this.url.pathname === '/v1/mux'
  }

  /** The doc of a per-doc socket. */
  get docName(): string {
    return decodeURIComponent(this.url.pathname.slice('/v1/sync/'.length))
  }

  send(data: Uint8Array): void {
    if (this.readyState !== OPEN) return
    const copy = data.slice()
    // A frame the fake relay cannot handle is a bug in the test or the client: it fails loudly.
    this.#queue = this.#queue.then(() => this.#relay.receive(this, copy)).catch((error: unknown) => queueMicrotask(() => {
      throw error
    }))
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#relay.sockets.delete(this)
    setTimeout(() => this.onclose?.({ code, reason }), 0)
  }

  /** The relay's side: delivers a frame to the client. */
  deliver(frame: Uint8Array): void {
    if (this.readyState !== OPEN || this.#relay.silent) return
    const data = frame.slice().buffer
    // Frames sent before a close arrive before it, as on a real socket.
    setTimeout(() => this.onmessage?.({ data }), 0)
  }

  accept(): void {
    this.readyState = OPEN
    this.#relay.sockets.add(this)
    this.onopen?.({})
  }
}

export interface Refusal {
  readonly code: number
  readonly reason: string
}

export class FakeRelay {
  /** The relay's copy of every doc. */
  readonly docs = new Map<string, Y.Doc>()
  /** Sockets open now. */
  readonly sockets = new Set<FakeSocket>()
  /** False: a relay without `/v1/mux` (the upgrade fails before it opens, as an HTTP 404 does). */
  mux = true
  /** True: every connection fails before it opens (the relay is down). */
  down = false
  /** True: open sockets carry nothing either way (a network that silently dropped them). */
  silent = false
  /** Doc-channel messages received on multiplexed sockets, by type (`query-awareness` probes included). */
  readonly docMessages: { docName: string; type: string }[] = []
  /** The next upgrades (per-doc or mux, as `upgradePath` says) are refused with this close code. */
  refuseUpgrade: (Refusal & { path: 'mux' | 'doc'; times: number }) | null = null
  /** Tokens the relay refuses (4401 at the upgrade). */
  readonly badTokens = new Set<string>()
  /** Docs the relay refuses to open, with the code. */
  readonly refuse = new Map<string, Refusal>()
  /** Every connection attempt, with the time it was made. */
  readonly attempts: { at: number; path: string }[] = []
  /** Every `open` received: its doc names. */
  readonly opens: string[][] = []
  /** Every `close` received: its doc names. */
  readonly closes: string[][] = []

  readonly createSocket = (url: string): WebSocketLike => {
    const socket = new FakeSocket(this, url)
    this.attempts.push({ at: Date.now(), path: socket.url.pathname })
    setTimeout(() => this.#connect(socket), 1)
    return socket
  }

  get muxSockets(): number {
    return [...this.sockets].filter((s) => s.isMux).length
  }

  doc(name: string): Y.Doc {
    let doc = this.docs.get(name)
    if (!doc) this.docs.set(name, (doc = new Y.Doc()))
    return doc
  }

  /** Another device's edit: applied here and sent to every socket that has the doc open. */
  write(name: string, edit: (doc: Y.Doc) => void): void {
    const doc = this.doc(name)
    const before = Y.encodeStateVector(doc)
    edit(doc)
    this.#relay(null, name, Y.encodeStateAsUpdate(doc, before))
  }

  /** Deletes a doc for good (DELETE /v1/docs): its sockets get 4410, its mux channels a `refused` 4410. */
  deleteDoc(name: string): void {
    this.docs.delete(name)
    this.refuse.set(name, { code: 4410, reason: 'the document was deleted' })
    for (const socket of [...this.sockets]) {
      if (!socket.isMux && socket.docName === name) this.#serverClose(socket, 4410, 'the document was deleted')
      else if (socket.open.delete(name)) socket.deliver(encodeControl({ type: 'refused', docName: name, code: 4410, reason: 'the document was deleted' }))
    }
  }

  /** Closes every socket from the relay's side (a restart, a shutdown: 1001). */
  closeAll(code = 1001, reason = 'the relay is shutting down'): void {
    for (const socket of [...this.sockets]) this.#serverClose(socket, code, reason)
  }

  async receive(socket: FakeSocket, frame: Uint8Array): Promise<void> {
    if (this.silent) return
    if (!socket.isMux) {
      const decoded = decodeMessage(frame)
      if (decoded.ok) this.#onMessage(socket, socket.docName, decoded.value)
      return
    }
    const decoded = decodeMuxFrame(frame)
    if (!decoded.ok) return this.#serverClose(socket, 4400, decoded.error.message)
    const mux = decoded.value
    if (mux.channel === 'doc') {
      this.docMessages.push({ docName: mux.docName, type: mux.message.type })
      if (socket.open.has(mux.docName)) this.#onMessage(socket, mux.docName, mux.message)
      return
    }
    const control = mux.message
    if (control.type === 'close') {
      this.closes.push([...control.docs])
      for (const name of control.docs) socket.open.delete(name)
    } else if (control.type === 'open') {
      this.opens.push(control.docs.map((d) => d.docName))
      const opened: string[] = []
      for (const request of control.docs) {
        const refusal = this.refuse.get(request.docName)
        if (refusal) {
          socket.deliver(encodeControl({ type: 'refused', docName: request.docName, ...refusal }))
          continue
        }
        await this.#answerOpen(socket, request.docName, request.stateVector, request.deleteSetHash)
        socket.open.add(request.docName)
        opened.push(request.docName)
      }
      socket.deliver(encodeControl({ type: 'opened', docs: opened }))
    }
  }

  async #answerOpen(socket: FakeSocket, name: string, stateVector: Uint8Array, hash: Uint8Array): Promise<void> {
    const doc = this.doc(name)
    const ours = Y.encodeStateVector(doc)
    const oursHash = await sha256(Y.encodeStateAsUpdate(doc, ours))
    emptyHash ??= sha256(Y.encodeStateAsUpdate(new Y.Doc()))
    const differs = !sameBytes(hash.length === 0 ? await emptyHash : hash, oursHash)
    const theirs = Y.decodeStateVector(stateVector.length === 0 ? new Uint8Array([0]) : stateVector)
    const relay = Y.decodeStateVector(ours)
    const clientLacks = differs || [...relay].some(([client, clock]) => (theirs.get(client) ?? 0) < clock)
    const relayLacks = differs || [...theirs].some(([client, clock]) => (relay.get(client) ?? 0) < clock)
    const send = (message: Message): void => socket.deliver(encodeDocFrame(name, encodeMessage(message)))
    if (clientLacks) send({ type: 'sync-step2', update: Y.encodeStateAsUpdate(doc, stateVector.length === 0 ? undefined : stateVector) })
    if (relayLacks) send({ type: 'sync-step1', stateVector: ours })
    send({ type: 'persisted', stateVector: ours })
  }

  #onMessage(socket: FakeSocket, name: string, message: Message): void {
    const send = (reply: Message): void => socket.deliver(socket.isMux ? encodeDocFrame(name, encodeMessage(reply)) : encodeMessage(reply))
    const doc = this.doc(name)
    switch (message.type) {
      case 'sync-step1':
        send({ type: 'sync-step2', update: Y.encodeStateAsUpdate(doc, message.stateVector) })
        break
      case 'sync-step2':
      case 'sync-update':
        Y.applyUpdate(doc, message.update)
        this.#relay(socket, name, message.update)
        send({ type: 'persisted', stateVector: Y.encodeStateVector(doc) })
        break
      case 'query-awareness':
        send({ type: 'awareness', update: new Uint8Array([0]) })
        break
      default:
        break
    }
  }

  /** Sends an update to every socket with `name` open but `from`. */
  #relay(from: FakeSocket | null, name: string, update: Uint8Array): void {
    const message = encodeMessage({ type: 'sync-update', update })
    for (const socket of this.sockets) {
      if (socket === from) continue
      if (socket.isMux && socket.open.has(name)) socket.deliver(encodeDocFrame(name, message))
      else if (!socket.isMux && socket.docName === name) socket.deliver(message)
    }
  }

  #connect(socket: FakeSocket): void {
    if (socket.readyState !== CONNECTING) return
    const fail = (code: number, reason: string): void => {
      socket.readyState = CLOSED
      socket.onerror?.({})
      socket.onclose?.({ code, reason })
    }
    if (this.down || (socket.isMux && !this.mux)) return fail(1006, '')
    if (this.badTokens.has(socket.url.searchParams.get('token') ?? '')) {
      socket.accept()
      return this.#serverClose(socket, 4401, 'the token is invalid or expired')
    }
    const refusal = this.refuseUpgrade
    if (refusal && refusal.times > 0 && (refusal.path === 'mux') === socket.isMux) {
      refusal.times--
      // Refused sockets are upgraded only to carry their close code.
      socket.accept()
      return this.#serverClose(socket, refusal.code, refusal.reason)
    }
    socket.accept()
    if (!socket.isMux) {
      const refused = this.refuse.get(socket.docName)
      // 4429 (too many docs on one socket) exists on the multiplexed socket only.
      if (refused && refused.code !== 4429) return this.#serverClose(socket, refused.code, refused.reason)
      socket.deliver(encodeMessage({ type: 'sync-step1', stateVector: Y.encodeStateVector(this.doc(socket.docName)) }))
    }
  }

  #serverClose(socket: FakeSocket, code: number, reason: string): void {
    if (socket.readyState === CLOSED) return
    socket.readyState = CLOSED
    this.sockets.delete(socket)
    setTimeout(() => socket.onclose?.({ code, reason }), 0)
  }
}
