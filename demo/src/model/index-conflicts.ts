/**
 * The workspace index's conflict records (collection and header-preset order, settings,
 * preset header flags) as notices for the collection list. An order says where an entry
 * sits: "Place of Users changed to 1st on another device; yours was 3rd". Entries are
 * matched through the index's documented layout (root maps `collections` and
 * `headerPresets`: id → entry map), keyed by struct id (see conflict-owners.ts).
 */
import * as Y from 'yjs'
import { compareOrder, type WorkspaceIndex } from '@ferry/schema'
import type { ConflictNotice } from '../ui/conflict-notices.ts'
import { lostHere, structId } from './conflict-owners.ts'

const ordinal = (n: number): string => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`

/** 1-based place `id` would have among `entries` with order key `order`. */
function placeWith(entries: readonly { id: string; order: string }[], id: string, order: string): number {
  const others = entries.filter((e) => e.id !== id)
  return others.filter((e) => compareOrder(e, { id, order }) < 0).length + 1
}

export function indexConflicts(index: WorkspaceIndex): ConflictNotice[] {
  const conflicts = index.conflicts()
  if (conflicts.length === 0) return []
  const lists = { collections: index.collections(), headerPresets: index.headerPresets() }
  const entries = new Map<string, { id: string; name: string; list: keyof typeof lists }>()
  for (const list of ['collections', 'headerPresets'] as const) {
    for (const [id, map] of index.doc.getMap<unknown>(list).entries()) {
      const owner = map instanceof Y.Map ? structId(map) : undefined
      const name = lists[list].find((e) => e.id === id)?.name
      if (owner && name !== undefined) entries.set(owner, { id, name, list })
    }
  }
  return conflicts.map((c) => {
    const entry = entries.get(c.owner)
    if (entry && c.field === 'order' && typeof c.mine === 'string' && typeof c.theirs === 'string') {
      const kind = entry.list === 'collections' ? 'collection' : 'header preset'
      return { id: c.id, what: `Place of the ${kind} ${entry.name}`, mine: ordinal(placeWith(lists[entry.list], entry.id, c.mine)), theirs: ordinal(placeWith(lists[entry.list], entry.id, c.theirs)), lostHere: lostHere(c, index.doc) }
    }
    const what = c.owner === 'settings' ? `Setting ${c.field}` : c.field === 'enabled' ? 'A preset header’s enabled flag' : c.field
    return { id: c.id, what, mine: String(c.mine), theirs: String(c.theirs), lostHere: lostHere(c, index.doc) }
  })
}
