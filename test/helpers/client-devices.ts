/**
 * Simulated browsers for client tests: each "device" has its own fake-indexeddb factory (so
 * devices share nothing but the relay) and its own sockets, tracked so a test can assert
 * which are still open.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { storedDocNames } from './local-doc.ts'
import WebSocket from 'ws'
import { decodeMessage, decodeMuxFrame } from '@ferry/protocol'
import type { WebSocketFactory, WebSocketLike } from '../../packages/client/src/index.ts'

// Browsers have IDBKeyRange; y-indexeddb (through lib0) reads it from the global scope. Only
// the key range goes global here: each device's factory stays injected, never global.
;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

let sequence = 0
/** A process-wide counter, so events of different kinds (frames, statuses) can be ordered. */
export function tick(): number {
  return ++sequence
}

export interface Device {
  readonly name: string
  readonly indexedDB: IDBFactory
  readonly createSocket: WebSocketFactory
  /**
   * Sockets of this device not yet closed (opening or open): the path of a per-doc socket
   * (`/v1/sync/<docName>`), or `/v1/mux#<userId>` for an account's multiplexed socket.
   */
  openSockets(): string[]
  /** Message types the relay sent this device (per doc, on a multiplexed socket), in order, each with its `tick()`. */
  readonly received: { type: string; at: number }[]
  /** Names of this device's databases. */
  databases(): Promise<string[]>
  /** Docs of `owner` with rows stored on this device, sorted (read without opening the account). */
  storedDocs(owner: string): Promise<string[]>
  /** Names of databases with a connection open right now (one entry per connection). */
  openDatabases(): string[]
}

/** A real fake-indexeddb factory that also counts the connections it hands out. */
class TrackingFactory extends IDBFactory {
  readonly connections: IDBDatabase[] = []

  override open(name: string, version?: number): IDBOpenDBRequest {
    const request = super.open(name, version)
    request.addEventListener('success', () => {
      const db = request.result
      this.connections.push(db)
      const close = db.close.bind(db)
      db.close = () => {
        const at = this.connections.indexOf(db)
        if (at !== -1) this.connections.splice(at, 1)
        close()
      }
    })
    return request
  }
}

/** A per-doc socket's path names its doc; a multiplexed one's token names its account (the JWT's `sub`). */
function socketLabel(url: string): string {
  const parsed = new URL(url)
  if (parsed.pathname !== '/v1/mux') return parsed.pathname
  const payload = (parsed.searchParams.get('token') ?? '').split('.')[1] ?? ''
  let sub: unknown
  try {
    sub = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown }).sub
  } catch {
    sub = undefined
  }
  return `/v1/mux#${typeof sub === 'string' ? sub : '?'}`
}

export function createDevice(name: string): Device {
  const indexedDB = new TrackingFactory()
  const open = new Set<WebSocket>()
  const urls = new Map<WebSocket, string>()
  const received: { type: string; at: number }[] = []
  return {
    name,
    indexedDB,
    received,
    createSocket: (url) => {
      const socket = new WebSocket(url)
      open.add(socket)
      urls.set(socket, url)
      socket.on('close', () => open.delete(socket))
      socket.on('error', () => {})
      // Registered before the provider's own handler, so it sees each frame first.
      const mux = new URL(url).pathname === '/v1/mux'
      socket.on('message', (data: Buffer) => {
        if (mux) {
          const frame = decodeMuxFrame(new Uint8Array(data))
          received.push({ type: !frame.ok ? 'malformed' : frame.value.message.type, at: tick() })
          return
        }
        const decoded = decodeMessage(new Uint8Array(data))
        received.push({ type: decoded.ok ? decoded.value.type : 'malformed', at: tick() })
      })
      return socket as unknown as WebSocketLike
    },
    openSockets: () => [...open].map((s) => socketLabel(urls.get(s)!)),
    openDatabases: () => indexedDB.connections.map((db) => db.name).sort(),
    databases: async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort(),
    storedDocs: (owner) => storedDocNames(indexedDB, owner),
  }
}

let counter = 0
/** A fresh email address per call, so tests never collide on one relay. */
export function uniqueEmail(label = 'user'): string {
  counter++
  return `${label}-${counter}-${Date.now().toString(36)}@example.test`
}
