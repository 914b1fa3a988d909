/**
 * Updating a collection from a newer export of the same Postman collection ("Update" when a
 * file with a known `_postman_id` is imported again), three ways: the base is what the file
 * said at the last import or update (base.ts), "mine" what Ferry holds now, "theirs" the file.
 * - Items are matched by Postman id, else by place (update-match.ts).
 * - Fields merge per field, rows per row, scripts per trigger (update-fields.ts); where both
 *   sides changed the same thing and it cannot be merged, Ferry's value stays and the result
 *   lists it (`conflicts`).
 * - An item is moved only where the file moved it (another folder, or another order among the
 *   items it kept in order); one Ferry moved elsewhere meanwhile stays there.
 * - New items are added; items the file dropped are deleted unless edited in Ferry since
 *   (then kept, listed in `kept`, and Ferry's own from then on); Ferry-made items are never
 *   deleted. What stays inside a deleted folder moves to the root.
 * - The same update on two devices lands once: edits are written under a client id derived
 *   from what they write and the state they write into (`Collection.writeAs`), added items get
 *   ids and moves get order keys derived from the file.
 * The tree is read once; moves are made on one read of its shape.
 */
import type { Collection } from '../collection.ts'
import { rememberReadings } from '../compact.ts'
import type { JsonObject, NodeInput, TreeNode } from '../model.ts'
import type { Move } from '../placement.ts'
import { createId, derivedRandom } from '../random.ts'
import { writeDoc } from '../schema-version.ts'
import { hash64 } from '../struct-state.ts'
import { baseOf, COLLECTION_FIELDS, FOLDER_FIELDS, matches, readingOf, REQUEST_FIELDS, valueOf, withItems, withoutBase, type Field, type Reading, type Source } from './base.ts'
import { fromPostman, type PostmanImportError } from './import.ts'
import { isObject, sameJson } from './json.ts'
import { applyFields, planFields, type UpdateConflict } from './update-fields.ts'
import { fileItems, matchItems, type FileItem, type Known } from './update-match.ts'

export type { UpdateConflict } from './update-fields.ts'

export interface UpdatePostmanSummary {
  name: string
  added: number
  /** Items the file changed since the last import or update. */
  updated: number
  removed: number
  /** Where Ferry's value was kept over the file's (both changed it). */
  conflicts: UpdateConflict[]
  /** Items the file dropped that were edited in Ferry since: kept (by names from the root). */
  kept: string[]
}

export type UpdatePostmanResult = { ok: true; value: UpdatePostmanSummary } | { ok: false; error: PostmanImportError }

/** The `_postman_id` of the Postman collection `collection` was imported from, if any. */
export function postmanIdOfCollection(collection: Collection): string | undefined {
  const kept = collection.kept().kept
  const info = isObject(kept) && isObject(kept.info) ? kept.info : undefined
  return typeof info?._postman_id === 'string' ? info._postman_id : undefined
}

/** Every item with its parent and names, from one read of the tree. */
function readTree(collection: Collection): Map<string, Known> {
  const known = new Map<string, Known>()
  const queue: { nodes: readonly TreeNode[]; parent: string | null; names: string }[] = [{ nodes: collection.tree(), parent: null, names: '' }]
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const node of next.nodes) {
      const names = next.names ? `${next.names} / ${node.name}` : node.name
      known.set(node.id, { node, parent: next.parent, names })
      if (node.kind === 'folder') queue.push({ nodes: node.children, parent: node.id, names })
    }
  }
  return known
}

/** The positions in `values` (distinct numbers) of one longest increasing subsequence. */
function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = []
  const before: number[] = []
  values.forEach((v, i) => {
    let [lo, hi] = [0, tails.length]
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (values[tails[mid]!]! < v) lo = mid + 1
      else hi = mid
    }
    before[i] = lo > 0 ? tails[lo - 1]! : -1
    tails[lo] = i
  })
  const out = new Set<number>()
  for (let i = tails.at(-1) ?? -1; i >= 0; i = before[i]!) out.add(i)
  return out
}

const fieldsOf = (kind: NodeInput['kind']): Field[] => (kind === 'folder' ? FOLDER_FIELDS : REQUEST_FIELDS)

