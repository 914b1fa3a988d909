/**
 * Which item of the collection each item of a newer file is (see update.ts). In this order:
 * 1. by Postman id (`id`, v2.0's `_postman_id`), each id once: a second item with an id
 *    already met in the file goes by place;
 * 2. by place, folders first (top-down), among the items the last import put in the matched
 *    folder: same kind, name and method (the n-th such item of the file is the n-th of the
 *    base); then same kind and name (the method changed); then same kind (and method) at the
 *    same index (renamed in place); an item deleted in Ferry that the file still says the
 *    same of stays deleted;
 * 3. by kind, name and method anywhere (moved to another folder in a file without ids).
 * The rest is new. Names and methods are what the file said at the last import (Ferry's may
 * have changed since). Only items that came from the file (they hold a base) are candidates.
 */
import type { Json, NodeInput, TreeNode } from '../model.ts'
import { BASE, baseItems, hasBase, itemFingerprint, withItems } from './base.ts'
import { isObject } from './json.ts'

/** An item of the collection, as read once at the start of an update. */
export interface Known {
  node: TreeNode
  parent: string | null
  /** Its names from the root, as messages name items (`Users / Create user`). */
  names: string
}

/** An item of the file, breadth-first. */
export interface FileItem {
  input: NodeInput
  parent: FileItem | null
  index: number
  fp: string
  children: FileItem[]
}

export interface Matching {
  /** The Ferry id of each file item: matched, deleted in Ferry (skipped), or assigned later. */
  idOf: Map<FileItem, string>
  matched: Map<FileItem, Known>
  /** Deleted in Ferry and unchanged in the file: not added back. */
  skipped: Set<FileItem>
  /** The base's items per folder (null: the root), and where each of them was. */
  lists: Map<string | null, { id: string; fp: string }[]>
  basePlace: Map<string, { parent: string | null; index: number }>
  /** The Ferry ids of the items that came from this file (the only ones an update matches or deletes). */
  fromFile: Set<string>
}

/** The Postman id an import kept for an item, if any. */
export function postmanId(kept: Json | undefined): string | undefined {
  const item = isObject(kept) && isObject(kept.item) ? kept.item : undefined
  const id = item?.id ?? item?._postman_id
  return typeof id === 'string' && id !== '' ? id : undefined
}

/** The file's items breadth-first, with their parents. */
export function fileItems(items: readonly NodeInput[]): FileItem[] {
  const out: FileItem[] = []
  const queue: { inputs: readonly NodeInput[]; parent: FileItem | null }[] = [{ inputs: items, parent: null }]
  for (let next = queue.shift(); next; next = queue.shift()) {
    next.inputs.forEach((input, index) => {
      const item: FileItem = { input, parent: next.parent, index, fp: itemFingerprint(input.kept), children: [] }
      next.parent?.children.push(item)
      out.push(item)
      if (input.kind === 'folder') queue.push({ inputs: input.children ?? [], parent: item })
    })
  }
  return out
}

function baseName(node: TreeNode): { name: string; method: string } {
  const noted = isObject(node.kept) && isObject(node.kept[BASE]) ? node.kept[BASE] : {}
  const name = noted.v === 2 && typeof noted.name === 'string' ? noted.name : node.name
  const method = node.kind !== 'request' ? '' : noted.v === 2 && typeof noted.method === 'string' ? noted.method : node.method
  return { name, method }
}

const fileName = (input: NodeInput): { name: string; method: string } => ({ name: input.name ?? '', method: input.kind === 'request' ? (input.method ?? 'GET') : '' })
const key3 = (kind: string, n: { name: string; method: string }): string => `${kind}\u0000${n.name}\u0000${n.method}`
const key2 = (kind: string, n: { name: string }): string => `${kind}\u0000${n.name}`

/** Values grouped by key, in order. */
function group<T>(values: Iterable<T>, key: (v: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const v of values) {
    const k = key(v)
    const list = out.get(k)
    if (list) list.push(v)
    else out.set(k, [v])
  }
  return out
}

/** The first value of `groups.get(key)` that `usable` accepts (skipped ones are dropped for good). */
function first<T>(groups: Map<string, T[]>, key: string, usable: (v: T) => boolean): T | undefined {
  const list = groups.get(key)
  if (!list) return undefined
  let i = 0
  while (i < list.length && !usable(list[i]!)) i++
  if (i > 0) list.splice(0, i)
  return list[0]
}

