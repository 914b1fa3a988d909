/**
 * Moving an item to another collection without losing it. The two collections are separate
 * docs, each stored in its own IndexedDB database, so the copy into the target and the delete
 * from the source are stored independently: a tab closed between them could keep the delete
 * and lose the copy. So the planned move (the item's content and its copy's id) is written to
 * localStorage first; on the next start `finishMoves` runs every recorded move again (it is
 * idempotent: @ferry/schema's `applyMoveAcross`) and forgets the ones that were complete.
 */
import { applyMoveAcross, planMoveAcross, type CrossMove, type Placement } from '@ferry/schema'
import type { Workspace } from '@ferry/client'

interface Entry {
  readonly sourceId: string
  readonly targetId: string
  readonly move: CrossMove
}

const keyOf = (owner: string) => `ferry:moves:${owner}`

function read(owner: string): Entry[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(keyOf(owner)) ?? '[]')
    return Array.isArray(parsed) ? (parsed as Entry[]) : []
  } catch {
    // A damaged journal holds nothing usable; the moves it had were most likely complete.
    return []
  }
}

function write(owner: string, entries: readonly Entry[]): void {
  if (entries.length === 0) localStorage.removeItem(keyOf(owner))
  else localStorage.setItem(keyOf(owner), JSON.stringify(entries))
}

/** Moves item `itemId` of collection `sourceId` into collection `targetId` at `place`; answers the id it has there (null: not found). */
export async function moveToCollection(workspace: Workspace, sourceId: string, itemId: string, targetId: string, place: Placement): Promise<string | null> {
  const [source, target] = await Promise.all([workspace.collection(sourceId), workspace.collection(targetId)])
  const move = planMoveAcross(source, itemId, target, place)
  if (!move) return null
  write(workspace.owner, [...read(workspace.owner), { sourceId, targetId, move }])
  applyMoveAcross(source, target, move)
  return move.copyId
}

/** Drops an account's journal (signing out wipes its collections too). */
export function forgetMoves(owner: string): void {
  localStorage.removeItem(keyOf(owner))
}

/** Completes the moves a closed tab may have left half done; forgets those that were complete. */
export async function finishMoves(workspace: Workspace): Promise<void> {
  const entries = read(workspace.owner)
  if (entries.length === 0) return
  // A collection in the trash is still held, and a restore brings the move back with it.
  const listed = new Set(workspace.index.allCollections().map((c) => c.id))
  const kept: Entry[] = []
  for (const entry of entries) {
    // A collection deleted since: the move cannot be completed, and must not write into a deleted doc.
    if (!listed.has(entry.sourceId) || !listed.has(entry.targetId)) continue
    const [source, target] = await Promise.all([workspace.collection(entry.sourceId), workspace.collection(entry.targetId)])
    const done = target.get(entry.move.copyId) !== undefined && source.get(entry.move.itemId) === undefined
    if (done) continue
    applyMoveAcross(source, target, entry.move)
    // Written just now: kept until a later start finds it complete (stored) too.
    kept.push(entry)
  }
  write(workspace.owner, kept)
}
