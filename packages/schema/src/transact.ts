import * as Y from 'yjs'
import type { ChangeInfo } from './options.ts'

/** Any shared type; Yjs's own event typing makes `AbstractType<unknown>` unusable here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SharedType = Y.AbstractType<any>

/** Runs `fn` in one transaction of the doc `type` belongs to (directly if not attached yet). */
export function transact(type: SharedType, fn: () => void): void {
  if (type.doc) type.doc.transact(fn)
  else fn()
}

/**
 * Calls `cb` once after every transaction that changed anything inside `types` (root types
 * of `doc`). Returns the unsubscribe function.
 */
export function observeTypes(doc: Y.Doc, types: readonly SharedType[], cb: (change: ChangeInfo) => void): () => void {
  const handler = (tr: Y.Transaction): void => {
    if (types.some((t) => tr.changedParentTypes.has(t) || tr.changed.has(t))) cb({ local: tr.local, origin: tr.origin })
  }
  doc.on('afterTransaction', handler)
  return () => doc.off('afterTransaction', handler)
}

/** Calls `cb` once after every transaction that changed anything in `doc`; returns unsubscribe. */
export function observeDoc(doc: Y.Doc, cb: (change: ChangeInfo) => void): () => void {
  const handler = (tr: Y.Transaction): void => {
    if (tr.changed.size > 0) cb({ local: tr.local, origin: tr.origin })
  }
  doc.on('afterTransaction', handler)
  return () => doc.off('afterTransaction', handler)
}

/** The keys a transaction changed in one map, with the transaction's view of its structs. */
export interface MapChange {
  readonly target: Y.Map<unknown>
  readonly keys: ReadonlySet<string>
  /** Whether the transaction brought `item` in. */
  adds(item: Y.Item): boolean
  /** Whether the transaction deleted `item`. */
  deletes(item: Y.Item): boolean
}

/**
 * Calls `cb` after every remote transaction with the maps under `roots` whose keys it
 * changed. Observers that only care about remote changes use this instead of `observeDeep`:
 * Yjs sorts deep events by path for every changed type, which made a local import of 10,000
 * requests spend seconds there for observers that returned at once.
 */
export function onRemoteMapChanges(doc: Y.Doc, roots: readonly SharedType[], cb: (changes: MapChange[]) => void): void {
  const rootSet = new Set<unknown>(roots)
  const under = (type: SharedType): boolean => {
    let at: SharedType = type
    while (at._item !== null) at = at._item.parent as SharedType
    return rootSet.has(at)
  }
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    if (tr.local) return
    const changes: MapChange[] = []
    for (const [type, keys] of tr.changed) {
      if (!(type instanceof Y.Map) || !under(type)) continue
      const named = new Set<string>()
      for (const key of keys) if (key !== null) named.add(key)
      if (named.size === 0) continue
      changes.push({
        target: type as Y.Map<unknown>,
        keys: named,
        adds: (item) => item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0),
        deletes: (item) => Y.isDeleted(tr.deleteSet, item.id),
      })
    }
    if (changes.length > 0) cb(changes)
  })
}
