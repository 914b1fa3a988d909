/**
 * How a collection's items (see collection-item.ts) become its tree: the full validated read
 * (`readView`: every valid item exactly once, orphans and cycles rehomed at the root and
 * reported) and the shape alone that writes place and remove by (`treeShape`).
 */
import * as Y from 'yjs'
import { parsePosition, readItem, type StoredItem } from './collection-item.ts'
import type { TreeNode } from './model.ts'
import { resolveTree, type ResolvedTree, type TreeEntry } from './tree.ts'
import { mapEntries, type ProblemSink } from './validate.ts'

type Entry = StoredItem & { isFolder: boolean }

interface View {
  tree: ResolvedTree<Entry>
  nodes: Map<string, TreeNode>
}

/** The items as tree nodes, and the resolved tree they hang in. */
export function readView(items: Y.Map<unknown>, report: ProblemSink): View {
  const entries: Entry[] = []
  for (const [id, map] of mapEntries(items, 'items', report)) {
    const item = readItem(id, map, 'items', report)
    if (item) entries.push({ ...item, isFolder: item.kind === 'folder' })
  }
  const tree = resolveTree(entries)
  for (const id of tree.orphans) report({ code: 'orphan_rehomed', path: `items/${id}`, message: 'parent is missing or not a folder; shown at the root' })
  for (const id of tree.cycleBreaks) report({ code: 'cycle_broken', path: `items/${id}`, message: 'concurrent moves formed a cycle; shown at the root' })
  // Built without recursion: a hostile doc may nest items arbitrarily deep.
  const nodes = new Map<string, TreeNode>()
  for (const { isFolder: _, parentId: __, ...item } of entries) {
    const parentId = tree.parentOf.get(item.id) ?? null
    nodes.set(item.id, item.kind === 'folder' ? { ...item, parentId, children: [] } : { ...item, parentId })
  }
  for (const [parent, children] of tree.children) {
    const node = parent === null ? undefined : nodes.get(parent)
    if (node?.kind === 'folder') node.children = children.map((c) => nodes.get(c.id)!)
  }
  return { tree, nodes }
}

/**
 * The tree shape alone (kind and position of each item), which is all writes need: much
 * cheaper than a full validated read on a large collection. Reports nothing; reads do.
 */
export function treeShape(items: Y.Map<unknown>): ResolvedTree<TreeEntry> {
  const entries: TreeEntry[] = []
  for (const [id, value] of items.entries()) {
    const kind = value instanceof Y.Map ? value.get('kind') : undefined
    const position = kind === 'folder' || kind === 'request' ? parsePosition((value as Y.Map<unknown>).get('position')) : undefined
    if (position) entries.push({ id, ...position, isFolder: kind === 'folder' })
  }
  return resolveTree(entries)
}