class Update {
  readonly summary: Omit<UpdatePostmanSummary, 'name'> = { added: 0, updated: 0, removed: 0, conflicts: [], kept: [] }

  constructor(
    private readonly c: Collection,
    private readonly seed: string,
  ) {}

  /** Merges one item's (or the collection's) fields and writes its new kept fields; true if the file changed it. */
  item(id: string | null, names: string, fields: readonly Field[], base: Reading, mine: Reading, theirs: Reading, kept: { now: JsonObject | undefined; next: JsonObject | undefined }): boolean {
    const plan = planFields(fields, base, mine, theirs)
    for (const conflict of plan.conflicts) this.summary.conflicts.push({ item: names, ...conflict })
    const keptChanged = !sameJson(kept.now, kept.next)
    // Each field under its own derived id (its name is its key in the item map), so a device
    // that edited another field of the item meanwhile still writes this one identically.
    for (const write of plan.writes) {
      const seed = hash64([this.seed, write.field, JSON.stringify(base[write.field] ?? null), JSON.stringify(theirs[write.field])])
      this.c.writeAs(id, [write.field], seed, () => applyFields(this.c, id, [write]))
    }
    if (keptChanged) this.c.writeAs(id, ['kept'], hash64([this.seed, JSON.stringify(kept.next ?? null)]), () => this.c.setKeptFields(kept.next, id))
    return plan.fileChanged || !sameJson(withoutBase(kept.now), withoutBase(kept.next))
  }

  /** Makes an item the file dropped and Ferry keeps Ferry's own: without a base, no later update matches or deletes it. */
  detach(node: TreeNode): void {
    this.c.writeAs(node.id, ['kept'], hash64([this.seed, 'detach']), () => this.c.setKeptFields(withoutBase(node.kept), node.id))
  }

  /** Whether Ferry changed an item since the file last said what it holds. */
  edited(node: TreeNode): boolean {
    if (node.kind === 'request' && node.postman) return false
    const fields = fieldsOf(node.kind)
    const base = baseOf(node.kept, fields)
    return fields.some((f) => !matches(base[f], valueOf(node, f)))
  }
}

