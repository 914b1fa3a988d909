/**
 * Cutting a version as a delta against the one before: the structs the previous version lacks
 * (its state vector says which) and only the deletions it lacks. `Y.diffUpdate` alone would
 * repeat the doc's whole delete set in every delta — on an edited collection that set is most
 * of each delta's bytes (bench: ~3 KB of ~3.5 KB per version) — so the delete set is cut out
 * and replaced by its difference. A V1 update is its structs section followed by its delete
 * set section, so the cut is a byte splice, checked against the re-encoded set.
 */
import * as Y from 'yjs'

type DeleteSet = ReturnType<typeof Y.createDeleteSet>
type DeleteItem = { clock: number; len: number }

/** The bytes `writeDeleteSet` makes for `ds` (a snapshot is the delete set then a state vector: an empty one is one byte). */
function encodeDeleteSet(ds: DeleteSet): Uint8Array {
  const bytes = Y.encodeSnapshot(Y.createSnapshot(ds, new Map()))
  return bytes.subarray(0, bytes.length - 1)
}

/** The ranges of `now` that `before` does not cover (both sorted, non-overlapping per client, as a doc's own are). */
export function deletionsSince(now: DeleteSet, before: DeleteSet): DeleteSet {
  const diff = Y.createDeleteSet()
  for (const [client, ranges] of now.clients) {
    const old = (before.clients.get(client) ?? []) as DeleteItem[]
    const kept: DeleteItem[] = []
    let j = 0
    for (const range of ranges as DeleteItem[]) {
      let start = range.clock
      const end = range.clock + range.len
      while (j < old.length && old[j]!.clock + old[j]!.len <= start) j++
      for (let k = j; k < old.length && old[k]!.clock < end; k++) {
        if (old[k]!.clock > start) kept.push({ clock: start, len: old[k]!.clock - start })
        start = Math.max(start, old[k]!.clock + old[k]!.len)
      }
      if (start < end) kept.push({ clock: start, len: end - start })
    }
    if (kept.length > 0) diff.clients.set(client, kept)
  }
  return diff
}

/** The delete set of a doc. */
export function deleteSetOf(doc: Y.Doc): DeleteSet {
  return Y.createDeleteSetFromStructStore(doc.store)
}

/**
 * What `state` (a whole doc, V1) adds to a version with `stateVector` and `deleteSet`: its
 * structs beyond the state vector and its deletions beyond the delete set. `nowDeleted` is
 * `state`'s own delete set.
 */
export function cutDelta(state: Uint8Array, nowDeleted: DeleteSet, stateVector: Uint8Array, deleteSet: DeleteSet): Uint8Array {
  const delta = Y.diffUpdate(state, stateVector)
  const full = encodeDeleteSet(Y.decodeUpdate(delta).ds)
  const tail = delta.subarray(delta.length - full.length)
  // Not the layout expected (a future Yjs): the delta with its whole delete set is still right.
  if (full.length > delta.length || !tail.every((b, i) => b === full[i])) return delta
  const since = encodeDeleteSet(deletionsSince(nowDeleted, deleteSet))
  const out = new Uint8Array(delta.length - full.length + since.length)
  out.set(delta.subarray(0, delta.length - full.length))
  out.set(since, delta.length - full.length)
  return out
}