export function matchItems(file: FileItem[], known: Map<string, Known>, rootKept: Json | undefined): Matching {
  const lists = new Map<string | null, { id: string; fp: string }[]>()
  const rootList = baseItems(rootKept)
  let fromFile: Known[]
  if (rootList) {
    // This file's items: those its lists reach from the root (not another file imported as a folder).
    fromFile = []
    const queue: (string | null)[] = [null]
    lists.set(null, rootList)
    for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
      for (const e of lists.get(parent)!) {
        const k = known.get(e.id)
        if (!k || !hasBase(k.node.kept) || lists.has(e.id)) continue
        fromFile.push(k)
        const items = k.node.kind === 'folder' ? baseItems(k.node.kept) : undefined
        if (items) {
          lists.set(e.id, items)
          queue.push(e.id)
        }
      }
    }
  } else {
    // Imported before bases listed items: every item with a base, placed where it is now.
    fromFile = [...known.values()].filter((k) => hasBase(k.node.kept))
    for (const k of fromFile) {
      const list = lists.get(k.parent)
      if (list) list.push({ id: k.node.id, fp: '' })
      else lists.set(k.parent, [{ id: k.node.id, fp: '' }])
    }
  }
  const basePlace = new Map<string, { parent: string | null; index: number }>()
  for (const [parent, list] of lists) list.forEach((e, index) => basePlace.has(e.id) || basePlace.set(e.id, { parent, index }))

  const idOf = new Map<FileItem, string>()
  const matched = new Map<FileItem, Known>()
  const skipped = new Set<FileItem>()
  const used = new Set<string>()
  const take = (f: FileItem, k: Known): void => {
    idOf.set(f, k.node.id)
    matched.set(f, k)
    used.add(k.node.id)
  }
  const skip = (f: FileItem, id: string): void => {
    idOf.set(f, id)
    skipped.add(f)
    used.add(id)
  }
  const free = (f: FileItem): boolean => !idOf.has(f)

  // 1. Postman ids, each once.
  const byId = group(fromFile.filter((k) => postmanId(k.node.kept) !== undefined), (k) => postmanId(k.node.kept)!)
  const seenIds = new Set<string>()
  for (const f of file) {
    const pid = postmanId(f.input.kept)
    if (pid === undefined || seenIds.has(pid)) continue
    seenIds.add(pid)
    const candidates = (byId.get(pid) ?? []).filter((k) => k.node.kind === f.input.kind && !used.has(k.node.id))
    const want = key3(f.input.kind, fileName(f.input))
    const k = candidates.find((c) => key3(c.node.kind, baseName(c.node)) === want) ?? candidates[0]
    if (k) take(f, k)
  }

  // 2. By place, top-down from the root and from every matched folder.
  const byPlace = (children: readonly FileItem[], parent: string | null): void => {
    const queue: { children: readonly FileItem[]; parent: string | null }[] = [{ children, parent }]
    for (let next = queue.shift(); next; next = queue.shift()) {
      const entries = lists.get(next.parent) ?? []
      const live = entries.map((e) => known.get(e.id)).filter((k): k is Known => k !== undefined && hasBase(k.node.kept))
      const [exact, named] = [group(live, (k) => key3(k.node.kind, baseName(k.node))), group(live, (k) => key2(k.node.kind, baseName(k.node)))]
      const unused = (k: Known): boolean => !used.has(k.node.id)
      const passes: ((f: FileItem) => Known | undefined)[] = [
        (f) => first(exact, key3(f.input.kind, fileName(f.input)), unused),
        (f) => first(named, key2(f.input.kind, fileName(f.input)), unused),
        (f) => {
          const k = known.get(entries[f.index]?.id ?? '')
          const same = k && hasBase(k.node.kept) && !used.has(k.node.id) && k.node.kind === f.input.kind && baseName(k.node).method === fileName(f.input).method
          return same ? k : undefined
        },
      ]
      for (const pass of passes) for (const f of next.children) if (free(f)) {
        const k = pass(f)
        if (k) take(f, k)
      }
      const deleted = group(entries.filter((e) => !known.has(e.id) && e.fp !== ''), (e) => e.fp)
      for (const f of next.children) if (free(f)) {
        const gone = first(deleted, f.fp, (e) => !used.has(e.id))
        if (gone) skip(f, gone.id)
      }
      for (const f of next.children) {
        const k = matched.get(f)
        if (k && f.input.kind === 'folder') queue.push({ children: f.children, parent: k.node.id })
      }
    }
  }
  byPlace(file.filter((f) => f.parent === null), null)

  // 3. Moved in a file without ids: kind, name and method anywhere; then deleted in Ferry, unchanged.
  const anywhere = group(fromFile, (k) => key3(k.node.kind, baseName(k.node)))
  const gone = group([...lists.values()].flat().filter((e) => !known.has(e.id) && e.fp !== ''), (e) => e.fp)
  for (const f of file) {
    if (!free(f)) continue
    const k = first(anywhere, key3(f.input.kind, fileName(f.input)), (c) => !used.has(c.node.id))
    if (k) {
      take(f, k)
      if (f.input.kind === 'folder') byPlace(f.children, k.node.id)
      continue
    }
    const e = first(gone, f.fp, (g) => !used.has(g.id))
    if (e) skip(f, e.id)
  }
  return { idOf, matched, skipped, lists, basePlace, fromFile: new Set(fromFile.map((k) => k.node.id)) }
}

/**
 * Notes where an import puts each item of the file: an id for every input (`assignId`) and,
 * in each folder's base, its items; returns the root's (for the collection's base).
 */
export function notePlaces(items: readonly NodeInput[], newId: () => string): { id: string; fp: string }[] {
  const file = fileItems(items)
  for (const f of file) f.input.assignId = newId()
  const entries = (children: readonly FileItem[]): { id: string; fp: string }[] => children.map((f) => ({ id: f.input.assignId!, fp: f.fp }))
  for (const f of file) if (f.input.kind === 'folder') f.input.kept = withItems(f.input.kept, entries(f.children))
  return entries(file.filter((f) => f.parent === null))
}
