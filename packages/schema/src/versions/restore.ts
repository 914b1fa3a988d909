/**
 * Restoring a collection, or one request or folder, to a version: a new forward change, never
 * a rewind. The version's state is read as a collection, compared with the live doc, and only
 * the differences are written into the live doc as ordinary edits (texts as their smallest
 * edit, rows matched, atomics set where they differ, items re-added under their old ids,
 * removed or moved back). The result syncs and merges like any edit: a device that was
 * offline and edited meanwhile keeps its edits wherever the restore did not write the same
 * value (docs/decisions.md, "Version history": what survives a restore).
 */
import type * as Y from 'yjs'
import { Collection } from '../collection.ts'
import { writeDoc } from '../schema-version.ts'
import { setText } from '../text/diff.ts'
import type { Move } from '../placement.ts'
import type { NodeInput, RequestPatch, TreeNode } from '../model.ts'
import { changedFields, changedOwnFields, flatten, type FlatCollection, type ItemField } from './fields.ts'

/** What a restore wrote: ids added back, removed and edited (the collection's own fields as `collection`). */
export interface RestoreResult {
  readonly added: readonly string[]
  readonly removed: readonly string[]
  readonly changed: readonly string[]
  readonly collection: boolean
}

/**
 * Makes the live collection in `live` read as the one in `version` (a Y.Doc built from the
 * version's bytes; it is only read). With `itemId`, only that request or folder (with
 * everything under it) is restored: re-added if it was removed since, removed if it did not
 * exist then, its fields and its children set back, and it goes back to its place when that
 * place still exists. One transaction.
 */
export function restoreCollection(live: Y.Doc, version: Y.Doc, itemId?: string): RestoreResult {
  const target = flatten(version)
  const current = flatten(live)
  const collection = new Collection(live)
  return writeDoc(live, () => (itemId === undefined ? restoreAll(collection, target, current) : restoreItem(collection, target, current, itemId)))
}

function restoreAll(collection: Collection, target: FlatCollection, current: FlatCollection): RestoreResult {
  const own = changedOwnFields(current.own, target.own)
  if (own.includes('description')) setText(collection.description, target.own.description)
  if (own.includes('auth')) collection.setAuth(target.own.auth)
  if (own.some((f) => f === 'scripts' || f === 'variables' || f === 'kept')) collection.setKept(target.own, null)
  const result = restoreItems(collection, target, current, [...target.items.keys()])
  // Last: an item of the version may sit in a folder made since, and was just moved out of it.
  const removed = collection.removeAll([...current.items.keys()].filter((id) => !target.items.has(id)))
  return { ...result, removed, collection: own.length > 0 }
}

function restoreItem(collection: Collection, target: FlatCollection, current: FlatCollection, id: string): RestoreResult {
  const then = target.items.get(id)
  if (!then) return { added: [], removed: collection.removeAll([id]), changed: [], collection: false }
  const scope = subtree(target, id)
  const inScope = new Set(scope)
  // Live descendants that did not exist in the version go; ones that lived elsewhere then stay.
  const strays = current.items.has(id) ? subtree(current, id).filter((d) => !inScope.has(d) && !target.items.has(d)) : []
  const result = restoreItems(collection, target, current, scope)
  return { ...result, removed: collection.removeAll(strays), collection: false }
}

/** Every id under `id` in `flat` (itself first), parents before children. */
function subtree(flat: FlatCollection, id: string): string[] {
  const ids = [id]
  for (let i = 0; i < ids.length; i++) {
    const node = flat.items.get(ids[i]!)?.node
    if (node?.kind === 'folder') ids.push(...node.children.map((c) => c.id))
  }
  return ids
}

/** Adds back, edits and places `ids` (parents before children) as `target` has them. */
function restoreItems(collection: Collection, target: FlatCollection, current: FlatCollection, ids: readonly string[]): Omit<RestoreResult, 'removed' | 'collection'> {
  const added: string[] = []
  const changed: string[] = []
  const ordered = [...ids].sort((a, b) => target.items.get(a)!.rank - target.items.get(b)!.rank)
  const addedIds = new Set<string>()
  const exists = (parentId: string | null): boolean => parentId === null || current.items.has(parentId) || addedIds.has(parentId)
  for (const id of ordered) {
    const then = target.items.get(id)!
    const now = current.items.get(id)
    if (!now || now.node.kind !== then.node.kind) {
      if (now) collection.removeAll([id])
      const parentId = exists(then.parentId) ? then.parentId : null
      if (collection.addAll([inputOf(then.node, id)], { parentId })[0] === id) {
        added.push(id)
        addedIds.add(id)
      }
      continue
    }
    const fields = changedFields(now, then)
    if (fields.length === 0) continue
    writeFields(collection, id, then.node, fields)
    changed.push(id)
  }
  const moves: Move[] = ordered.map((id) => {
    const then = target.items.get(id)!
    const parentId = exists(then.parentId) ? then.parentId : null
    return { id, parentId, after: then.after !== null && exists(then.after) ? then.after : null }
  })
  collection.placeAll(moves)
  return { added, changed }
}

/** Writes the differing `fields` of item `id` as `node` has them, each as its smallest edit. */
function writeFields(collection: Collection, id: string, node: TreeNode, fields: readonly ItemField[]): void {
  const has = (f: ItemField): boolean => fields.includes(f)
  const patch: RequestPatch = {}
  if (has('name')) patch.name = node.name
  if (has('auth')) patch.auth = node.auth
  if (node.kind === 'request') {
    if (has('url')) patch.url = node.url
    if (has('method')) patch.method = node.method
    if (has('bodyMode')) patch.bodyMode = node.body.mode
    if (has('bodyLanguage')) patch.bodyLanguage = node.body.language
    if (has('examples')) patch.examples = node.examples
    if (has('bodyRaw')) writeText(collection.text(id, 'body'), node.body.raw)
    if (has('params')) collection.list(id, 'params')?.replace(node.params)
    if (has('headers')) collection.list(id, 'headers')?.replace(node.headers)
    if (has('bodyFields')) collection.list(id, 'bodyFields')?.replace(node.body.fields)
    if (has('pathVariables')) collection.list(id, 'pathVariables')?.replace(node.pathVariables)
  }
  collection.update(id, patch)
  if (has('description')) writeText(collection.text(id, 'description'), node.description)
  if (has('scripts') || has('variables') || has('kept')) collection.setKept(node, id)
}

/** A field's text is absent only on an item written before it existed: the version's value then reads as empty too. */
function writeText(text: Y.Text | undefined, value: string): void {
  if (text) setText(text, value)
}

/** An item (without its children: each is restored on its own) as `add` takes it, under its old id. */
function inputOf(node: TreeNode, id: string): NodeInput {
  const { scripts, variables, kept, name, description, auth } = node
  const common = { assignId: id, name, description, auth, scripts, variables, ...(kept ? { kept } : {}) }
  if (node.kind === 'folder') return { kind: 'folder', ...common }
  const { method, url, params, headers, body, pathVariables, examples, postman } = node
  return { kind: 'request', ...common, method, url, params, headers, body, pathVariables, examples, ...(postman ? { postman } : {}) }
}

