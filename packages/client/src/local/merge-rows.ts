/**
 * Stored rows into one Yjs update — leaving out a damaged one, so that it does not hide the rest
 * of its doc. `Y.mergeUpdates` over one long list grows quadratically
 * (yjs #710: 5,000 rows 0.3 s, 20,000 rows 6 s, on the main thread), and a doc held without
 * being loaded keeps every change it heard as a row until it is loaded. Merging a few rows at a
 * time, then those merges, stays near linear and yields the same update.
 */
import * as Y from 'yjs'

/** Rows merged at once: short lists are where `Y.mergeUpdates` is fast. */
const FAN_IN = 16

/** The union of `rows` as one update; throws when one is not a Yjs update. */
export function mergeRows(rows: readonly Uint8Array[]): Uint8Array {
  if (rows.length === 1) return rows[0]!
  let level = [...rows]
  while (level.length > FAN_IN) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += FAN_IN) next.push(Y.mergeUpdates(level.slice(i, i + FAN_IN)))
    level = next
  }
  return Y.mergeUpdates(level)
}

function decodes(row: Uint8Array): boolean {
  try {
    Y.decodeUpdate(row)
    return true
  } catch {
    return false
  }
}

/**
 * The rows that are Yjs updates, merged, and the positions of those that are not (damaged
 * bytes, or no bytes at all): left out, for the caller to keep aside and report.
 */
export function mergeReadable(rows: readonly unknown[]): { merged: Uint8Array; unreadable: number[] } {
  // One row is not merged, so not decoded either: it is checked below.
  if (rows.length !== 1 && rows.every((row) => row instanceof Uint8Array)) {
    try {
      return { merged: mergeRows(rows), unreadable: [] }
    } catch {
      // One of them does not decode: which one is found below, decoding each (only then: it costs).
    }
  }
  const unreadable: number[] = []
  const readable = rows.filter((row, position): row is Uint8Array => {
    if (row instanceof Uint8Array && decodes(row)) return true
    unreadable.push(position)
    return false
  })
  return { merged: mergeRows(readable), unreadable }
}

