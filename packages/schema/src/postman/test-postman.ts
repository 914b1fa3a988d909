/** Test helpers for the Postman suites: schema URLs, imports, replicas and tree walks. */
import * as Y from 'yjs'
import { Collection } from '../collection.ts'
import type { TreeNode } from '../model.ts'
import { syncDocs } from '../test-sync.ts'
import { importPostman } from './index.ts'

export const V20 = 'https://schema.getpostman.com/json/collection/v2.0.0/collection.json'
export const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

/** A second replica holding what `c` holds (a sync). */
export function replicaOf(c: Collection): Collection {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(c.doc))
  return new Collection(doc)
}

/** Exchanges every missing update between the collections, as a relay would. */
export const sync = (...collections: Collection[]): void => syncDocs(...collections.map((c) => c.doc))

/** A fresh collection holding `file`; throws if the import is refused. */
export function imported(file: unknown): Collection {
  const c = new Collection(new Y.Doc())
  const r = importPostman(c, file)
  if (!r.ok) throw new Error(r.error.message)
  return c
}

/** Every node of `c`, breadth-first. */
export function allNodes(c: Collection): TreeNode[] {
  const out: TreeNode[] = []
  const queue = [...c.tree()]
  for (let n = queue.shift(); n; n = queue.shift()) {
    out.push(n)
    if (n.kind === 'folder') queue.push(...n.children)
  }
  return out
}
