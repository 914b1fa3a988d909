/**
 * What every sync transport of the client is built from: a WebSocket-like object, and what one
 * account's docs share — where to connect and with which token.
 */
import type { DocName } from '@ferry/protocol'
import type { BackoffOptions } from '../backoff.ts'
import type { SyncStatus } from '../sync-status.ts'

/** The part of the browser `WebSocket` the transports use (the `ws` package fits too). */
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
  /** The per-doc sync URL of `docName` with `token`, opted in to `persisted` acks. */
  url(docName: DocName, token: string): string
  /**
   * The multiplexed URL (`/v1/mux?v=1&token=…`, docs/PROTOCOL.md) with `token`: one socket
   * carries every doc of the account. Absent → one socket per doc (share links, tests).
   */
  muxUrl?(token: string): string
  /** A valid access token. @throws SignedOut | Offline */
  token(): Promise<string>
  /** A new access token after the relay rejected the current one. @throws SignedOut | Offline */
  refreshToken(): Promise<string>
  createSocket: WebSocketFactory
  /**
   * Asks the relay to delete a collection of the account for good, unless the relay's copy of the
   * index lists it live (restored): then RelayError `conflict`, relayCode `collection_not_in_trash`.
   * @throws RelayError (`Offline`, `SignedOut`, …)
   */
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
 * relay counts as gone: the socket is dropped and the transport reconnects (a laptop that slept,
 * a network that silently dropped the connection, a relay host that vanished).
 */
export interface LivenessOptions {
  readonly idleMs: number
  readonly timeoutMs: number
}

export const DEFAULT_LIVENESS: LivenessOptions = { idleMs: 25_000, timeoutMs: 10_000 }

/** WebSocket `readyState` values. */
export const SOCKET_OPEN = 1

/** What a workspace needs from a doc's sync, whatever carries it (its own socket, the account's, another tab's). */
export interface DocSync {
  readonly status: SyncStatus
  /** True while this tab holds a socket carrying the doc (open or opening). */
  readonly hasSocket: boolean
  onStatus(listener: (status: SyncStatus) => void): () => void
  /** Called when the relay says the doc was deleted (4410); syncing has stopped for good. */
  onDeleted(listener: () => void): () => void
  /** Reconnects now when offline; when connected, asks the relay for its state again. */
  syncNow(): void
  /** Stops syncing; resolves once this tab's socket or channel (if any) is closed. */
  destroy(): Promise<void>
}

/** What a transport offers one doc. */
export interface DocLink {
  /** Sends one frame (a message, or a fragment of one) on the doc's channel. */
  sendFrame(frame: Uint8Array): void
  /** True while a socket carries (or is opening to carry) the doc. */
  readonly hasSocket: boolean
  /** Reconnects now when offline; when connected, asks the relay for the doc's state again. */
  syncNow(): void
  /** The doc stopped (an error, deleted): close its socket or channel; `syncNow()` may start it again. */
  halt(): void
  /** The doc is done with: close its socket or channel; resolves once closed. */
  release(): Promise<void>
}

/** What the doc sends in a multiplexed `open`: its state vector and its delete set (hashed by the transport). */
export interface OpenSnapshot {
  readonly stateVector: Uint8Array
  /** `Y.encodeStateAsUpdate(doc, stateVector)`; empty when the doc holds nothing. */
  readonly deleteSet: Uint8Array
}
