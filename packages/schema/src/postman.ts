/**
 * Postman Collection v2.1 import and export for a `Collection` doc. The collection's name
 * lives in the workspace index, so import returns it and export takes it.
 */
import type { Collection, Placement } from './collection.ts'
import { fromPostman } from './postman-import.ts'
import { toPostman } from './postman-export.ts'
import type { PostmanCollection } from './postman-types.ts'
import type { Problem } from './validate.ts'

export type ImportPostmanResult =
  | { ok: true; value: { name: string; ids: string[]; problems: Problem[] } }
  | { ok: false; error: { code: 'not_postman_collection'; message: string } }

/**
 * Adds the items of a parsed Postman file to `collection` (at `place`, default the end of
 * the root) in one transaction. When importing at the root, the file's collection-level
 * description and auth are applied too. Never throws on bad input.
 */
export function importPostman(collection: Collection, json: unknown, place: Placement = {}): ImportPostmanResult {
  const parsed = fromPostman(json)
  if (!parsed.ok) return parsed
  const { name, description, auth, items, problems } = parsed.value
  let ids: string[] = []
  collection.doc.transact(() => {
    ids = collection.addAll(items, place)
    if ((place.parentId ?? null) !== null) return
    collection.setAuth(auth)
    if (description) collection.description.insert(collection.description.length, description)
  })
  return { ok: true, value: { name, ids, problems } }
}

/** The whole collection as a Postman v2.1 object (`JSON.stringify` it to save a file). */
export function exportPostman(collection: Collection, name: string, id?: string): PostmanCollection {
  return toPostman(name, collection.snapshot(), id)
}
