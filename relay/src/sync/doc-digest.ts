/**
 * What a multiplexed `open` compares (docs/PROTOCOL.md): a room doc's state vector and
 * delete-set hash — SHA-256 of `Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))`, the doc's
 * delete set encoded canonically (no state vector shows deletions). Both are computed once per
 * doc state and kept until the doc's next transaction, so every socket reconnecting to a
 * loaded doc that did not change costs a map look-up and a few clock comparisons. An unloaded
 * doc's digest comes from its stored bytes (`digestOfStored`), once per read.
 */
import { createHash } from 'node:crypto'
import * as Y from 'yjs'
import type { StoredState } from './stored-state.ts'

export interface DocDigest {
  readonly stateVector: Uint8Array
  readonly clocks: Map<number, number>
  readonly deleteSetHash: Uint8Array
}

const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest())

/** The hash of an empty delete set: what a client that holds nothing may send as an empty hash. */
const EMPTY_DELETE_SET_HASH = sha256(Y.encodeStateAsUpdate(new Y.Doc()))

const digests = new WeakMap<Y.Doc, DocDigest>()
const watched = new WeakSet<Y.Doc>()

/** The doc's digest, computed at most once per doc state. */
export function digestOf(doc: Y.Doc): DocDigest {
  const kept = digests.get(doc)
  if (kept) return kept
  if (!watched.has(doc)) {
    watched.add(doc)
    // Any transaction may change the state or the delete set (or the pending structs, which
    // `encodeStateAsUpdate` includes): forget the digest, the next open computes it again.
    doc.on('afterTransaction', () => digests.delete(doc))
  }
  const stateVector = Y.encodeStateVector(doc)
  const digest = { stateVector, clocks: Y.decodeStateVector(stateVector), deleteSetHash: sha256(Y.encodeStateAsUpdate(doc, stateVector)) }
  digests.set(doc, digest)
  return digest
}

const storedDigests = new WeakMap<StoredState, DocDigest>()

/**
 * The digest of what the store holds of an unloaded doc, computed once per stored state read:
 * the delete set of the stored update alone (`Y.diffUpdate` against its own state vector),
 * which is what a loaded doc of the same content encodes — and what a client computes for a
 * doc it holds without loading — so a device returning with exactly what is stored matches.
 */
export function digestOfStored(state: StoredState): DocDigest {
  const kept = storedDigests.get(state)
  if (kept) return kept
  const digest = {
    stateVector: state.stateVector,
    clocks: Y.decodeStateVector(state.stateVector),
    deleteSetHash: sha256(Y.diffUpdate(state.update, state.stateVector)),
  }
  storedDigests.set(state, digest)
  return digest
}

/** What the relay sends for one doc of an `open`: step 2 when the client lacks something, step 1 when the relay does. */
export interface OpenAnswer {
  readonly clientLacks: boolean
  readonly relayLacks: boolean
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === 0) a = EMPTY_DELETE_SET_HASH
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

/**
 * Compares the client's state vector (decoded) and delete-set hash with the doc's. A differing
 * hash means either side may lack deletions: both directions are answered — except to a client
 * that holds nothing (no clocks, the empty delete set's hash), which has nothing to send.
 */
export function compareWith(digest: DocDigest, clientClocks: Map<number, number>, clientHash: Uint8Array): OpenAnswer {
  const hashDiffers = !sameHash(clientHash, digest.deleteSetHash)
  let clientLacks = hashDiffers
  let relayLacks = hashDiffers && (clientClocks.size > 0 || !sameHash(clientHash, EMPTY_DELETE_SET_HASH))
  for (const [client, clock] of digest.clocks) if ((clientClocks.get(client) ?? 0) < clock) clientLacks = true
  for (const [client, clock] of clientClocks) if ((digest.clocks.get(client) ?? 0) < clock) relayLacks = true
  return { clientLacks, relayLacks }
}

/** Whether a client's state vector (encoded) and delete-set hash say it holds nothing of the doc (no clocks, no deletions). */
export function holdsNothing(clientStateVector: Uint8Array, clientHash: Uint8Array): boolean {
  const noClocks = clientStateVector.length === 0 || (clientStateVector.length === 1 && clientStateVector[0] === 0)
  return noClocks && sameHash(clientHash, EMPTY_DELETE_SET_HASH)
}

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())

/** The client's state vector (empty bytes: an empty one) decoded, or null when it is not one. */
export function readStateVector(bytes: Uint8Array): { readonly bytes: Uint8Array; readonly clocks: Map<number, number> } | null {
  if (bytes.length === 0) bytes = EMPTY_STATE_VECTOR
  try {
    return { bytes, clocks: Y.decodeStateVector(bytes) }
  } catch {
    return null
  }
}
