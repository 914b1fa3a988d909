/**
 * A collection's conflict records (see @ferry/schema's conflicts.ts) in the editor's terms:
 * which request they belong to and how to say them ("Method", "Row 2 of Headers enabled").
 * Records are matched to requests through the collection's documented layout (root map
 * `items`: id → item map, with `params`, `headers` and `bodyFields` arrays of row maps),
 * each map keyed by its struct id (see conflict-owners.ts).
 */
import * as Y from 'yjs'
import type { Collection, Conflict } from './types.ts'
import type { ConflictNotice } from '../ui/conflict-notices.ts'
import { lostHere, structId } from './conflict-owners.ts'

const LISTS = { params: 'Params', headers: 'Headers', bodyFields: 'Form fields' } as const

interface Place {
  itemId: string
  /** For a row's conflict: which table and which row (1-based, as shown). */
  row?: { table: string; number: number }
}


function places(collection: Collection): Map<string, Place> {
  const byOwner = new Map<string, Place>()
  for (const [itemId, item] of collection.doc.getMap<unknown>('items').entries()) {
    if (!(item instanceof Y.Map)) continue
    const owner = structId(item)
    if (owner) byOwner.set(owner, { itemId })
    for (const [list, table] of Object.entries(LISTS)) {
      const rows = item.get(list)
      if (!(rows instanceof Y.Array)) continue
      rows.forEach((row, i) => {
        const rowOwner = row instanceof Y.Map ? structId(row) : undefined
        if (rowOwner) byOwner.set(rowOwner, { itemId, row: { table, number: i + 1 } })
      })
    }
  }
  return byOwner
}

const FIELDS: Record<string, string> = {
  method: 'Method',
  bodyMode: 'Body type',
  bodyLanguage: 'Body language',
  position: 'Place in the collection',
  auth: 'Auth type',
  name: 'Name',
  url: 'URL',
}

/** A stored value as the user knows it. */
function shown(field: string, value: unknown): string {
  if (field === 'position') return 'moved'
  if (field === 'auth') return typeof value === 'object' && value !== null && 'type' in value ? String(value.type) : '?'
  if (typeof value === 'boolean') return value ? 'on' : 'off'
  if (typeof value === 'string') return value === '' ? '(empty)' : value
  return JSON.stringify(value)
}

/** The open conflicts on `requestId` (its own fields and its rows), as notices. */
export function requestConflicts(collection: Collection, requestId: string): ConflictNotice[] {
  const conflicts = collection.conflicts()
  if (conflicts.length === 0) return []
  const byOwner = places(collection)
  return conflicts.flatMap((c: Conflict) => {
    const place = byOwner.get(c.owner)
    if (place?.itemId !== requestId) return []
    const label = FIELDS[c.field] ?? c.field
    const what = place.row ? `Row ${place.row.number} of ${place.row.table} ${c.field === 'enabled' ? 'enabled' : c.field}` : label
    return [{ id: c.id, what, mine: shown(c.field, c.mine), theirs: shown(c.field, c.theirs), lostHere: lostHere(c, collection.doc) }]
  })
}
