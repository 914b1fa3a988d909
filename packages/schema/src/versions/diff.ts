/**
 * What changed between two states of a collection (two versions, or a version and the live
 * doc): per item, added, removed, or which fields changed; and the collection's own fields.
 * The relay lists each version with `summarize` of its diff to the one before; the demo's
 * History panel shows the items.
 */
import type * as Y from 'yjs'
import { changedFields, changedOwnFields, flatten, moved, type CollectionField, type FlatCollection, type ItemField } from './fields.ts'

export interface ItemChange {
  readonly id: string
  readonly kind: 'request' | 'folder'
  /** The item's name in the later state (the earlier one's for a removed item). */
  readonly name: string
  readonly change: 'added' | 'removed' | 'changed'
  /** For `changed`: the fields that differ; empty otherwise. */
  readonly fields: readonly ItemField[]
}

export interface CollectionDiff {
  /** The collection's own fields that differ (description, auth, scripts, variables, kept). */
  readonly collection: readonly CollectionField[]
  /** Changed items, parents before children as the later state holds them, then removed ones. */
  readonly items: readonly ItemChange[]
}

/** How many items a diff adds, removes and changes (the collection's own fields count as one change). */
export interface DiffSummary {
  readonly added: number
  readonly removed: number
  readonly changed: number
}

/** The diff from `before` to `after`, both read as collections. */
export function diffCollections(before: Y.Doc, after: Y.Doc): CollectionDiff {
  return diffFlat(flatten(before), flatten(after))
}

/** `diffCollections` on states already read (a caller diffing a chain of versions reads each once). */
export function diffFlat(before: FlatCollection, after: FlatCollection): CollectionDiff {
  const items: ItemChange[] = []
  const hasMoved = moved(before, after)
  for (const [id, now] of after.items) {
    const was = before.items.get(id)
    const base = { id, kind: now.node.kind, name: now.node.name }
    if (!was) items.push({ ...base, change: 'added', fields: [] })
    else {
      const fields = changedFields(was, now)
      if (hasMoved(id)) fields.push('position')
      if (fields.length > 0) items.push({ ...base, change: 'changed', fields })
    }
  }
  for (const [id, was] of before.items) {
    if (!after.items.has(id)) items.push({ id, kind: was.node.kind, name: was.node.name, change: 'removed', fields: [] })
  }
  return { collection: changedOwnFields(before.own, after.own), items }
}

export function summarize(diff: CollectionDiff): DiffSummary {
  let added = 0
  let removed = 0
  let changed = diff.collection.length > 0 ? 1 : 0
  for (const item of diff.items) {
    if (item.change === 'added') added++
    else if (item.change === 'removed') removed++
    else changed++
  }
  return { added, removed, changed }
}
