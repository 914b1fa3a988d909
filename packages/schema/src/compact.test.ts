import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { COMPACT_KEY } from './compact.ts'
import type { JsonObject, RequestNode } from './model.ts'
import { exportPostman, importPostman } from './postman/index.ts'
import { SCHEMA_VERSION } from './schema-version.ts'

const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const item: JsonObject = {
  id: 'r1',
  name: 'Create pet',
  request: {
    method: 'POST',
    header: [{ key: 'Content-Type', value: 'application/json', description: 'JSON in' }],
    url: { raw: '{{baseUrl}}/pets?dry', host: ['{{baseUrl}}'], path: ['pets'], query: [{ key: 'dry', value: null }] },
    body: { mode: 'raw', raw: '{"name":"Rex"}', options: { raw: { language: 'json' } } },
    auth: { type: 'oauth2', oauth2: [{ key: 'grant_type', value: 'client_credentials', type: 'string' }] },
  },
  response: [{ name: 'created', code: 201, body: '{}' }],
  event: [{ listen: 'test', script: { exec: ['pm.test("201")'] } }],
}
const file = { info: { name: 'Pets', schema: V21 }, item: [item] }

function replicas(n: number): Collection[] {
  const origin = new Collection(new Y.Doc())
  const result = importPostman(origin, file)
  if (!result.ok) throw new Error(result.error.message)
  // The importing device first: it keeps the reading its import made; the others read the item afresh.
  return [origin, ...Array.from({ length: n - 1 }, () => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(origin.doc))
    return new Collection(doc)
  })]
}

const itemMap = (c: Collection): Y.Map<unknown> => [...(c.doc.getMap('items').values() as Iterable<Y.Map<unknown>>)][0]!
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

describe('compact requests: an imported request is stored as its Postman item until edited', () => {
  it('holds kind, position and the item only, reads every field from it, and exports it as given', () => {
    const [c] = replicas(1) as [Collection]
    expect([...itemMap(c).keys()].sort()).toEqual(['kind', COMPACT_KEY, 'position'].sort())
    const node = c.tree()[0] as RequestNode
    expect(node).toMatchObject({ name: 'Create pet', method: 'POST', url: '{{baseUrl}}/pets?dry', body: { mode: 'raw', language: 'json', raw: '{"name":"Rex"}' } })
    expect(node.auth).toEqual({ type: 'other', scheme: 'oauth2', params: [{ key: 'grant_type', value: 'client_credentials', type: 'string' }] })
    expect(node.scripts[0]!.code).toBe('pm.test("201")')
    expect(clone(exportPostman(c, 'Pets')).item).toEqual([item])
  })

  it('reading writes nothing', () => {
    const [c] = replicas(1) as [Collection]
    const before = Y.encodeStateVector(c.doc)
    c.tree()
    c.get(c.tree()[0]!.id)
    c.snapshot()
    expect(Y.encodeStateVector(c.doc)).toEqual(before)
  })

  it('the first edit materializes it; two devices doing so write the same bytes, and both edits merge', () => {
    const [a, b] = replicas(2) as [Collection, Collection] // a imported the file, b received it
    const id = a.tree()[0]!.id
    const svA = Y.encodeStateVector(a.doc)
    const svB = Y.encodeStateVector(b.doc)
    a.text(id, 'name')
    b.text(id, 'name')
    // The materialization alone, on each device: byte for byte the same update.
    expect(Y.encodeStateAsUpdate(a.doc, svA)).toEqual(Y.encodeStateAsUpdate(b.doc, svB))
    a.text(id, 'name')!.insert(0, 'A: ')
    b.list(id, 'headers')!.update(0, { value: 'application/vnd.pets+json' })
    b.scripts(id)!.text('test').insert(0, '// B\n')
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc))
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    const [na, nb] = [a.tree()[0] as RequestNode, b.tree()[0] as RequestNode]
    expect(na).toEqual(nb)
    expect(na).toMatchObject({ name: 'A: Create pet', headers: [{ value: 'application/vnd.pets+json' }], scripts: [{ code: '// B\npm.test("201")' }] })
    expect(itemMap(a).has(COMPACT_KEY)).toBe(false)
    // Everything else still exports as the file gave it.
    const exported = clone(exportPostman(a, 'Pets')).item as JsonObject[]
    const expected = clone(item)
    expected.name = 'A: Create pet'
    ;((expected.request as JsonObject).header as JsonObject[])[0]!.value = 'application/vnd.pets+json'
    ;((expected.event as JsonObject[])[0]!.script as JsonObject).exec = ['// B', 'pm.test("201")']
    expect(exported).toEqual([expected])
  })

  it('a copy of it stays compact, but a copy with a changed field is stored whole with the change', () => {
    const [c] = replicas(1) as [Collection]
    const node = c.tree()[0] as RequestNode
    const same = c.add({ ...node, kind: 'request' })
    const renamed = c.add({ ...node, kind: 'request', name: 'Create pet (copy)' })
    const map = (id: string) => c.doc.getMap('items').get(id) as Y.Map<unknown>
    expect(map(same).has(COMPACT_KEY)).toBe(true)
    expect(map(renamed).has(COMPACT_KEY)).toBe(false)
    expect(c.get(renamed)).toMatchObject({ name: 'Create pet (copy)', method: 'POST', auth: { type: 'other', scheme: 'oauth2' } })
  })

  it('moving it or deleting it does not materialize it', () => {
    const [c] = replicas(1) as [Collection]
    const folder = c.add({ kind: 'folder', name: 'F' })
    const id = c.tree().find((n) => n.kind === 'request')!.id
    expect(c.move(id, { parentId: folder })).toBe(true)
    expect((c.doc.getMap('items').get(id) as Y.Map<unknown>).has(COMPACT_KEY)).toBe(true)
    expect(c.get(id)).toMatchObject({ parentId: folder, name: 'Create pet' })
    expect(c.remove(id)).toEqual([id])
  })

  it('a hostile peer\'s unreadable item is reported and left alone, never thrown', () => {
    const [c] = replicas(1) as [Collection]
    const problems: string[] = []
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(c.doc))
    const bad = new Collection(doc, { onProblem: (p) => problems.push(p.message) })
    const id = bad.tree()[0]!.id
    doc.transact(() => (doc.getMap('items').get(id) as Y.Map<unknown>).set(COMPACT_KEY, JSON.stringify({ name: 'x', request: { header: 5 } })))
    expect(bad.tree()).toEqual([])
    expect(problems.join()).toMatch(/not readable/)
    expect(bad.text(id, 'name')).toBeUndefined()
  })

  it('a doc holding compact requests says schema 3, so older versions open it read-only', () => {
    const [c] = replicas(1) as [Collection]
    expect(SCHEMA_VERSION).toBe(3)
    expect(c.doc.getMap('meta').get('schema')).toBe(3)
  })
})
