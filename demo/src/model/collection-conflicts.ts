/**
 * A collection's conflict records (see @ferry/schema's conflicts.ts) in the editor's terms:
 * which request they belong to and how to say them ("Method", "Row 2 of Headers enabled").
 * A record's `path` names its place as the app does: `['items', requestId, field]` for a
 * request's own field, `['items', requestId, list, index, field]` for a row of its params,
 * headers or form fields.
 */
import type { Collection, Conflict } from './types.ts'
import type { ConflictNotice } from '../ui/conflict-notices.ts'
import { lostHere } from './conflict-owners.ts'

const LISTS: Record<string, string> = { params: 'Params', headers: 'Headers', bodyFields: 'Form fields' }

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

/** How a conflict on `requestId` reads ("Method", "Row 2 of Headers enabled"), or undefined when it is elsewhere. */
function describe(c: Conflict, requestId: string): string | undefined {
  const [root, itemId, ...rest] = c.path
  if (root !== 'items' || itemId !== requestId) return undefined
  if (rest.length === 1) return FIELDS[c.field] ?? c.field
  const [list, index] = rest
  if (rest.length === 3 && typeof list === 'string' && LISTS[list] && typeof index === 'number') return `Row ${index + 1} of ${LISTS[list]} ${c.field}`
  return undefined
}

/** The open conflicts on `requestId` (its own fields and its rows), as notices. */
export function requestConflicts(collection: Collection, requestId: string): ConflictNotice[] {
  return collection.conflicts().flatMap((c: Conflict) => {
    const what = describe(c, requestId)
    return what === undefined ? [] : [{ id: c.id, what, mine: shown(c.field, c.mine), theirs: shown(c.field, c.theirs), lostHere: lostHere(c, collection.doc) }]
  })
}