/** Updates `collection` from `json` in one transaction (see above). Never throws on bad input. */
export function updateFromPostman(collection: Collection, json: unknown): UpdatePostmanResult {
  const parsed = fromPostman(json)
  if (!parsed.ok) return parsed
  const { name, description, auth, kept, items } = parsed.value
  rememberReadings(items)
  const seed = hash64([JSON.stringify(json)])
  const known = readTree(collection)
  const own = collection.kept()
  const file = fileItems(items)
  const m = matchItems(file, known, own.kept)
  const u = new Update(collection, seed)

  // Ids of new items, derived from the file and their place, so two devices add the same ones.
  const taken = new Set<string>([...known.keys(), ...[...m.lists.values()].flat().map((e) => e.id), ...m.idOf.values()])
  const fresh = file.filter((f) => !m.idOf.has(f))
  for (const f of fresh) {
    const parent = f.parent ? m.idOf.get(f.parent) : ''
    let id = createId(derivedRandom(`${seed}|${parent}|${f.index}|${f.fp}`))
    for (let n = 1; taken.has(id); n++) id = createId(derivedRandom(`${seed}|${parent}|${f.index}|${f.fp}|${n}`))
    taken.add(id)
    m.idOf.set(f, id)
  }
  const isNew = new Set(fresh)
  const entries = (children: readonly FileItem[]): { id: string; fp: string }[] => children.map((f) => ({ id: m.idOf.get(f)!, fp: f.fp }))
  const root = file.filter((f) => f.parent === null)

  writeDoc(collection.doc, () => {
    // The collection's own fields.
    const source: Source = { description, auth, scripts: kept.scripts, variables: kept.variables }
    const mine: Source = { description: collection.description.toString(), auth: collection.auth(), scripts: own.scripts, variables: own.variables }
    u.item(null, '', COLLECTION_FIELDS, baseOf(own.kept, COLLECTION_FIELDS, source), readingOf(mine, COLLECTION_FIELDS), readingOf(source, COLLECTION_FIELDS), {
      now: own.kept,
      next: withItems(kept.kept, entries(root)),
    })

    // Matched items, field by field.
    for (const f of file) {
      const k = m.matched.get(f)
      if (!k) continue
      const { node } = k
      if (node.kind === 'request' && node.postman && f.input.kind === 'request' && f.input.postman && sameJson(node.postman, f.input.postman)) continue
      const fields = fieldsOf(f.input.kind)
      const next = f.input.kind === 'folder' ? withItems(f.input.kept, entries(f.children)) : f.input.kept
      const source = f.input as Source
      if (u.item(node.id, k.names, fields, baseOf(node.kept, fields, source), readingOf(node, fields), readingOf(source, fields), { now: node.kept, next })) u.summary.updated++
    }

    // New items, each new subtree in one go, at the end of its folder (placed below).
    for (const f of [...fresh].reverse()) {
      f.input.assignId = m.idOf.get(f)
      if (f.input.kind === 'folder') {
        f.input.kept = withItems(f.input.kept, entries(f.children))
        f.input.children = f.children.filter((child) => isNew.has(child)).map((child) => child.input)
      }
    }
    const byParent = new Map<string | null, NodeInput[]>()
    for (const f of fresh) {
      if (f.parent && isNew.has(f.parent)) continue
      const parent = f.parent ? m.idOf.get(f.parent)! : null
      const list = byParent.get(parent)
      if (list) list.push(f.input)
      else byParent.set(parent, [f.input])
    }
    for (const [parentId, inputs] of byParent) collection.addAll(inputs, { parentId })
    u.summary.added = fresh.length

    // Moves: only where the file moved an item and Ferry did not move it elsewhere.
    const moves: Move[] = []
    const finalParent = new Map<string, string | null>()
    const groups: { parent: string | null; children: FileItem[] }[] = [{ parent: null, children: root }]
    for (const f of file) if (f.input.kind === 'folder' && (m.matched.has(f) || isNew.has(f))) groups.push({ parent: m.idOf.get(f)!, children: f.children })
    for (const { parent, children } of groups) {
      const present = children.filter((f) => !m.skipped.has(f))
      const stayed = present.filter((f) => m.matched.has(f) && m.basePlace.get(m.idOf.get(f)!)?.parent === parent)
      const inOrder = longestIncreasing(stayed.map((f) => m.basePlace.get(m.idOf.get(f)!)!.index))
      const kept = new Set(stayed.filter((_, i) => inOrder.has(i)))
      let anchor: string | null = null
      for (const f of present) {
        const id = m.idOf.get(f)!
        const k = m.matched.get(f)
        if (k) {
          const was = m.basePlace.has(id) ? m.basePlace.get(id)!.parent : k.parent
          const movedInFerry = k.parent !== was
          if (kept.has(f) || (movedInFerry && k.parent !== parent)) {
            if (!kept.has(f) && was !== parent) u.summary.conflicts.push({ item: k.names, field: 'place' })
            if (k.parent === parent) anchor = id
            continue
          }
        }
        moves.push({ id, parentId: parent, after: anchor })
        finalParent.set(id, parent)
        anchor = id
      }
    }

    // Items the file dropped: deleted, unless edited in Ferry since.
    const matchedIds = new Set([...m.matched.values()].map((k) => k.node.id))
    const deleted = new Set<string>()
    for (const k of known.values()) {
      if (!m.fromFile.has(k.node.id) || matchedIds.has(k.node.id)) continue
      if (!u.edited(k.node)) {
        deleted.add(k.node.id)
        continue
      }
      u.summary.kept.push(k.names)
      u.detach(k.node)
    }
    for (const k of known.values()) {
      const parent = finalParent.has(k.node.id) ? finalParent.get(k.node.id)! : k.parent
      if (!deleted.has(k.node.id) && parent !== null && deleted.has(parent)) moves.push({ id: k.node.id, parentId: null })
    }
    collection.placeAll(moves, seed)
    u.summary.removed = collection.removeAll([...deleted]).length
  })
  return { ok: true, value: { name, ...u.summary } }
}
