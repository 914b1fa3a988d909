/**
 * What the store holds of a doc as one Yjs update and its state vector, without building a
 * `Y.Doc`: enough to answer a client that holds nothing of the doc (a new device's `open`),
 * which needs exactly that update and, as its `persisted`, that state vector. Building the doc
 * (integrating every item, then encoding it all again) cost most of a cold open's CPU.
 *
 * A snapshot alone is sent as it is; with a log after it the parts are merged
 * (`Y.mergeUpdates`), which grows super-linearly on long logs (yjs-updates.ts), so a doc with
 * more than `MAX_MERGED_PARTS` parts is left to the room to load — a doc with a long log is one
 * being written to, usually loaded already.
 */
import * as Y from 'yjs'
import { stateVectorOfUpdate } from '@ferry/protocol'
import type { StoredDoc } from '../storage/doc-store.ts'
import { storedUpdates } from '../storage/yjs-updates.ts'

/** Parts (snapshot + log updates) merged at most; more: load the doc instead. */
export const MAX_MERGED_PARTS = 16

/** The update of a doc that holds nothing (no structs, no deletions), as Yjs encodes it. */
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())

export interface StoredState {
  /** Everything the store holds of the doc, as one update. */
  readonly update: Uint8Array
  /** Its state vector: what a client holding `update` holds, all of it stored. */
  readonly stateVector: Uint8Array
  /** True when the store holds nothing of the doc (no structs, no deletions). */
  readonly empty: boolean
}

/** The doc as stored, or null when it has too many parts to merge cheaply; may throw when a part is not a Yjs update. */
export function storedState(stored: StoredDoc): StoredState | null {
  const parts = storedUpdates(stored)
  if (parts.length > MAX_MERGED_PARTS) return null
  const update = parts.length === 0 ? EMPTY_UPDATE : parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts as Uint8Array[])
  return { update, stateVector: stateVectorOfUpdate(update), empty: sameBytes(update, EMPTY_UPDATE) }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
