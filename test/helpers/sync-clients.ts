/**
 * Clients for sync tests: the stock `y-websocket` provider (what browsers run) and a raw
 * socket that speaks the wire format directly, for acks, malformed input and close codes.
 */
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { decodeMessage, encodeMessage, type Message } from '@ferry/protocol'

/** The stock provider against a relay, with the token in `params` as DESIGN.md documents. */
export function stockProvider(wsUrl: string, doc: string, token: string, ydoc = new Y.Doc()): WebsocketProvider {
  return new WebsocketProvider(`${wsUrl}/v1/sync`, doc, ydoc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
}

/** Resolves when `provider` has synced (received the relay's sync step 2). */
export function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve()
  return new Promise((resolve) => {
    const onSync = (state: boolean) => {
      if (!state) return
      provider.off('sync', onSync)
      resolve()
    }
    provider.on('sync', onSync)
  })
}

export interface RawClient {
  ws: WebSocket
  /** Every decoded message received so far. */
  messages: Message[]
  /** Resolves with the close code. */
  closed: Promise<number>
  send(message: Message | Uint8Array | string): void
  /** Waits for the next message matching `predicate` (bounded by `timeoutMs`). */
  next<T extends Message['type']>(type: T, timeoutMs?: number): Promise<Extract<Message, { type: T }>>
  close(): void
}

export function rawClient(url: string): Promise<RawClient> {
  const ws = new WebSocket(url)
  const messages: Message[] = []
  const waiters: Array<() => void> = []
  let cursor = 0
  ws.on('error', () => undefined)
  ws.on('message', (data: Buffer) => {
    const decoded = decodeMessage(new Uint8Array(data))
    if (decoded.ok) messages.push(decoded.value)
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => {
    resolve(code)
    for (const wake of waiters.splice(0)) wake()
  }))
  const client: RawClient = {
    ws,
    messages,
    closed,
    send(message) {
      if (typeof message === 'string' || message instanceof Uint8Array) ws.send(message)
      else ws.send(encodeMessage(message))
    },
    next(type, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} message within ${timeoutMs} ms`)), timeoutMs)
        const check = () => {
          while (cursor < messages.length) {
            const message = messages[cursor++]!
            if (message.type === type) {
              clearTimeout(timer)
              resolve(message as never)
              return
            }
          }
          if (ws.readyState === ws.CLOSED) {
            clearTimeout(timer)
            reject(new Error(`socket closed while waiting for ${type}`))
            return
          }
          waiters.push(check)
        }
        check()
      })
    },
    close: () => ws.close(),
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client))
    ws.once('close', () => resolve(client))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
}

/** The sync URL for `doc` with `token` (and `ack=1` when asked). */
export function syncUrl(wsUrl: string, doc: string, token: string, ack = false): string {
  return `${wsUrl}/v1/sync/${doc}?token=${encodeURIComponent(token)}${ack ? '&ack=1' : ''}`
}

/** Encodes a sync update frame for `update`. */
export const updateFrame = (update: Uint8Array): Uint8Array => encodeMessage({ type: 'sync-update', update })

/** True when state vector `covering` includes every clock in `own`. */
export function covers(covering: Uint8Array, own: Uint8Array): boolean {
  const have = Y.decodeStateVector(covering)
  for (const [client, clock] of Y.decodeStateVector(own)) if ((have.get(client) ?? 0) < clock) return false
  return true
}

/**
 * What a fresh socket reads from `doc` (its sync step 2, as a `Y.Doc`), or the close code the
 * relay answers instead (4410 for a deleted doc). The socket is closed afterwards.
 */
export async function readDoc(wsUrl: string, doc: string, token: string): Promise<Y.Doc | number> {
  const client = await rawClient(syncUrl(wsUrl, doc, token))
  try {
    client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const step2 = await client.next('sync-step2').catch(() => null)
    if (step2 === null) return await client.closed
    const ydoc = new Y.Doc()
    Y.applyUpdate(ydoc, step2.update)
    return ydoc
  } finally {
    client.close()
  }
}

/** What a fresh socket reads from `doc`, which must be there: a close instead throws, naming the code. */
export async function readStoredDoc(wsUrl: string, doc: string, token: string): Promise<Y.Doc> {
  const read = await readDoc(wsUrl, doc, token)
  if (typeof read === 'number') throw new Error(`reading ${doc} closed with ${read}`)
  return read
}
