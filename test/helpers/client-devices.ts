/**
 * Simulated browsers for client tests: each "device" has its own fake-indexeddb factory (so
 * devices share nothing but the relay) and its own sockets, tracked so a test can assert
 * which are still open.
 */
import { IDBFactory } from 'fake-indexeddb'
import WebSocket from 'ws'
import type { WebSocketFactory, WebSocketLike } from '../../packages/client/src/index.ts'

export interface Device {
  readonly name: string
  readonly indexedDB: IDBFactory
  readonly createSocket: WebSocketFactory
  /** Sockets of this device not yet closed (opening or open). */
  openSockets(): string[]
  /** Names of this device's databases. */
  databases(): Promise<string[]>
}

export function createDevice(name: string): Device {
  const indexedDB = new IDBFactory()
  const open = new Set<WebSocket>()
  const urls = new Map<WebSocket, string>()
  return {
    name,
    indexedDB,
    createSocket: (url) => {
      const socket = new WebSocket(url)
      open.add(socket)
      urls.set(socket, url)
      socket.on('close', () => open.delete(socket))
      socket.on('error', () => {})
      return socket as unknown as WebSocketLike
    },
    openSockets: () => [...open].map((s) => new URL(urls.get(s)!).pathname),
    databases: async () => (await indexedDB.databases()).map((d) => d.name ?? '').sort(),
  }
}

let counter = 0
/** A fresh email address per call, so tests never collide on one relay. */
export function uniqueEmail(label = 'user'): string {
  counter++
  return `${label}-${counter}-${Date.now().toString(36)}@example.test`
}
