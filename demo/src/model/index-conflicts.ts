/**
 * The workspace index's conflict records (collection and header-preset order, whether a
 * collection is in the trash, settings, preset header flags) as notices for the collection list. An order says where an entry
 * sits: "Place of Users changed to 1st on another device; yours was 3rd". A record's `path`
 * names the entry: `['collections', id, 'order']`, `['headerPresets', id, 'order']`,
 * `['headerPresets', id, 'headers', index, 'enabled']`, `['settings', key]`.
 */
import type { WorkspaceIndex } from '@ferry/schema'
import type { ConflictNotice } from '../ui/conflict-notices.ts'
import { lostHere } from './conflict-owners.ts'
import { inTrash } from './environment-conflicts.ts'
import { placeOf } from './places.ts'

export function indexConflicts(index: WorkspaceIndex): ConflictNotice[] {
  const conflicts = index.conflicts()
  if (conflicts.length === 0) return []
  const lists = { collections: index.collections(), headerPresets: index.headerPresets() }
  // A collection in the trash is named too (its trash mark may be what conflicted).
  const names = new Map([...index.allCollections(), ...lists.headerPresets].map((e) => [e.id, e.name]))
  return conflicts.map((c) => {
    const [root, id, ...rest] = c.path
    const here = lostHere(c, index.doc)
    if ((root === 'collections' || root === 'headerPresets') && typeof id === 'string') {
      const entries = lists[root]
      const name = names.get(id) ?? ''
      const kind = root === 'collections' ? 'collection' : 'header preset'
      if (rest.length === 1 && c.field === 'trashed') return { id: c.id, what: `The ${kind} ${name} in the trash`, mine: inTrash(c.mine), theirs: inTrash(c.theirs), lostHere: here }
      if (rest.length === 1 && c.field === 'order') {
        return { id: c.id, what: `Place of the ${kind} ${name}`, mine: placeOf(entries, id, c.mine), theirs: placeOf(entries, id, c.theirs), lostHere: here }
      }
      const [list, row] = rest
      if (root === 'headerPresets' && list === 'headers' && typeof row === 'number' && c.field === 'enabled') {
        return { id: c.id, what: `Header ${row + 1} of the preset ${name} enabled`, mine: onOff(c.mine), theirs: onOff(c.theirs), lostHere: here }
      }
      if (rest.length === 1) return { id: c.id, what: `${c.field === 'name' ? 'Name' : c.field} of the ${kind} ${name}`, mine: String(c.mine), theirs: String(c.theirs), lostHere: here }
    }
    const what = root === 'settings' ? `Setting ${c.field}` : c.field
    return { id: c.id, what, mine: String(c.mine), theirs: String(c.theirs), lostHere: here }
  })
}

const onOff = (value: unknown): string => (typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value))
