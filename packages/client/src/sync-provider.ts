/**
 * One doc on a socket of its own: the doc's protocol (sync/doc-protocol.ts) on the per-doc
 * transport (sync/doc-socket.ts). Share links use it, and so does an account whose relay does
 * not speak the multiplexed protocol; an account's docs normally share one socket
 * (sync/mux-connection.ts).
 *
 * Any amount of offline work goes through (catch-up in pieces, fragments); a change over the
 * relay's reassembly cap (4413) or the account's quota (4507) stops the doc with an error that
 * says what to do, nothing local is deleted, and `syncNow()` tries again. A 4410 close means the
 * doc was deleted (by another device): the provider stops and fires `onDeleted`. Awareness is
 * not used by Ferry and is ignored.
 */
import type { DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import type { SyncStatus } from './sync-status.ts'
import { DocProtocol } from './sync/doc-protocol.ts'
import { DocSocket } from './sync/doc-socket.ts'
import type { Replica } from './sync/replica.ts'
import type { DocSync, SyncConnection } from './sync/types.ts'

export { DELETED_STATUS, quotaReason, tooLargeReason } from './sync/close-outcome.ts'
export { DEFAULT_LIVENESS, type DocSync, type LivenessOptions, type SyncConnection, type WebSocketFactory, type WebSocketLike } from './sync/types.ts'

export class SyncProvider implements DocSync {
  /** The doc synced, when it was given loaded (null for a replica held without loading). */
  readonly doc: Y.Doc | null
  readonly docName: DocName
  readonly #protocol: DocProtocol

  constructor(doc: Y.Doc | Replica, docName: DocName, connection: SyncConnection) {
    this.doc = doc instanceof Y.Doc ? doc : null
    this.docName = docName
    this.#protocol = new DocProtocol(doc, docName)
    new DocSocket(this.#protocol, connection)
  }

  get status(): SyncStatus {
    return this.#protocol.status
  }

  /** True while this provider has a socket (open or opening). */
  get hasSocket(): boolean {
    return this.#protocol.hasSocket
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#protocol.onStatus(listener)
  }

  /** Called once the relay closed the socket with 4410: the doc was deleted and will not come back. */
  onDeleted(listener: () => void): () => void {
    return this.#protocol.onDeleted(listener)
  }

  /** Reconnects now when offline; when connected, asks the relay for its state again. */
  syncNow(): void {
    this.#protocol.syncNow()
  }

  /** Stops for good; resolves once the socket is closed. The doc is left as is (its owner destroys it). */
  destroy(): Promise<void> {
    return this.#protocol.destroy()
  }
}
