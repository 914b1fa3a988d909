import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import type { FolderNode, TreeNode } from './model.ts'
import { SchemaError } from './errors.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import type { Problem } from './validate.ts'

const names = (nodes: TreeNode[]): string[] => nodes.map((n) => n.name)

function replica(seed: number, problems: Problem[] = []): Collection {
  const doc = new Y.Doc()
  doc.clientID = seed
  return new Collection(doc, { random: seededRandom(seed), onProblem: (p) => problems.push(p) })
}

describe('Collection', () => {
  it('creates folders and requests with defaults and reads them back as a tree', () => {
    const c = replica(1)
    const api = c.add({ kind: 'folder', name: 'API' })
    const get = c.add({ kind: 'request', name: 'List users', url: 'https://x.test/users' }, { parentId: api })
    c.add({ kind: 'request', name: 'Create user', method: 'POST', body: { mode: 'raw', raw: '{"a":1}', language: 'json' } }, { parentId: api, index: 0 })
    const [folder] = c.tree() as [FolderNode]
    expect(folder.name).toBe('API')
    expect(names(folder.children)).toEqual(['Create user', 'List users'])
    expect(c.get(get)).toMatchObject({ method: 'GET', url: 'https://x.test/users', body: { mode: 'none', raw: '' }, auth: { type: 'inherit' }, parentId: api })
    expect(folder.children[0]).toMatchObject({ method: 'POST', body: { mode: 'raw', raw: '{"a":1}', language: 'json' } })
  })

  it('adds a nested tree in one call and keeps the given order', () => {
    const c = replica(2)
    const [a, b] = c.addAll([
      { kind: 'folder', name: 'A', children: [{ kind: 'request', name: 'a1' }, { kind: 'folder', name: 'A2', children: [{ kind: 'request', name: 'deep' }] }, { kind: 'request', name: 'a3' }] },
      { kind: 'request', name: 'B' },
    ])
    const tree = c.tree()
    expect(tree.map((n) => n.id)).toEqual([a, b])
    const folder = tree[0] as FolderNode
    expect(names(folder.children)).toEqual(['a1', 'A2', 'a3'])
    expect(names((folder.children[1] as FolderNode).children)).toEqual(['deep'])
  })

  it('edits scalars, rows and texts', () => {
    const c = replica(3)
    const id = c.add({ kind: 'request', name: 'r', headers: [{ key: 'Accept', value: 'text/plain', enabled: true }] })
    expect(c.update(id, { name: 'renamed', method: 'PUT', url: 'https://a.test', bodyMode: 'raw', auth: { type: 'bearer', token: 't' } })).toBe(true)
    c.text(id, 'body')!.insert(0, 'hello')
    c.text(id, 'description')!.insert(0, '# Docs')
    const headers = c.list(id, 'headers')!
    headers.update(0, { value: 'application/json' })
    headers.insert({ key: 'X-Trace', value: '1', enabled: false })
    c.list(id, 'params')!.insert({ key: 'page', value: '2' })
    expect(c.get(id)).toMatchObject({
      name: 'renamed', method: 'PUT', url: 'https://a.test', description: '# Docs', auth: { type: 'bearer', token: 't' },
      body: { mode: 'raw', raw: 'hello' },
      headers: [{ key: 'Accept', value: 'application/json', enabled: true }, { key: 'X-Trace', value: '1', enabled: false }],
      params: [{ key: 'page', value: '2', enabled: true }],
    })
    expect(c.update('missing', { name: 'x' })).toBe(false)
  })

  it('ignores request-only fields on folders', () => {
    const c = replica(4)
    const f = c.add({ kind: 'folder', name: 'f' })
    c.update(f, { name: 'g', method: 'POST' })
    expect(c.get(f)).toMatchObject({ kind: 'folder', name: 'g' })
    expect(c.get(f)).not.toHaveProperty('method')
  })

  it('moves items and refuses to move a folder into itself or its descendants', () => {
    const c = replica(5)
    const a = c.add({ kind: 'folder', name: 'a' })
    const b = c.add({ kind: 'folder', name: 'b' }, { parentId: a })
    const r = c.add({ kind: 'request', name: 'r' })
    expect(c.move(a, { parentId: b })).toBe(false)
    expect(c.move(a, { parentId: a })).toBe(false)
    expect(c.move(r, { parentId: r })).toBe(false)
    expect(c.move(r, { parentId: b })).toBe(true)
    expect(c.move(b, { parentId: null, index: 0 })).toBe(true)
    expect(names(c.tree())).toEqual(['b', 'a'])
    expect(names((c.get(b) as FolderNode).children)).toEqual(['r'])
  })

  it('throws a coded error when adding into something that is not a folder', () => {
    const c = replica(6)
    const r = c.add({ kind: 'request', name: 'r' })
    expect(() => c.add({ kind: 'request' }, { parentId: r })).toThrow(SchemaError)
  })

  it('deletes a folder with its whole subtree', () => {
    const c = replica(7)
    const a = c.add({ kind: 'folder', name: 'a', children: [{ kind: 'folder', name: 'b', children: [{ kind: 'request', name: 'c' }] }] })
    const keep = c.add({ kind: 'request', name: 'keep' })
    expect(c.remove(a)).toHaveLength(3)
    expect(c.tree().map((n) => n.id)).toEqual([keep])
    expect(c.doc.getMap('items').size).toBe(1)
  })

  it('keeps an item created offline inside a folder another device deleted, at the root', () => {
    const problems: Problem[] = []
    const x = replica(10, problems)
    const y = replica(11)
    const f = x.add({ kind: 'folder', name: 'f' })
    syncDocs(x.doc, y.doc)
    const r = y.add({ kind: 'request', name: 'written offline' }, { parentId: f })
    x.remove(f)
    syncDocs(x.doc, y.doc)
    expect(x.tree()).toEqual(y.tree())
    expect(x.tree().map((n) => [n.id, n.parentId])).toEqual([[r, null]])
    expect(problems.some((p) => p.code === 'orphan_rehomed' && p.path === `items/${r}`)).toBe(true)
  })

  it('resolves concurrent moves that form a cycle the same way on both devices', () => {
    const x = replica(20)
    const y = replica(21)
    const a = x.add({ kind: 'folder', name: 'a' })
    const b = x.add({ kind: 'folder', name: 'b' })
    syncDocs(x.doc, y.doc)
    expect(x.move(a, { parentId: b })).toBe(true)
    expect(y.move(b, { parentId: a })).toBe(true)
    syncDocs(x.doc, y.doc)
    const tree = x.tree()
    expect(tree).toEqual(y.tree())
    const smaller = a < b ? a : b
    expect(tree.map((n) => n.id)).toEqual([smaller])
    expect((tree[0] as FolderNode).children.map((n) => n.id)).toEqual([smaller === a ? b : a])
  })

  it('merges concurrent body edits and keeps both concurrently added headers', () => {
    const x = replica(30)
    const y = replica(31)
    const id = x.add({ kind: 'request', name: 'r', body: { mode: 'raw', raw: 'ab' } })
    syncDocs(x.doc, y.doc)
    x.text(id, 'body')!.insert(0, 'X')
    y.text(id, 'body')!.insert(2, 'Y')
    x.list(id, 'headers')!.insert({ key: 'A', value: '1' })
    y.list(id, 'headers')!.insert({ key: 'B', value: '2' })
    syncDocs(x.doc, y.doc)
    expect(x.get(id)).toEqual(y.get(id))
    const merged = x.get(id)
    expect(merged?.kind === 'request' && merged.body.raw).toBe('XabY')
    expect(merged?.kind === 'request' && merged.headers.map((h) => h.key).sort()).toEqual(['A', 'B'])
  })

  it('notifies observers once per transaction, local or remote, until unsubscribed', () => {
    const x = replica(40)
    const y = replica(41)
    const seen: boolean[] = []
    const stop = y.observe((change) => seen.push(change.local))
    y.add({ kind: 'folder', name: 'local' })
    x.add({ kind: 'request', name: 'remote' })
    syncDocs(x.doc, y.doc)
    expect(seen).toEqual([true, false])
    stop()
    y.add({ kind: 'folder', name: 'after' })
    expect(seen).toHaveLength(2)
  })

  it('keeps collection-level auth and description', () => {
    const c = replica(50)
    expect(c.auth()).toEqual({ type: 'none' })
    c.setAuth({ type: 'apikey', key: 'X-Key', value: 'v', in: 'header' })
    c.description.insert(0, 'About')
    expect(c.snapshot()).toMatchObject({ description: 'About', auth: { type: 'apikey', key: 'X-Key', value: 'v', in: 'header' }, items: [] })
  })
})
