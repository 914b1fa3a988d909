/**
 * A collection's items as flat, comparable fields: what version diffs compare and what a
 * restore writes back. Read through `Collection` (validated, compact requests read like any
 * other), so a diff never sees Yjs internals: two states that read alike are alike.
 */
import * as Y from 'yjs'
import { Collection } from '../collection.ts'
import type { CollectionSnapshot, RequestNode, TreeNode } from '../model.ts'

/** The fields a diff names. `position`: the parent, or the place among the siblings both states hold. */
export const REQUEST_FIELDS = [
  'name', 'method', 'url', 'params', 'headers', 'bodyMode', 'bodyRaw', 'bodyLanguage', 'bodyFields',
  'auth', 'description', 'pathVariables', 'examples', 'scripts', 'variables', 'kept', 'position',
] as const
export const FOLDER_FIELDS = ['name', 'description', 'auth', 'scripts', 'variables', 'kept', 'position'] as const
export const COLLECTION_FIELDS = ['description', 'auth', 'scripts', 'variables', 'kept'] as const

export type ItemField = (typeof REQUEST_FIELDS)[number]
export type CollectionField = (typeof COLLECTION_FIELDS)[number]

/** One item as read, with its parent and the item placed before it (null: first). */
export interface FlatItem {
  readonly node: TreeNode
  readonly parentId: string | null
  readonly after: string | null
  /** Depth-first, parents before children: the order adds must follow. */
  readonly rank: number
}

/** Every item of `doc`'s collection by id, and the collection's own fields. */
export interface FlatCollection {
  readonly items: ReadonlyMap<string, FlatItem>
  readonly own: CollectionSnapshot
}

/** Reads `doc` as a collection, flattened. */
export function flatten(doc: Y.Doc): FlatCollection {
  const own = new Collection(doc).snapshot()
  const items = new Map<string, FlatItem>()
  // Explicit stack: a hostile doc may nest arbitrarily deep.
  const stack: { nodes: readonly TreeNode[]; parentId: string | null }[] = [{ nodes: own.items, parentId: null }]
  while (stack.length > 0) {
    const { nodes, parentId } = stack.pop()!
    nodes.forEach((node, i) => {
      items.set(node.id, { node, parentId, after: nodes[i - 1]?.id ?? null, rank: items.size })
      if (node.kind === 'folder' && node.children.length > 0) stack.push({ nodes: node.children, parentId: node.id })
    })
  }
  return { items, own }
}

/** The value of one field of an item (but `position`, which depends on both states: see `moved`), comparable as JSON. */
function itemField(item: FlatItem, field: Exclude<ItemField, 'position'>): unknown {
  const node = item.node
  switch (field) {
    case 'name':
    case 'description':
    case 'auth':
    case 'scripts':
    case 'variables':
    case 'kept':
      return node[field] ?? null
    default:
      return node.kind === 'request' ? requestField(node, field) : undefined
  }
}

function requestField(node: RequestNode, field: Exclude<ItemField, (typeof FOLDER_FIELDS)[number]>): unknown {
  switch (field) {
    case 'bodyMode':
      return node.body.mode
    case 'bodyRaw':
      return node.body.raw
    case 'bodyLanguage':
      return node.body.language
    case 'bodyFields':
      return node.body.fields
    default:
      return node[field]
  }
}

/** The fields but `position` that differ between two readings of one item. */
export function changedFields(before: FlatItem, after: FlatItem): ItemField[] {
  const fields: readonly ItemField[] = after.node.kind === 'request' || before.node.kind === 'request' ? REQUEST_FIELDS : FOLDER_FIELDS
  return fields.filter((field) => field !== 'position' && !same(itemField(before, field), itemField(after, field)))
}

/**
 * Whether an item held by both states moved: another parent, or another sibling before it
 * among the siblings both states hold there (an item added, removed or moved away next to it does not move it;
 * neither do order keys rewritten to the same order, as a restore writes).
 */
export function moved(before: FlatCollection, after: FlatCollection): (id: string) => boolean {
  const previousHeld = (state: FlatCollection, other: FlatCollection): ((id: string) => string | null) => {
    const memo = new Map<string, string | null>()
    // A sibling both states hold under this same parent (one moved away does not count).
    const held = (id: string): boolean => other.items.get(id)?.parentId === state.items.get(id)!.parentId
    const find = (id: string): string | null => {
      const known = memo.get(id)
      if (known !== undefined) return known
      // Iterative: a long run of siblings only one state holds must not overflow the stack.
      const run: string[] = []
      let at = state.items.get(id)!.after
      while (at !== null && !held(at) && !memo.has(at)) {
        run.push(at)
        at = state.items.get(at)!.after
      }
      const found = at === null ? null : held(at) ? at : memo.get(at)!
      for (const skipped of run) memo.set(skipped, found)
      memo.set(id, found)
      return found
    }
    return find
  }
  const beforePrevious = previousHeld(before, after)
  const afterPrevious = previousHeld(after, before)
  return (id) => before.items.get(id)!.parentId !== after.items.get(id)!.parentId || beforePrevious(id) !== afterPrevious(id)
}

/** The collection's own fields that differ. */
export function changedOwnFields(before: CollectionSnapshot, after: CollectionSnapshot): CollectionField[] {
  return COLLECTION_FIELDS.filter((field) => !same(before[field] ?? null, after[field] ?? null))
}

/** Deep equality of read values (plain JSON: key order is the reader's, so stable). */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

