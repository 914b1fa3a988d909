import type * as Y from 'yjs'
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
