/**
 * Duplicating an item and moving one to another collection. Collections are separate docs,
 * so a move across them is a copy into the target and a delete from the source: two writes
 * in two docs that no transaction spans. `planMoveAcross` fixes the copy's id up front, so
 * `applyMoveAcross` can run again after an interruption (a tab closed between the two
 * writes) and completes the move without a second copy — the caller keeps the plan until
 * both writes are stored.
 */
import type { Collection, Placement } from './collection.ts'
import type { NodeInput, TreeNode } from './model.ts'

/** An item and its descendants as plain input for `Collection.add`: the same content, none of the original's ids or places. */
export function copyOf(node: TreeNode): NodeInput {
  if (node.kind === 'folder') {
    const { id: _id, parentId: _parent, order: _order, children, ...fields } = node
    return { ...fields, children: children.map(copyOf) }
  }
  const { id: _id, parentId: _parent, order: _order, ...fields } = node
  return fields
}

function siblingsOf(collection: Collection, parentId: string | null): TreeNode[] {
  if (parentId === null) return collection.tree()
  const parent = collection.get(parentId)
  return parent?.kind === 'folder' ? parent.children : []
}

/** Adds a copy of item `id` (with everything under it) right after it, named "<name> copy"; answers its id, or null when `id` is absent. */
export function duplicateItem(collection: Collection, id: string): string | null {
  const node = collection.get(id)
  if (!node) return null
  const index = siblingsOf(collection, node.parentId).findIndex((s) => s.id === id) + 1
  return collection.add({ ...copyOf(node), name: `${node.name} copy` }, { parentId: node.parentId, index })
}

/** A move of one item to another collection, planned (nothing written) and kept until done. */
export interface CrossMove {
  /** The item in the source collection. */
  readonly itemId: string
  /** The id its copy gets in the target collection. */
  readonly copyId: string
  /** The item as it was when planned: what the copy is made of, whatever happens to the source meanwhile. */
  readonly input: NodeInput
  readonly place: Placement
}

/** Plans moving item `id` of `source` into `target` at `place`; null when the item is absent. */
export function planMoveAcross(source: Collection, id: string, target: Collection, place: Placement = {}): CrossMove | null {
  const node = source.get(id)
  if (!node) return null
  return { itemId: id, copyId: target.newId(), input: copyOf(node), place }
}

/**
 * Carries out a planned move: the copy goes into `target` unless it is there already, then
 * the item leaves `source` (if still there). Safe to run any number of times. A target
 * folder that went away meanwhile puts the copy at the target's root.
 */
export function applyMoveAcross(source: Collection, target: Collection, move: CrossMove): void {
  if (target.get(move.copyId) === undefined) {
    const parentId = move.place.parentId ?? null
    const folderThere = parentId === null || target.get(parentId)?.kind === 'folder'
    const place = folderThere ? move.place : { index: move.place.index }
    target.add({ ...move.input, assignId: move.copyId }, place)
  }
  source.remove(move.itemId)
}
