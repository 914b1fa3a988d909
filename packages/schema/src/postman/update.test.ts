import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from '../collection.ts'
import type { FolderNode, JsonObject, RequestNode } from '../model.ts'
import { seededRandom } from '../test-random.ts'
import { exportPostman, importPostman } from './index.ts'
import { postmanIdOfCollection, updateFromPostman } from './update.ts'

const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T
const req = (id: string, name: string, url: string, extra: JsonObject = {}): JsonObject => ({ id, name, request: { method: 'GET', header: [{ key: 'Accept', value: 'application/json' }], url: { raw: url } }, response: [], ...extra })

const v1: JsonObject = {
  info: { _postman_id: 'coll-1', name: 'Shop', schema: V21 },
  item: [
    { id: 'f-users', name: 'Users', item: [req('r-list', 'List users', 'https://api.test/users'), req('r-get', 'Get user', 'https://api.test/users/1')] },
    { id: 'f-old', name: 'Old', item: [req('r-old', 'Old thing', 'https://api.test/old')] },
    req('r-health', 'Health', 'https://api.test/health', { event: [{ listen: 'test', script: { exec: ['pm.test("ok")'] } }] }),
  ],
  variable: [{ key: 'baseUrl', value: 'https://api.test' }],
}

function imported(): Collection {
  const c = new Collection(new Y.Doc(), { random: seededRandom(7) })
  const result = importPostman(c, v1)
  if (!result.ok) throw new Error(result.error.message)
  return c
}

const byName = (c: Collection, name: string): RequestNode | FolderNode => {
  const stack = [...c.tree()]
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.name === name) return n
    if (n.kind === 'folder') stack.push(...n.children)
  }
  throw new Error(`no ${name}`)
}

describe('update from a newer export of the same Postman collection', () => {
  it('edits matched items in place, adds and deletes by Postman id, and keeps Ferry edits the file did not touch', () => {
    const c = imported()
    expect(postmanIdOfCollection(c)).toBe('coll-1')
    // Made in Ferry after the import: an edit to a header and a new request inside "Old".
    const get = byName(c, 'Get user') as RequestNode
    c.list(get.id, 'headers')!.update(0, { value: 'application/xml' })
    const mine = c.add({ kind: 'request', name: 'Mine', url: 'https://api.test/mine' }, { parentId: byName(c, 'Old').id })

    const v2 = clone(v1)
    const users = (v2.item as JsonObject[])[0]!
    ;((users.item as JsonObject[])[0]!).name = 'List all users'
    ;(users.item as JsonObject[]).push(req('r-new', 'Create user', 'https://api.test/users'))
    ;(v2.item as JsonObject[]).splice(1, 1) // "Old" is gone upstream
    ;(((v2.item as JsonObject[])[1]!.event as JsonObject[])[0]!.script as JsonObject).exec = ['pm.test("still ok")']

    const result = updateFromPostman(c, v2)
    expect(result).toEqual({ ok: true, value: { name: 'Shop', added: 1, updated: 2, removed: 2, conflicts: [], kept: [] } })
    expect(byName(c, 'List all users').id).toBeDefined()
    expect((byName(c, 'Get user') as RequestNode).headers[0]!.value).toBe('application/xml')
    expect(c.tree().map((n) => n.name)).toEqual(['Users', 'Health', 'Mine'])
    expect(c.get(mine)).toMatchObject({ parentId: null })

    const out = clone(exportPostman(c, 'Shop'))
    const expected = clone(v2)
    ;(((expected.item as JsonObject[])[0]!.item as JsonObject[])[1]!.request as JsonObject).header = [{ key: 'Accept', value: 'application/xml' }]
    const { item: outItems, ...outRest } = out
    const { item: expItems, ...expRest } = expected
    expect(outRest).toEqual(expRest)
    expect((outItems as JsonObject[]).slice(0, 2)).toEqual(expItems)
  })

  it('updating with the same file changes nothing in the doc', () => {
    const c = imported()
    const before = Y.encodeStateVector(c.doc)
    expect(updateFromPostman(c, clone(v1))).toEqual({ ok: true, value: { name: 'Shop', added: 0, updated: 0, removed: 0, conflicts: [], kept: [] } })
    expect(Y.encodeStateVector(c.doc)).toEqual(before)
  })

  it('a concurrent edit on another device to what the update does not change survives the merge', () => {
    const c = imported()
    const other = new Collection(new Y.Doc())
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(c.doc))
    const health = byName(other, 'Health')
    other.scripts(health.id)!.text('test').insert(0, '// reviewed\n')
    const v2 = clone(v1)
    ;(v2.item as JsonObject[])[0]!.name = 'People'
    updateFromPostman(c, v2)
    Y.applyUpdate(c.doc, Y.encodeStateAsUpdate(other.doc))
    expect(byName(c, 'People').kind).toBe('folder')
    expect(byName(c, 'Health').scripts[0]!.code).toBe('// reviewed\npm.test("ok")')
  })

  it('a bad file updates nothing', () => {
    const c = imported()
    const before = Y.encodeStateVector(c.doc)
    expect(updateFromPostman(c, { info: { name: 'x', schema: V21 }, item: [{ name: 'bad', request: { header: 3 } }] }).ok).toBe(false)
    expect(Y.encodeStateVector(c.doc)).toEqual(before)
  })
})
