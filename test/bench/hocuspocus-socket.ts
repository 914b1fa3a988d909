/**
 * Lets the stock `y-websocket` provider talk to a Hocuspocus server, so every server in the
 * fan-out benchmark is driven by the same client code. A `WebSocketPolyfill` that prefixes
 * each outgoing frame with the document name, sends Hocuspocus's auth message on open, and
 * turns incoming frames back into plain y-websocket messages (dropping auth and sync-status
 * replies the stock provider does not know, mapping SyncReply to Sync).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { WebSocket } from 'ws'

const SYNC = 0
const AWARENESS = 1
const AUTH = 2
const QUERY_AWARENESS = 3
const SYNC_REPLY = 4

export function hocuspocusSocket(documentName: string): typeof globalThis.WebSocket {
  class HocuspocusSocket {
    static readonly CONNECTING = 0
    static readonly OPEN = 1
    static readonly CLOSING = 2
    static readonly CLOSED = 3
    readonly CONNECTING = 0
    readonly OPEN = 1
    readonly CLOSING = 2
    readonly CLOSED = 3
    binaryType = 'arraybuffer'
    onopen: (() => void) | null = null
    onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
    onclose: ((event: unknown) => void) | null = null
    onerror: ((event: unknown) => void) | null = null
    readonly #ws: WebSocket

    constructor(url: string) {
      this.#ws = new WebSocket(new URL(url).origin.replace(/^http/, 'ws'))
      this.#ws.binaryType = 'arraybuffer'
      this.#ws.onopen = () => {
        const auth = encoding.createEncoder()
        encoding.writeVarString(auth, documentName)
        encoding.writeVarUint(auth, AUTH)
        encoding.writeVarUint(auth, 0)
        encoding.writeVarString(auth, '')
        this.#ws.send(encoding.toUint8Array(auth))
        this.onopen?.()
      }
      this.#ws.onmessage = (event) => {
        const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer))
        decoding.readVarString(decoder)
        let type = decoding.readVarUint(decoder)
        if (type === SYNC_REPLY) type = SYNC
        if (type !== SYNC && type !== AWARENESS && type !== QUERY_AWARENESS) return
        const out = encoding.createEncoder()
        encoding.writeVarUint(out, type)
        encoding.writeUint8Array(out, decoding.readTailAsUint8Array(decoder))
        const bytes = encoding.toUint8Array(out)
        this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })
      }
      this.#ws.onclose = (event) => this.onclose?.(event)
      this.#ws.onerror = (event) => this.onerror?.(event)
    }

    get readyState(): number {
      return this.#ws.readyState
    }

    send(data: Uint8Array): void {
      const encoder = encoding.createEncoder()
      encoding.writeVarString(encoder, documentName)
      encoding.writeUint8Array(encoder, data)
      this.#ws.send(encoding.toUint8Array(encoder))
    }

    close(): void {
      this.#ws.close()
    }
  }
  return HocuspocusSocket as unknown as typeof globalThis.WebSocket
}
