/**
 * What a doc's sync (doc-protocol.ts) and the tabs' exchange (tab-sync.ts) need from the local
 * copy of a doc — whether it is loaded as a `Y.Doc` or held only as its stored bytes
 * (local/lazy-doc.ts), so that an account's docs sync without all being loaded.
 */
import * as Y from 'yjs'
import { catchUpUpdates } from '../catch-up.ts'

export interface Replica {
  /** Its state vector, encoded. */
  stateVector(): Uint8Array
  /** What it holds beyond `stateVector` (`Y.encodeStateAsUpdate` of a doc), delete set included. */
  diff(stateVector: Uint8Array): Uint8Array
  /** What a relay at `stateVector` lacks, in pieces acknowledged one by one (catch-up.ts). */
  catchUp(stateVector: Uint8Array): Uint8Array[]
  /** Applies an update from elsewhere; `origin` comes back to update listeners. @throws when it does not decode */
  apply(update: Uint8Array, origin: unknown): void
  /** Listens to every change: made here, or applied (with the origin it was applied with). Returns the unsubscribe. */
  onUpdate(listener: (update: Uint8Array, origin: unknown) => void): () => void
}

/** A loaded doc as a replica. */
export function docReplica(doc: Y.Doc): Replica {
  return {
    stateVector: () => Y.encodeStateVector(doc),
    diff: (stateVector) => Y.encodeStateAsUpdate(doc, stateVector),
    catchUp: (stateVector) => catchUpUpdates(doc, stateVector),
    apply: (update, origin) => Y.applyUpdate(doc, update, origin),
    onUpdate: (listener) => {
      doc.on('update', listener)
      return () => doc.off('update', listener)
    },
  }
}

/** A `Y.Doc` given where a replica is expected, as one. */
export function asReplica(doc: Y.Doc | Replica): Replica {
  return doc instanceof Y.Doc ? docReplica(doc) : doc
}
