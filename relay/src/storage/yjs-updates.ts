/**
 * Stored bytes into Yjs, for the callers that need a document (rooms, compaction merges, the
 * collection name of a link) — the stores themselves stay bytes in, bytes out. Through a
 * `Y.Doc`, not `Y.mergeUpdates`: that grows super-linearly on long logs (DESIGN.md, yjs #710),
 * while applying and re-encoding stays fast, and applying content a doc already holds is a no-op.
 */
import * as Y from 'yjs'
import type { StoredDoc } from './doc-store.ts'

/** Applies `updates` to `doc` in one transaction; throws when one is not a Yjs update. */
export function applyUpdates(doc: Y.Doc, updates: Iterable<Uint8Array>): void {
  Y.transact(doc, () => {
    for (const update of updates) Y.applyUpdate(doc, update)
  })
}

/** A stored doc's snapshot (if any) and then its log, in the order they apply. */
export function storedUpdates(stored: StoredDoc): readonly Uint8Array[] {
  return stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
}

/** The union of `updates` as one update; throws when one is not a Yjs update. */
export function mergeYjsUpdates(updates: Iterable<Uint8Array>): Uint8Array {
  const doc = new Y.Doc()
  try {
    applyUpdates(doc, updates)
    // Includes updates still waiting for missing dependencies, so nothing applied is dropped.
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
