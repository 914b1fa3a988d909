/**
 * A collection's items as plain data, read once per change of its doc and shared by every
 * view that shows them. `Collection.get` reads the whole collection to return one item (over
 * 100 ms for a 10,000-request import), and an open request editor reads its request from each
 * of its parts after every change: the tables, the body and script editors, the tab counts,
 * the auth. Plain reads are also what views show until the user edits (asking for live texts
 * and lists writes: see request-sources.ts).
 *
 * Every change to a doc happens in a transaction: the index is dropped once a transaction
 * that changed something has ended (one that changed nothing, as asking for a live text that
 * exists, keeps it), and reads made while a transaction is open go to the doc itself, so
 * nothing read here is older than the doc. The returned nodes are shared: do not mutate them.
 */
import type * as Y from 'yjs'
import type { Collection, TreeNode } from './types.ts'

interface Index {
  nodes: Map<string, TreeNode> | null
  /** The latest transaction not yet looked at: whether it changed anything is known once it ended. */
  last: Y.Transaction | null
}

const indexes = new WeakMap<Y.Doc, Index>()

function indexOf(doc: Y.Doc): Index {
  let index = indexes.get(doc)
  if (!index) {
    const created: Index = (index = { nodes: null, last: null })
    indexes.set(doc, created)
    // A transaction starts only once the one before has ended (nested ones join it).
    doc.on('beforeTransaction', (tr: Y.Transaction) => {
      settle(created)
      created.last = tr
    })
  }
  return index
}

function settle(index: Index): void {
  if (index.last && index.last.changed.size > 0) index.nodes = null
  index.last = null
}

/** Item `id` (a folder with its descendants) as plain data, or undefined if absent or malformed. */
export function itemOf(collection: Collection, id: string): TreeNode | undefined {
  const doc = collection.doc
  if (doc._transaction !== null) return collection.get(id)
  const index = indexOf(doc)
  settle(index)
  if (!index.nodes) {
    const nodes = new Map<string, TreeNode>()
    // Without recursion: a hostile doc may nest folders arbitrarily deep.
    const stack = collection.tree()
    for (let node = stack.pop(); node; node = stack.pop()) {
      nodes.set(node.id, node)
      if (node.kind === 'folder') stack.push(...node.children)
    }
    index.nodes = nodes
  }
  return index.nodes.get(id)
}
