/**
 * A raw client of the multiplexed sync protocol (`/v1/mux`, docs/PROTOCOL.md) for tests: it
 * speaks the framing directly (control channel, `docName · message` frames), records every
 * frame it receives, and can bind `Y.Doc`s to doc channels like a tiny provider. Relay and
 * client suites both use it.
 *
 *     const mux = await muxClient(muxUrl(relay.wsUrl, token))
 *     mux.open([openRequest(name, ydoc)])
 *     await mux.control('opened')
 *     const step2 = await mux.doc(name, 'sync-step2')
 */
import { createHash } from 'node:crypto'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import {
  decodeMuxFrame,
  encodeControl,
  encodeDocFrame,
  encodeMessage,
  MUX_PATH,
  type ControlMessage,
  type Message,
  type MuxFrame,
  type OpenRequest,
} from '@ferry/protocol'

/** `ws://…/v1/mux?v=1&token=…` */
export function muxUrl(wsUrl: string, token: string, version: number | string = 1): string {
  return `${wsUrl}${MUX_PATH}?v=${version}&token=${encodeURIComponent(token)}`
}

/** SHA-256 of `Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))`: the doc's delete-set hash. */
export function deleteSetHash(doc: Y.Doc): Uint8Array {
  return new Uint8Array(createHash('sha256').update(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))).digest())
}

/** What to put in an `open` for `docName`: `doc`'s state vector and delete-set hash, or empty ones (holds nothing). */
export function openRequest(docName: string, doc?: Y.Doc): OpenRequest {
  if (!doc) return { docName, stateVector: new Uint8Array(), deleteSetHash: new Uint8Array() }
  return { docName, stateVector: Y.encodeStateVector(doc), deleteSetHash: deleteSetHash(doc) }
}

type Control<T extends ControlMessage['type']> = Extract<ControlMessage, { type: T }>

export interface MuxClient {
  readonly ws: WebSocket
  /** Every frame received so far, decoded (undecodable ones are left out). */
  readonly frames: MuxFrame[]
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  open(docs: readonly OpenRequest[]): void
  close(docs: readonly string[]): void
  /** Sends a message (or raw message bytes) on `docName`'s channel. */
  send(docName: string, message: Message | Uint8Array): void
  /** Sends bytes or text as a whole frame, unframed. */
  sendRaw(frame: Uint8Array | string): void
  /** Waits for the next control message of `type` not taken yet (and takes it). */
  control<T extends ControlMessage['type']>(type: T, timeoutMs?: number): Promise<Control<T>>
  /** The next `refused` for `docName` not taken yet. */
  refused(docName: string, timeoutMs?: number): Promise<Control<'refused'>>
  /** Waits for the next message of `type` on `docName` not taken yet (and takes it). */
  doc<T extends Message['type']>(docName: string, type: T, timeoutMs?: number): Promise<Extract<Message, { type: T }>>
  /** Messages received on `docName` so far (taken or not). */
  messagesOf(docName: string): Message[]
  /**
   * Binds `ydoc` to `docName`'s channel: step 2s and updates are applied, a step 1 is answered
   * with a step 2, and local updates are sent. Returns the unbind function.
   */
  bind(docName: string, ydoc: Y.Doc): () => void
  end(): void
}

const FROM_RELAY = Symbol('relay')

export function muxClient(url: string): Promise<MuxClient> {
  const ws = new WebSocket(url)
  const frames: MuxFrame[] = []
  const taken = new Set<number>()
  const waiters = new Set<() => void>()
  const bound = new Map<string, Y.Doc>()
  ws.on('error', () => undefined)
  ws.on('message', (data: Buffer) => {
    const decoded = decodeMuxFrame(new Uint8Array(data))
    if (decoded.ok) {
      // Byte arrays are views into the copy made above, not into the socket's buffer.
      const frame = decoded.value
      frames.push(frame)
      if (frame.channel === 'doc') applyBound(frame.docName, frame.message)
    }
    for (const wake of [...waiters]) wake()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const wake of [...waiters]) wake()
    }),
  )

  const sendDoc = (docName: string, message: Message | Uint8Array): void => {
    if (ws.readyState !== ws.OPEN) return
    ws.send(encodeDocFrame(docName, message instanceof Uint8Array ? message : encodeMessage(message)))
  }

  function applyBound(docName: string, message: Message): void {
    const ydoc = bound.get(docName)
    if (!ydoc) return
    if (message.type === 'sync-step2' || message.type === 'sync-update') Y.applyUpdate(ydoc, message.update, FROM_RELAY)
    else if (message.type === 'sync-step1') sendDoc(docName, { type: 'sync-step2', update: Y.encodeStateAsUpdate(ydoc, message.stateVector) })
  }

  function take<T>(match: (frame: MuxFrame) => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (let i = 0; i < frames.length; i++) {
          if (taken.has(i)) continue
          const found = match(frames[i]!)
          if (found === undefined) continue
          taken.add(i)
          done()
          resolve(found)
          return
        }
        if (ws.readyState === ws.CLOSED) {
          done()
          reject(new Error(`socket closed while waiting for ${what}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no ${what} within ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  }

  const client: MuxClient = {
    ws,
    frames,
    closed,
    open: (docs) => ws.send(encodeControl({ type: 'open', docs })),
    close: (docs) => ws.send(encodeControl({ type: 'close', docs })),
    send: sendDoc,
    sendRaw: (frame) => ws.send(frame),
    control: <T extends ControlMessage['type']>(type: T, timeoutMs = 5_000) =>
      take<Control<T>>((f) => (f.channel === 'control' && f.message.type === type ? (f.message as never) : undefined), `control ${type}`, timeoutMs),
    refused: (docName, timeoutMs = 5_000) =>
      take(
        (f) => (f.channel === 'control' && f.message.type === 'refused' && f.message.docName === docName ? f.message : undefined),
        `refused for ${docName}`,
        timeoutMs,
      ),
    doc: <T extends Message['type']>(docName: string, type: T, timeoutMs = 5_000) =>
      take<Extract<Message, { type: T }>>((f) => (f.channel === 'doc' && f.docName === docName && f.message.type === type ? (f.message as never) : undefined), `${type} on ${docName}`, timeoutMs),
    messagesOf: (docName) => frames.flatMap((f) => (f.channel === 'doc' && f.docName === docName ? [f.message] : [])),
    bind(docName, ydoc) {
      bound.set(docName, ydoc)
      const onUpdate = (update: Uint8Array, origin: unknown): void => {
        if (origin !== FROM_RELAY) sendDoc(docName, { type: 'sync-update', update })
      }
      ydoc.on('update', onUpdate)
      return () => {
        ydoc.off('update', onUpdate)
        if (bound.get(docName) === ydoc) bound.delete(docName)
      }
    },
    end: () => ws.close(),
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('close', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

/**
 * Opens `docName` on a new socket of `token`'s, holding what `doc` holds (or nothing), and ends
 * the socket: 'answered' once the doc's `answeredBy` came (a step 2, or its `persisted`), else
 * the code the doc was refused with.
 */
export async function openedOnce(wsUrl: string, token: string, docName: string, answeredBy: 'sync-step2' | 'persisted', doc?: Y.Doc): Promise<'answered' | number> {
  const client = await muxClient(muxUrl(wsUrl, token))
  client.open([openRequest(docName, doc)])
  try {
    return await Promise.race([client.doc(docName, answeredBy, 30_000).then(() => 'answered' as const), client.refused(docName, 30_000).then((refusal) => refusal.code)])
  } finally {
    client.end()
  }
}
