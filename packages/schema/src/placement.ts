/**
 * Many moves planned on one read of the tree's shape (`Collection.placeAll`): an update from a
 * file that reorders thousands of items reads the tree once, not once per item. Siblings are
 * kept in linked lists while the moves are applied in order; then every run of moved items
 * between two items that stay gets keys spread between theirs (`keysBetween`), so keys grow
 * with the logarithm of the run, not its length.
 */
import { keysBetween } from './order.ts'
import type { RandomSource } from './random.ts'
import type { ResolvedTree, TreeEntry } from './tree.ts'

/** Puts `id` under `parentId` right after its child `after` (null: first; absent: last). */
export interface Move {
  id: string
  parentId: string | null
  after?: string | null
}

export interface PlannedPosition {
  parentId: string | null
  order: string
}

/**
 * The new positions of the items `moves` move, in order (a later move may follow an item an
 * earlier one placed). A move of a missing item, to a missing folder or into the item itself
 * is skipped; an `after` that is not then a child of `parentId` means last; a move that
 * leaves the item where it is writes nothing. `random` gives the tie-breaks of a run's keys.
 */
export function planMoves(tree: ResolvedTree<TreeEntry>, moves: readonly Move[], random: (parentId: string | null, left: string | null, first: string) => RandomSource): Map<string, PlannedPosition> {
  const parentOf = new Map(tree.parentOf)
  const orderOf = new Map<string, string>()
  const prev = new Map<string, string | null>()
  const next = new Map<string, string | null>()
  const head = new Map<string | null, string | null>()
  const tail = new Map<string | null, string | null>()
  for (const [parent, list] of tree.children) {
    head.set(parent, list[0]?.id ?? null)
    tail.set(parent, list.at(-1)?.id ?? null)
    list.forEach((e, i) => {
      orderOf.set(e.id, e.order)
      prev.set(e.id, list[i - 1]?.id ?? null)
      next.set(e.id, list[i + 1]?.id ?? null)
    })
  }
  const unlink = (id: string): void => {
    const parent = parentOf.get(id) ?? null
    const [a, b] = [prev.get(id) ?? null, next.get(id) ?? null]
    if (a === null) head.set(parent, b)
    else next.set(a, b)
    if (b === null) tail.set(parent, a)
    else prev.set(b, a)
  }
  const linkAfter = (id: string, parent: string | null, after: string | null): void => {
    const b = after === null ? (head.get(parent) ?? null) : (next.get(after) ?? null)
    prev.set(id, after)
    next.set(id, b)
    if (after === null) head.set(parent, id)
    else next.set(after, id)
    if (b === null) tail.set(parent, id)
    else prev.set(b, id)
    parentOf.set(id, parent)
  }
  const moved = new Set<string>()
  const touched = new Set<string | null>()
  for (const move of moves) {
    const { id, parentId } = move
    if (!parentOf.has(id) || !head.has(parentId)) continue
    let inside = false
    for (let at: string | null = parentId; at !== null && !inside; at = parentOf.get(at) ?? null) inside = at === id
    if (inside) continue
    let after = move.after === undefined ? (tail.get(parentId) ?? null) : move.after
    if (after !== null && after !== id && (parentOf.get(after) ?? null) !== parentId) after = tail.get(parentId) ?? null
    if (after === id || ((parentOf.get(id) ?? null) === parentId && (prev.get(id) ?? null) === after)) continue
    unlink(id)
    linkAfter(id, parentId, after)
    moved.add(id)
    touched.add(parentId)
  }
  const out = new Map<string, PlannedPosition>()
  for (const parentId of touched) {
    let left: string | null = null
    let run: string[] = []
    const flush = (right: string | null): void => {
      if (run.length === 0) return
      const keys = keysBetween(left, right, run.length, random(parentId, left, run[0]!))
      run.forEach((id, i) => out.set(id, { parentId, order: keys[i]! }))
      run = []
    }
    for (let id = head.get(parentId) ?? null; id !== null; id = next.get(id) ?? null) {
      const order = orderOf.get(id)
      if (moved.has(id) || order === undefined) {
        run.push(id)
        continue
      }
      // Equal keys (a hostile peer, a tie-break collision) leave no room between: move it too.
      if (run.length > 0 && left !== null && order <= left) {
        run.push(id)
        continue
      }
      flush(order)
      left = order
    }
    flush(null)
  }
  return out
}
