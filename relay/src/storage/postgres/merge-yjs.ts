/**
 * Folds Yjs updates into one. Through a `Y.Doc`, not `Y.mergeUpdates`: that grows
 * super-linearly on long logs (DESIGN.md, yjs #710), while applying and re-encoding stays
 * fast, and applying content a doc already holds is a no-op.
 */
import * as Y from 'yjs'

/** The union of `updates` as one update; throws when one is not a Yjs update. */
export function mergeYjsUpdates(updates: Iterable<Uint8Array>): Uint8Array {
  const doc = new Y.Doc()
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    // Includes updates still waiting for missing dependencies, so nothing applied is dropped.
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
