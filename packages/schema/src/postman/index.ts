/**
 * Postman Collection v2.0/v2.1 import and export of a `Collection` doc, lossless: every field
 * of the file survives import → edit → sync → export (see import.ts and export.ts). The
 * collection's name lives in the workspace index, so import returns it and export takes it.
 */
import type { Collection, Placement } from '../collection.ts'
import type { JsonObject } from '../model.ts'
import { rememberReadings } from '../compact.ts'
import { fromPostman, type PostmanImportError } from './import.ts'
import { toPostman } from './export.ts'
import { withItems } from './base.ts'
import { notePlaces } from './update-match.ts'

export type ImportPostmanResult =
  | { ok: true; value: { name: string; ids: string[]; asFolder: boolean } }
  | { ok: false; error: PostmanImportError }

/**
 * Adds a parsed Postman file to `collection` in one transaction. Into an empty collection
 * (at its root), the file's collection-level description, auth, scripts and variables
 * become the collection's; anywhere else they go on a new folder named after the file's
 * collection, holding its items, so an import never overwrites what a collection has.
 * Never throws on bad input; a bad file imports nothing.
 */
export function importPostman(collection: Collection, json: unknown, place: Placement = {}): ImportPostmanResult {
  const parsed = fromPostman(json)
  if (!parsed.ok) return parsed
  const { name, description, auth, kept, items } = parsed.value
  rememberReadings(items)
  const asFolder = (place.parentId ?? null) !== null || !collection.isEmpty()
  // Where each item goes, noted in the base of its folder (see base.ts): what an update moves.
  const own = { ...kept, kept: withItems(kept.kept, notePlaces(items, () => collection.newId())) }
  let ids: string[] = []
  collection.doc.transact(() => {
    if (asFolder) {
      ids = [collection.add({ kind: 'folder', name, description, auth: auth.type === 'none' && !kept.kept?.auth ? { type: 'inherit' } : auth, ...own, children: items }, place)]
      return
    }
    ids = collection.addAll(items, place)
    collection.setAuth(auth)
    collection.description.insert(0, description)
    collection.setKept(own)
  })
  return { ok: true, value: { name, ids, asFolder } }
}

/** The whole collection as a Postman v2.1 object (`JSON.stringify` it to save a file). */
export function exportPostman(collection: Collection, name: string, id?: string): JsonObject {
  return toPostman(name, collection.snapshot(), id)
}

export { fromPostman, MAX_POSTMAN_DEPTH, type ImportIssue, type PostmanImport, type PostmanImportError, type PostmanImportResult } from './import.ts'
export { POSTMAN_SCHEMA_V21, toPostman } from './export.ts'
export { postmanIdOfCollection, updateFromPostman, type UpdateConflict, type UpdatePostmanResult, type UpdatePostmanSummary } from './update.ts'
