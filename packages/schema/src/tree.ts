/**
 * Turns the flat item map into a tree every replica agrees on. Concurrent edits can leave
 * items whose parent was deleted or is no folder (orphans), and concurrent moves can form
 * cycles (A moved into B while B moved into A). The repair is a pure function of the merged
 * state, so every replica shows the same tree without writing anything:
 * - an orphan is shown at the root (so an item moved or created into a folder that another
 *   device deleted is kept, not lost);
 * - a cycle is broken at its member with the smallest id, which is shown at the root.
 * Children are sorted by order key, then id.
 */
import { compareOrder } from './order.ts'

export interface TreeEntry {
  id: string
  /** The stored parent (null = root). */
  parentId: string | null
  order: string
  isFolder: boolean
}

export interface ResolvedTree<T extends TreeEntry> {
  /** Children of each folder id (and of the root under the key null), sorted. */
  children: Map<string | null, T[]>
  /** Effective parent of every entry. */
  parentOf: Map<string, string | null>
  orphans: string[]
  /** Entries re-rooted to break a cycle. */
  cycleBreaks: string[]
}

export function resolveTree<T extends TreeEntry>(entries: readonly T[]): ResolvedTree<T> {
  const byId = new Map(entries.map((e) => [e.id, e]))
  const parentOf = new Map<string, string | null>()
  const orphans: string[] = []
  for (const e of entries) {
    const parent = e.parentId === null ? undefined : byId.get(e.parentId)
    if (e.parentId !== null && (parent === undefined || !parent.isFolder)) orphans.push(e.id)
    parentOf.set(e.id, parent?.isFolder ? e.parentId : null)
  }

  // Walk up from every entry; meeting the current walk again means a cycle. In a graph where
  // each node has one parent the cycles are disjoint, so the result does not depend on the
  // order entries are visited in.
  const cycleBreaks: string[] = []
  const state = new Map<string, 'walking' | 'done'>()
  for (const start of entries) {
    const path: string[] = []
    let at: string | null = start.id
    while (at !== null && !state.has(at)) {
      state.set(at, 'walking')
      path.push(at)
      at = parentOf.get(at) ?? null
    }
    if (at !== null && state.get(at) === 'walking') {
      const cycle = path.slice(path.indexOf(at))
      const smallest = cycle.reduce((min, id) => (id < min ? id : min))
      parentOf.set(smallest, null)
      cycleBreaks.push(smallest)
    }
    for (const id of path) state.set(id, 'done')
  }

  const children = new Map<string | null, T[]>([[null, []]])
  for (const e of entries) if (e.isFolder) children.set(e.id, [])
  for (const e of entries) children.get(parentOf.get(e.id) ?? null)!.push(e)
  for (const list of children.values()) list.sort(compareOrder)
  return { children, parentOf, orphans, cycleBreaks }
}
