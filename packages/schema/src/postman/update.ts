/**
 * Updating a collection from a newer export of the same Postman collection ("Update" when a
 * file with a known `_postman_id` is imported again). Items are matched by their Postman id
 * (`id`, or v2.0's `_postman_id`), kept by import. A three-way merge per field: the import
 * noted a fingerprint of what the file said for each field (`ferry:base`); a field the new
 * file says the same of is left alone, so what was edited in Ferry since survives; a field
 * the file changed takes the file's value, written as the smallest change (texts diffed, rows
 * matched), so it merges with concurrent edits like any edit. New items are added, and items
 * the file no longer has are deleted. Items made in Ferry (no Postman id) are never deleted: one inside a
 * deleted folder moves to the collection's root.
 */
import type { Collection } from '../collection.ts'
import type { FolderInput, Json, JsonObject, NodeInput, RequestInput, TreeNode } from '../model.ts'
import { setText } from '../text/diff.ts'
import { rememberReadings } from '../compact.ts'
import { BASE, fromPostman, type PostmanImportError } from './import.ts'
import { isObject, sameJson } from './json.ts'

export type UpdatePostmanResult =
  | { ok: true; value: { name: string; added: number; updated: number; removed: number } }
  | { ok: false; error: PostmanImportError }

/** The Postman id an import kept for an item (or its input), if any. */
function postmanId(kept: Json | undefined): string | undefined {
  const item = isObject(kept) && isObject(kept.item) ? kept.item : undefined
  const id = item?.id ?? item?._postman_id
  return typeof id === 'string' && id !== '' ? id : undefined
}

/** The `_postman_id` of the Postman collection `collection` was imported from, if any. */
export function postmanIdOfCollection(collection: Collection): string | undefined {
  const kept = collection.kept().kept
  const info = isObject(kept) && isObject(kept.info) ? kept.info : undefined
  return typeof info?._postman_id === 'string' ? info._postman_id : undefined
}

/** The per-field fingerprints an import noted (see import.ts). */
function baseOf(kept: Json | undefined): Record<string, Json> {
  return isObject(kept) && isObject(kept[BASE]) ? kept[BASE] : {}
}

function flatten(nodes: readonly TreeNode[]): TreeNode[] {
  const out: TreeNode[] = []
  const stack = [...nodes]
  for (let node = stack.pop(); node; node = stack.pop()) {
    out.push(node)
    if (node.kind === 'folder') stack.push(...node.children)
  }
  return out
}

class Updater {
  added = 0
  updated = 0
  /** Items of the file, by Postman id, that matched an existing item (Ferry id). */
  private readonly seen = new Set<string>()

  constructor(
    private readonly collection: Collection,
    private readonly existing: Map<string, TreeNode>,
  ) {}

  /** Applies `inputs` as the children of `parentId`, in order; returns their Ferry ids. */
  apply(inputs: readonly NodeInput[], parentId: string | null): void {
    const queue: { inputs: readonly NodeInput[]; parentId: string | null }[] = [{ inputs, parentId }]
    for (let next = queue.shift(); next; next = queue.shift()) {
      const ids: string[] = []
      for (const input of next.inputs) {
        const pid = postmanId(input.kept)
        const match = pid === undefined ? undefined : this.existing.get(pid)
        let id: string
        if (match && match.kind === input.kind && !this.seen.has(match.id)) {
          id = match.id
          this.seen.add(id)
          const unchanged = match.kind === 'request' && match.postman !== undefined && input.kind === 'request' && sameJson(match.postman, input.postman)
          if (!unchanged && this.edit(match, input)) this.updated++
        } else {
          const { children: _, ...alone } = input as FolderInput
          id = this.collection.add(input.kind === 'folder' ? { ...alone, children: [] } : input, { parentId: next.parentId })
          this.seen.add(id)
          this.added++
        }
        ids.push(id)
        if (input.kind === 'folder') queue.push({ inputs: input.children ?? [], parentId: id })
      }
      this.order(ids, next.parentId)
    }
  }

  /** Puts `ids` under `parentId` in this order, moving only what is out of place. */
  private order(ids: readonly string[], parentId: string | null): void {
    const current = (): string[] => {
      const parent = parentId === null ? this.collection.tree() : ((this.collection.get(parentId) as { children?: TreeNode[] })?.children ?? [])
      return parent.map((n) => n.id)
    }
    let siblings = current()
    const inPlace = siblings.filter((id) => ids.includes(id))
    if (inPlace.length === ids.length && inPlace.every((id, i) => id === ids[i])) return
    ids.forEach((id, i) => {
      const after = i === 0 ? -1 : siblings.filter((s) => s !== id).indexOf(ids[i - 1]!)
      this.collection.move(id, { parentId, index: after + 1 })
      siblings = current()
    })
  }

