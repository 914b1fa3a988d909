/**
 * Deletions and structs a doc keeps waiting for content it lacks (`store.pendingDs`,
 * `store.pendingStructs`). Yjs reads every waiting deletion again on each later update and
 * merges waiting structs with each later update that waits too, so a doc holding many makes
 * every keystroke into it slow: 400,000 made-up deletion ranges (a 1.6 MB update) took each
 * later one-keystroke update from well under 1 ms to 81 ms (docs/decisions.md, "Update-cost and
 * memory budget, attacked"). A device's socket sends what its changes build on before them,
 * so an honest doc waits for nothing, or for a few changes while another tab's arrive.
 */
import * as Y from 'yjs'

/** How many waiting deletion ranges and structs an update from a socket may leave in its doc. */
export const MAX_WAITING_CHANGES = 4_096

/** The waiting deletion ranges and structs of `doc`; costs a decode of what waits (none: nothing). */
export function waitingChanges(doc: Y.Doc): number {
  const { pendingDs, pendingStructs } = doc.store
  let count = 0
  if (pendingDs) for (const ranges of Y.decodeUpdateV2(pendingDs).ds.clients.values()) count += ranges.length
  if (pendingStructs) count += Y.decodeUpdateV2(pendingStructs.update).structs.length
  return count
}
