/**
 * Root texts whose map is gone are emptied, by whichever replica notices: the device that
 * deletes an item empties the texts it can see (see `Collection.remove`), and any replica
 * applying a remote update empties (a) the texts of maps that update deleted and (b) texts
 * that update edited although their map is already deleted — an edit that raced the delete.
 * Without this a deleted request's token could stay in the doc for good.
 */
import * as Y from 'yjs'
import { canWrite } from '../schema-version.ts'
import { onRemoteMapChanges, type SharedType } from '../transact.ts'
import { clearSeededText, existingRootText, isOrphanSeed } from './seed.ts'

export const ORPHAN_ORIGIN = Symbol('ferry.orphan-texts')

/** The root name of `type`, if it is a root type of `doc` (Yjs throws for others). */
function rootName(doc: Y.Doc, type: SharedType): string | undefined {
  for (const [name, root] of doc.share) if (root === type) return name
  return undefined
}

/**
 * Watches `doc`: `ownedTexts(map)` names the root texts a deleted map held (its nested maps
 * included); `roots` are the doc's own root types (any other root that changes may be a text).
 */
export function watchOrphanTexts(doc: Y.Doc, roots: readonly SharedType[], ownedTexts: (map: Y.Map<unknown>) => string[]): void {
  const known = new Set<unknown>(roots)
  let pending: string[] = []
  onRemoteMapChanges(doc, roots, (changes) => {
    for (const change of changes) {
      for (const key of change.keys) {
        const entry = change.target._map.get(key)
        if (!entry?.deleted || !change.deletes(entry) || !(entry.content instanceof Y.ContentType)) continue
        const map = entry.content.type
        if (map instanceof Y.Map) pending.push(...ownedTexts(map))
      }
    }
  })
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    if (!tr.local) {
      for (const type of tr.changed.keys()) {
        if (type._item !== null || known.has(type) || !(type instanceof Y.Text || type.constructor === Y.AbstractType)) continue
        const name = rootName(doc, type)
        if (name?.startsWith('v1:') && isOrphanSeed(doc, name)) pending.push(name)
      }
    }
    const names = pending.filter((name) => (existingRootText(doc, name)?.length ?? 0) > 0)
    pending = []
    if (names.length === 0 || !canWrite(doc)) return
    doc.transact(() => names.forEach((name) => clearSeededText(doc, name)), ORPHAN_ORIGIN)
  })
}