  /** Writes the fields the file changed since the last import; true if any. */
  private edit(node: TreeNode, input: NodeInput): boolean {
    const c = this.collection
    const id = node.id
    const before = baseOf(node.kept)
    const after = baseOf(input.kept)
    const changed = (field: string): boolean => before[field] === undefined || before[field] !== after[field]
    const fields = Object.keys(after).filter(changed)
    const text = (field: 'name' | 'description' | 'url' | 'body', value: string): void => setText(c.text(id, field)!, value)
    if (changed('name')) text('name', input.name ?? '')
    if (changed('description')) text('description', input.description ?? '')
    if (changed('auth')) c.update(id, { auth: input.auth ?? { type: 'inherit' } })
    const kept = {
      scripts: changed('scripts') ? (input.scripts ?? []).map((s) => ({ listen: s.listen ?? '', code: s.code ?? '', ...(s.kept ? { kept: s.kept } : {}) })) : node.scripts,
      variables: changed('variables') ? (input.variables ?? []).map((v) => ({ key: v.key ?? '', value: v.value ?? '', enabled: v.enabled ?? true, ...(v.kept ? { kept: v.kept } : {}) })) : node.variables,
    }
    c.setKept({ ...kept, ...(input.kept ? { kept: input.kept } : {}) }, id)
    if (input.kind === 'request') {
      const r = input as RequestInput
      if (changed('method')) c.update(id, { method: r.method ?? 'GET' })
      if (changed('examples')) c.update(id, { examples: r.examples ?? [] })
      if (changed('headers')) c.list(id, 'headers')?.replace(r.headers ?? [])
      if (changed('url')) {
        text('url', r.url ?? '')
        c.list(id, 'params')?.replace(r.params ?? [])
        c.list(id, 'pathVariables')?.replace(r.pathVariables ?? [])
      }
      if (changed('body')) {
        text('body', r.body?.raw ?? '')
        c.update(id, { bodyMode: r.body?.mode ?? 'none', bodyLanguage: r.body?.language ?? 'text' })
        c.list(id, 'bodyFields')?.replace(r.body?.fields ?? [])
      }
    }
    return fields.length > 0
  }

  /** Deletes what the file no longer has; Ferry-made items inside move to the root first. */
  removeMissing(): number {
    let removed = 0
    for (const node of this.existing.values()) {
      if (this.seen.has(node.id) || !this.collection.get(node.id)) continue
      if (node.kind === 'folder') {
        for (const inner of flatten(node.children)) if (postmanId(inner.kept) === undefined && !this.seen.has(inner.id)) this.collection.move(inner.id, { parentId: null })
      }
      removed += this.collection.remove(node.id).length
    }
    return removed
  }
}

/** Updates `collection` from `json` in one transaction (see above). Never throws on bad input. */
export function updateFromPostman(collection: Collection, json: unknown): UpdatePostmanResult {
  const parsed = fromPostman(json)
  if (!parsed.ok) return parsed
  const { name, description, auth, kept, items } = parsed.value
  rememberReadings(items)
  const existing = new Map<string, TreeNode>()
  for (const node of flatten(collection.tree())) {
    const pid = postmanId(node.kept)
    if (pid !== undefined && !existing.has(pid)) existing.set(pid, node)
  }
  const updater = new Updater(collection, existing)
  let removed = 0
  collection.doc.transact(() => {
    const before = baseOf(collection.kept().kept)
    const after = baseOf(kept.kept)
    const changed = (field: string): boolean => before[field] === undefined || before[field] !== after[field]
    const own = collection.kept()
    if (changed('description')) setText(collection.description, description)
    if (changed('auth')) collection.setAuth(auth)
    collection.setKept({ scripts: changed('scripts') ? kept.scripts : own.scripts, variables: changed('variables') ? kept.variables : own.variables, ...(kept.kept ? { kept: kept.kept } : {}) })
    updater.apply(items, null)
    removed = updater.removeMissing()
  })
  return { ok: true, value: { name, added: updater.added, updated: updater.updated, removed } }
}
