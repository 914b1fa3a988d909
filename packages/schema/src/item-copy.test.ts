import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { applyMoveAcross, duplicateItem, planMoveAcross } from './item-copy.ts'
import type { FolderNode, RequestNode, TreeNode } from './model.ts'

const fresh = () => new Collection(new Y.Doc())
const names = (nodes: TreeNode[]) => nodes.map((n) => n.name)
/** A node's content without ids and places, to compare copies. */
const content = (node: TreeNode): unknown => {
  const { id: _i, parentId: _p, order: _o, ...rest } = node as TreeNode & { children?: TreeNode[] }
  return 'children' in rest && rest.children ? { ...rest, children: rest.children.map(content) } : rest
}

function shop(): { c: Collection; list: string; folder: string } {
  const c = fresh()
  const [list, folder] = c.addAll([
    { kind: 'request', name: 'List', method: 'POST', url: 'https://shop.test/{{v}}', headers: [{ key: 'Accept', value: 'json' }], body: { mode: 'raw', raw: '{"a":1}', language: 'json' }, auth: { type: 'bearer', token: 't' } },
    { kind: 'folder', name: 'Orders', children: [{ kind: 'request', name: 'Get' }, { kind: 'folder', name: 'Deep', children: [{ kind: 'request', name: 'Deeper' }] }] },
    { kind: 'request', name: 'Last' },
  ])
  return { c, list: list!, folder: folder! }
}

describe('duplicate', () => {
  it('puts a copy with the same content and new ids right after the original', () => {
    const { c, list, folder } = shop()
    const copy = duplicateItem(c, list)!
    expect(names(c.tree())).toEqual(['List', 'List copy', 'Orders', 'Last'])
    const original = c.get(list) as RequestNode
    expect(content(c.get(copy)!)).toEqual({ ...(content(original) as object), name: 'List copy' })

    const folderCopy = duplicateItem(c, folder)!
    const copied = c.get(folderCopy) as FolderNode
    expect(names(c.tree())).toEqual(['List', 'List copy', 'Orders', 'Orders copy', 'Last'])
    expect(names(copied.children)).toEqual(['Get', 'Deep'])
    const originalIds = new Set(JSON.stringify(c.get(folder)).match(/"id":"[^"]+"/g))
    for (const id of JSON.stringify(copied).match(/"id":"[^"]+"/g)!) expect(originalIds.has(id)).toBe(false)
    // Editing the copy leaves the original as it was.
    c.text(copy, 'url')!.insert(0, 'x')
    expect((c.get(list) as RequestNode).url).toBe('https://shop.test/{{v}}')
  })

  it('answers null for an item that is not there', () => {
    expect(duplicateItem(fresh(), 'nope')).toBeNull()
  })
})

describe('move to another collection', () => {
  it('copies into the target at the place asked, then deletes from the source', () => {
    const { c: source, folder } = shop()
    const target = fresh()
    const [, inbox] = target.addAll([{ kind: 'request', name: 'A' }, { kind: 'folder', name: 'Inbox' }])
    const move = planMoveAcross(source, folder, target, { parentId: inbox })!
    applyMoveAcross(source, target, move)
    expect(names(source.tree())).toEqual(['List', 'Last'])
    const moved = target.get(move.copyId) as FolderNode
    expect(moved.parentId).toBe(inbox)
    expect(names(moved.children)).toEqual(['Get', 'Deep'])
    expect(names((moved.children[1] as FolderNode).children)).toEqual(['Deeper'])
  })

  it('completes an interrupted move once, whichever write was lost', () => {
    const { c: source, list } = shop()
    const target = fresh()
    const move = planMoveAcross(source, list, target, { index: 0 })!
    // The copy was written, the delete was not (the tab died between): running it again finishes it.
    target.add({ ...move.input, assignId: move.copyId })
    applyMoveAcross(source, target, move)
    applyMoveAcross(source, target, move)
    expect(names(target.tree())).toEqual(['List'])
    expect(names(source.tree())).toEqual(['Orders', 'Last'])

    // The delete was stored, the copy was not: the plan still holds the item.
    const other = fresh()
    const lostCopy = planMoveAcross(target, move.copyId, other)!
    target.remove(move.copyId)
    applyMoveAcross(target, other, lostCopy)
    expect(names(other.tree())).toEqual(['List'])
    expect((other.get(lostCopy.copyId) as RequestNode).method).toBe('POST')
  })

  it('puts the copy at the root when the target folder went away meanwhile', () => {
    const { c: source, list } = shop()
    const target = fresh()
    const folder = target.add({ kind: 'folder', name: 'Gone soon' })
    const move = planMoveAcross(source, list, target, { parentId: folder })!
    target.remove(folder)
    applyMoveAcross(source, target, move)
    expect(target.get(move.copyId)?.parentId).toBeNull()
  })
})
