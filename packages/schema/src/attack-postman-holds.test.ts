/**
 * Attack review of issue 13 ("Postman, losslessly") and compact requests (schema 3): the
 * attacks that did NOT break a claim, kept as regression tests. (The ones that did are in
 * attack-postman-findings.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { COMPACT_KEY } from './compact.ts'
import type { Json, JsonObject, RequestNode } from './model.ts'
import { normaliseAuth } from './postman/auth.ts'
import { parsePostmanText } from './postman/files.ts'
import { exportPostman, importPostman, updateFromPostman } from './postman/index.ts'
import { V20, V21, allNodes, clone, imported, replicaOf, sync } from './postman/test-postman.ts'


const itemMap = (c: Collection, id: string): Y.Map<unknown> => c.doc.getMap('items').get(id) as Y.Map<unknown>
const file = (...item: Json[]): JsonObject => ({ info: { name: 'T', schema: V21 }, item })

/** The item as an export writes it back: auth in v2.1 list form (a missing method stays missing, materialized or not). */
function asExported(item: JsonObject): JsonObject {
  const out = clone(item)
  const req = out.request
  if (req !== null && typeof req === 'object' && !Array.isArray(req)) {
    if (req.auth !== null && typeof req.auth === 'object' && !Array.isArray(req.auth)) req.auth = normaliseAuth(req.auth)
  }
  return out
}

describe('lossless: nasty but valid items come back exactly, compact, materialized and after an edit to another field', () => {
  const items: Record<string, JsonObject> = {
    'query "?=x", "a=1=2", valueless and empty keys': { name: 'q', request: { method: 'GET', url: { raw: 'https://h.test/p?=x&a=1=2&b&c=&&d', host: ['h', 'test'], path: ['p'], protocol: 'https', query: [{ key: '', value: 'x' }, { key: 'a', value: '1=2' }, { key: 'b', value: null }, { key: 'c', value: '' }, { key: '', value: null }, { key: 'd', value: null }] } } },
    'string URL with the same query': { name: 'q', request: { method: 'GET', url: 'https://h.test/p?=x&a=1=2&b&c=&&d' } },
    'IPv6, user:pass@, a//b/, # with ?': { name: 'v6', request: { url: 'http://user:pa%40ss@[::1]:8080/a//b/?x=1#frag?y' } },
    '{{var}} host and port, :path variable with a number and a description': { name: 'vh', request: { url: { raw: '{{base}}:{{port}}/x/:id', host: ['{{base}}'], port: '{{port}}', path: ['x', ':id'], variable: [{ key: 'id', value: 5, description: 'the id' }] } } },
    'path variables without a :segment': { name: 'pv', request: { url: { raw: 'https://h.test/x', variable: [{ key: 'id', value: '1' }] } } },
    'raw that disagrees with its parts': { name: 'rm', request: { url: { raw: 'https://h.test/x?a=1', host: ['other'], path: ['y'], query: [{ key: 'b', value: '2' }] } } },
    'duplicate and disabled-only query rows': { name: 'dq', request: { url: { raw: 'https://h.test/?a=1&a=2', query: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }, { key: 'z', value: '9', disabled: true }] } } },
    'header rows with number, null, absent values, disabled false and "yes", a number key': { name: 'hw', request: { url: 'https://h.test', header: [{ key: 'N', value: 5 }, { key: 'Z', value: null }, { key: 'M' }, { key: 'D', value: 'x', disabled: false }, { key: 'E', value: 'y', disabled: 'yes' }, { key: 7, value: true, type: 'text' }] } },
    'a disabled raw body with options': { name: 'bd', request: { method: 'POST', url: 'https://h.test', body: { mode: 'raw', raw: '{}', disabled: true, options: { raw: { language: 'json' } } } } },
    'graphql with variables': { name: 'g', request: { method: 'POST', url: 'https://h.test', body: { mode: 'graphql', graphql: { query: 'query { a }', variables: '{"x":1}' } } } },
    'formdata file rows with src lists': { name: 'ff', request: { method: 'POST', url: 'https://h.test', body: { mode: 'formdata', formdata: [{ key: 'f', type: 'file', src: ['/a', '/b'] }, { key: 't', value: 'v', type: 'text', contentType: 'text/plain' }] } } },
    'a file body': { name: 'fb', request: { method: 'POST', url: 'https://h.test', body: { mode: 'file', file: { src: '/tmp/x' } } } },
    'null body, auth and description': { name: 'bn', request: { url: 'https://h.test', body: null, auth: null, description: null } },
    'a body without a mode, an empty urlencoded list, other modes\' leftovers': { name: 'bl', request: { method: 'POST', url: 'https://h.test', body: { mode: 'urlencoded', raw: 'left', urlencoded: [{ key: 'a', value: 'b' }], formdata: [{ key: 'c', value: 'd' }] } } },
    'oauth2 with typed and object parameters': { name: 'o2', request: { url: 'https://h.test', auth: { type: 'oauth2', oauth2: [{ key: 'accessToken', value: 'tok', type: 'string' }, { key: 'addTokenTo', value: 'header', type: 'string' }, { key: 'tokenOptions', value: { a: [1, 2] }, type: 'any' }] } } },
    'v2.0 auth parameter objects': { name: 'o20', request: { url: 'https://h.test', auth: { type: 'oauth2', oauth2: { accessToken: 'tok', addTokenTo: 'header' } } } },
    'bearer token as a number, extra parameters and another scheme\'s list': { name: 'be', request: { url: 'https://h.test', auth: { type: 'bearer', bearer: [{ key: 'token', value: 12345, type: 'string' }, { key: 'other', value: 'x' }], noauth: [] } } },
    'bearer without its list': { name: 'bnl', request: { url: 'https://h.test', auth: { type: 'bearer' } } },
    'apikey in a cookie (a placement Ferry does not model)': { name: 'akw', request: { url: 'https://h.test', auth: { type: 'apikey', apikey: [{ key: 'in', value: 'cookie' }, { key: 'key', value: 'k' }, { key: 'value', value: 'v' }] } } },
    'basic with a duplicate username parameter': { name: 'bd2', request: { url: 'https://h.test', auth: { type: 'basic', basic: [{ key: 'username', value: 'u1' }, { key: 'username', value: 'u2' }, { key: 'password', value: 'p' }] } } },
    'noauth with parameters': { name: 'nae', request: { url: 'https://h.test', auth: { type: 'noauth', noauth: [{ key: 'x', value: 'y' }] } } },
    'description objects with and without content, empty description': { name: 'do', request: { url: 'https://h.test', description: { content: 'hello', type: 'text/markdown', version: '1' } }, description: { type: 'text/markdown' } },
    'scripts: string exec, lines holding \\n, [], no exec, disabled, null, a string, numbers, no script': { name: 'ev', event: [{ listen: 'prerequest', script: { exec: 'one\ntwo', type: 'text/javascript' } }, { listen: 'test', script: { exec: ['a\nb', 'c'] } }, { listen: 'test', script: { exec: [] } }, { listen: 'test', script: { id: 's' } }, { listen: 'test', disabled: true, script: { exec: ['x'] } }, { listen: 'test', script: null }, { listen: 'test', script: 'str' }, { listen: 'test', script: { exec: [1, 2] } }, { listen: 'test' }], request: { url: 'https://h.test' } },
    'empty lists vs absent': { name: 'ee', event: [], variable: [], response: [], request: { url: 'https://h.test', header: [] } },
    'ids, protocolProfileBehavior, proxy, certificate, examples, typed variables, unknown fields': { id: 'i1', name: 'm', protocolProfileBehavior: { disableBodyPruning: true }, request: { url: 'https://h.test', proxy: { host: 'p', port: 8 }, certificate: { name: 'c', matches: ['x'] }, futureField: { a: 1 } }, response: [{ name: 'ex', originalRequest: { method: 'GET', url: 'https://h.test' }, code: 200, body: 'ok', header: [{ key: 'a', value: 'b' }] }], variable: [{ key: 'v', value: 1, type: 'number' }, { key: 'w', value: 'x', disabled: true }], futureItemField: [1, 2] },
    'url null, "", {}': { name: 'un', request: { url: null } },
    '"constructor" and "__proto__" as row keys and values': { name: 'c', request: { url: 'https://h.test', header: [{ key: 'constructor', value: '__proto__' }, { key: '__proto__', value: 'constructor' }] } },
  }
  for (const [what, item] of Object.entries(items)) {
    it(what, () => {
      const a = imported(file(clone(item)))
      const b = replicaOf(a)
      const id = b.tree()[0]!.id
      expect(clone(exportPostman(b, 'T')).item, 'compact, synced').toEqual([asExported(item)])
      const c = replicaOf(a)
      c.text(id, 'name') // materializes, changes nothing
      expect(itemMap(c, id).has(COMPACT_KEY)).toBe(false)
      expect(clone(exportPostman(c, 'T')).item, 'materialized').toEqual([asExported(item)])
      b.update(id, { name: 'RENAMED' })
      expect(clone(exportPostman(replicaOf(b), 'T')).item, 'renamed, synced').toEqual([{ ...asExported(item), name: 'RENAMED' }])
    })
  }

  it('collection and folder levels: info extras, description objects, null/noauth folder auth, typed variables, v2.0 _postman_id, empty lists', () => {
    const top: JsonObject = {
      info: { _postman_id: 'c1', name: 'Top', description: { content: 'D', type: 'text/markdown', version: '2' }, schema: V21, version: { major: 1, minor: 2, patch: 3, identifier: 'b', meta: { x: 1 } }, _exporter_id: '123', extra: [null] },
      item: [
        { id: 'f1', name: 'F', description: null, auth: null, event: [], variable: [{ id: 'vid', key: 'fv', value: true, type: 'boolean' }], protocolProfileBehavior: { followRedirects: false }, item: [] },
        { id: 'f2', name: 'G', description: '', auth: { type: 'noauth' }, item: [{ id: 'r1', name: 'R', method: 'x', request: { method: 'GET', url: 'https://r.test', auth: { type: 'inherit' } } }] },
        { _postman_id: 'f3', name: 'H', item: [{ name: 'deep', item: [{ name: 'deeper', item: [] }] }] },
      ],
      event: [{ listen: 'prerequest', script: { id: 'e', type: 'text/javascript', exec: [''] } }],
      variable: [{ key: 'a', value: 'b', type: 'string', disabled: false }, { key: 'n', value: 3 }, { key: 'o', value: { x: 1 }, type: 'any' }, { id: 'only-id' }],
      auth: { type: 'awsv4', awsv4: [{ key: 'accessKey', value: 'A', type: 'string' }, { key: 'service', value: 's3' }] },
      protocolProfileBehavior: { strictSSL: false },
      proxyConfigs: [1],
    }
    const a = imported(clone(top))
    const b = replicaOf(a)
    for (const n of allNodes(b)) b.text(n.id, 'name')
    b.setAuth(b.auth())
    const expected = clone(top)
    ;(expected.info as JsonObject).schema = V21
    expect(clone(exportPostman(b, 'Top'))).toEqual(expected)
  })

  it('a v2.0 file comes back as v2.1 of the same thing (auth parameter objects as lists), also materialized', () => {
    const v20: JsonObject = {
      info: { name: 'Old', schema: V20, _postman_id: 'c2', description: 'desc' },
      item: [{ name: 'R', request: { url: { protocol: 'http', host: ['a', 'b'], port: '80', path: ['x', ':id'], variable: [{ key: 'id', value: '1' }], query: [{ key: 'q', value: null }] }, method: 'POST', header: [{ key: 'h', value: 'v', disabled: true }], auth: { type: 'digest', digest: { username: 'u', realm: 'r' } }, body: { mode: 'urlencoded', urlencoded: [{ key: 'a', value: 'b', type: 'text' }] } } }],
      auth: { type: 'basic', basic: { username: 'u', password: 'p', showPassword: false } },
    }
    const b = replicaOf(imported(clone(v20)))
    b.text(b.tree()[0]!.id, 'name')
    const expected = clone(v20) as JsonObject & { item: JsonObject[] }
    ;(expected.info as JsonObject).schema = V21
    expected.auth = normaliseAuth(expected.auth as JsonObject)
    ;(expected.item[0]!.request as JsonObject).auth = normaliseAuth((expected.item[0]!.request as JsonObject).auth as JsonObject)
    expect(clone(exportPostman(b, 'Old'))).toEqual(expected)
  })
})

describe('compact requests merge without loss', () => {
  const item: JsonObject = {
    id: 'r1',
    name: 'Create pet',
    request: {
      method: 'POST',
      header: [{ key: 'Content-Type', value: 'application/json' }, { key: 'X-Two', value: '2' }],
      url: { raw: '{{baseUrl}}/pets/:petId?dry', host: ['{{baseUrl}}'], path: ['pets', ':petId'], query: [{ key: 'dry', value: null }], variable: [{ key: 'petId', value: '7' }] },
      body: { mode: 'raw', raw: '{"name":"Rex"}', options: { raw: { language: 'json' } } },
      auth: { type: 'bearer', bearer: [{ key: 'token', value: 'tok-123', type: 'string' }] },
      description: 'Creates a pet',
    },
    event: [{ listen: 'test', script: { exec: ['pm.test("201")'] } }],
    variable: [{ key: 'v', value: '1' }],
  }

  it('first edits of different fields on three devices (the importing one included) merge identically', () => {
    const a = imported(file(clone(item)))
    const [b, c] = [replicaOf(a), replicaOf(a)]
    const id = a.tree()[0]!.id
    a.authText(id, 'token')!.insert(3, '-A')
    a.list(id, 'headers')!.update(1, { value: '2a' })
    b.text(id, 'body')!.insert(1, '"b":1,')
    b.list(id, 'pathVariables')!.update(0, { value: '8' })
    b.scripts(id)!.text('test').insert(0, '// B\n')
    c.update(id, { name: 'Create a pet', method: 'PUT' })
    c.variables(id)!.update(0, { value: '2' })
    c.text(id, 'description')!.insert(0, 'C: ')
    sync(a, b, c)
    const [na, nb, nc] = [a, b, c].map((x) => x.tree()[0] as RequestNode)
    expect(nb).toEqual(na)
    expect(nc).toEqual(na)
    expect(na).toMatchObject({
      name: 'Create a pet',
      method: 'PUT',
      auth: { type: 'bearer', token: 'tok-A-123' },
      headers: [{ value: 'application/json' }, { value: '2a' }],
      body: { raw: '{"b":1,"name":"Rex"}' },
      pathVariables: [{ key: 'petId', value: '8' }],
      scripts: [{ code: '// B\npm.test("201")' }],
      variables: [{ key: 'v', value: '2' }],
      description: 'C: Creates a pet',
    })
    expect(Y.encodeStateAsUpdate(a.doc)).toEqual(Y.encodeStateAsUpdate(c.doc))
  })

  it('a device moves it (no materialization) while another edits it: both land', () => {
    const a = imported(file(clone(item)))
    const folder = a.add({ kind: 'folder', name: 'F' })
    const b = replicaOf(a)
    const id = a.tree().find((n) => n.kind === 'request')!.id
    a.move(id, { parentId: folder })
    expect(itemMap(a, id).has(COMPACT_KEY)).toBe(true)
    b.update(id, { name: 'Edited' })
    sync(a, b)
    expect(a.get(id)).toMatchObject({ parentId: folder, name: 'Edited' })
    expect(b.get(id)).toEqual(a.get(id))
  })

  it('a device deletes it while another edits its token: gone on both, and no text keeps the token', () => {
    const a = imported(file(clone(item)))
    const b = replicaOf(a)
    const id = a.tree()[0]!.id
    a.remove(id)
    b.authText(id, 'token')!.insert(0, 'secret-')
    sync(a, b)
    for (const c of [a, b]) {
      expect(c.tree()).toEqual([])
      for (const [name, type] of c.doc.share) if (name.startsWith('v1:')) expect(String(type.toJSON())).not.toContain('tok-')
    }
  })

  it('an update from the file on one device while another edits the same compact request: both land', () => {
    const base = { info: { _postman_id: 'c1', name: 'T', schema: V21 }, item: [{ id: 'r1', name: 'Get', request: { method: 'GET', url: 'https://a.test/v1', header: [{ key: 'H', value: '1' }, { key: 'K', value: 'k' }] } }] }
    const a = imported(clone(base))
    const b = replicaOf(a)
    const id = a.tree()[0]!.id
    const newer = clone(base)
    newer.item[0]!.request.url = 'https://a.test/v2'
    newer.item[0]!.request.header[1]!.value = 'k2'
    updateFromPostman(a, newer)
    b.update(id, { name: 'Get (mine)', method: 'POST' })
    b.list(id, 'headers')!.update(0, { value: 'mine' })
    b.text(id, 'url')!.insert(0, '  ')
    sync(a, b)
    const node = a.tree()[0] as RequestNode
    expect(b.tree()[0]).toEqual(node)
    expect(node).toMatchObject({ name: 'Get (mine)', method: 'POST', url: '  https://a.test/v2', headers: [{ value: 'mine' }, { value: 'k2' }] })
  })

  it('a copy made from a read-only replica\'s snapshot (share link) stays compact and merges once edited on two devices', () => {
    const source = imported(file(clone(item)))
    const viewer = replicaOf(source) // what a share link shows
    const copy = new Collection(new Y.Doc())
    const [copied] = copy.addAll(viewer.snapshot().items)
    expect(itemMap(copy, copied!).has(COMPACT_KEY)).toBe(true)
    const other = replicaOf(copy)
    copy.update(copied!, { name: 'Mine' })
    other.list(copied!, 'headers')!.insert({ key: 'X-New', value: 'n' })
    sync(copy, other)
    expect(other.get(copied!)).toEqual(copy.get(copied!))
    expect(copy.get(copied!)).toMatchObject({ name: 'Mine', headers: [{}, {}, { key: 'X-New' }] })
    // The source is untouched.
    expect(source.tree()[0]!.name).toBe('Create pet')
  })

  it('a method lost to a concurrent first edit is recorded on both devices, and "mine" puts it back', () => {
    const a = imported(file(clone(item)))
    const b = replicaOf(a)
    const id = a.tree()[0]!.id
    a.update(id, { method: 'PUT' })
    b.update(id, { method: 'PATCH' })
    sync(a, b)
    const winner = (a.tree()[0] as RequestNode).method
    const loser = winner === 'PUT' ? 'PATCH' : 'PUT'
    for (const c of [a, b]) expect(c.conflicts().map((x) => [x.field, x.mine, x.theirs])).toEqual([['method', loser, winner]])
    expect(b.resolveConflict(b.conflicts()[0]!.id, 'mine')).toBe(true)
    sync(a, b)
    expect((a.tree()[0] as RequestNode).method).toBe(loser)
    expect(a.conflicts()).toEqual([])
  })

  it('undo of the first edit (an UndoManager on the bound text) undoes the edit only; another device\'s edit stays', () => {
    const a = imported(file(clone(item)))
    const b = replicaOf(a)
    const id = a.tree()[0]!.id
    const name = a.text(id, 'name')! // binding materializes
    const undo = new Y.UndoManager(name)
    name.insert(name.length, ' (edited)')
    b.text(id, 'url')!.insert(0, 'X')
    sync(a, b)
    undo.undo()
    sync(a, b)
    for (const c of [a, b]) expect(c.tree()[0]).toMatchObject({ name: 'Create pet', url: 'X{{baseUrl}}/pets/:petId?dry' })
    expect(itemMap(a, id).has(COMPACT_KEY)).toBe(false)
    expect(b.tree()[0]).toEqual(a.tree()[0])
  })

  it('a postmanItem a peer writes next to materialized fields is ignored', () => {
    const a = imported(file(clone(item)))
    const id = a.tree()[0]!.id
    a.update(id, { name: 'Mine' })
    itemMap(a, id).set(COMPACT_KEY, { name: 'Theirs', request: { url: 'https://evil.test' } })
    expect(a.tree()[0]).toMatchObject({ name: 'Mine', url: '{{baseUrl}}/pets/:petId?dry' })
    expect(clone(exportPostman(a, 'T')).item).toMatchObject([{ name: 'Mine' }])
  })
})

describe('all or nothing, and never a polluted prototype', () => {
  it('a wrong type deep inside refuses the whole file, names the item, and writes nothing', () => {
    const c = imported(file({ name: 'Existing', request: { url: 'https://e.test' } }))
    const before = Y.encodeStateVector(c.doc)
    const bad = file({ name: 'Users', item: [{ name: 'Create', request: { url: 'https://x.test', body: { mode: 'formdata', formdata: 'x' } } }] }, { name: 'ok', request: { url: 'https://ok.test' } })
    const r = importPostman(c, bad)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toContain('"Users / Create" (item/0/item/0/request/body/formdata)')
    expect(Y.encodeStateVector(c.doc)).toEqual(before)
  })

  it('hostile shapes never throw and never pollute Object.prototype', () => {
    const shapes: unknown[] = [
      JSON.parse(`{"info":{"name":"P","schema":"${V21}"},"item":[{"name":"x","__proto__":{"polluted":1},"request":{"url":"https://x","__proto__":{"polluted":2},"header":[{"key":"a","value":"b","__proto__":{"polluted":3}}],"auth":{"type":"oauth2","oauth2":{"__proto__":{"polluted":4}}}}}],"__proto__":{"polluted":5},"variable":[{"key":"__proto__","value":"x"}]}`),
      { info: { name: 'P', schema: V21 }, item: [{ name: 'x', request: { url: { raw: 1, query: [{ key: null }] } } }] },
      { info: { name: 'P', schema: V21 }, item: [{ name: 'x', request: { url: 'https://x', auth: { type: 5 } } }] },
      { info: { name: 'P', schema: V21 }, item: [{ name: 'x', request: { url: 'https://x', body: { mode: 'urlencoded', urlencoded: 'a=b' } } }] },
      { info: { name: 'P', schema: V21 }, item: [{ name: 'x', event: [{ script: { exec: { a: 1 } } }], request: { url: 'https://x', header: [{ key: { a: 1 }, value: [1] }] } }] },
      { info: { name: 'P', schema: V21 }, item: [null, 1, 'x', [], { item: 'no' }] },
      { info: { name: 'P', schema: 'https://schema.getpostman.com/json/collection/v9.0.0/' }, item: [] },
    ]
    for (const shape of shapes) {
      const c = new Collection(new Y.Doc())
      expect(() => importPostman(c, shape)).not.toThrow()
      expect(() => updateFromPostman(c, shape)).not.toThrow()
      expect(() => exportPostman(c, 'P')).not.toThrow()
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a byte order mark is skipped, a cut-short file says so', () => {
    expect(parsePostmanText(`\ufeff${JSON.stringify(file())}`).ok).toBe(true)
    const cut = parsePostmanText(JSON.stringify(file({ name: 'x', request: { url: 'https://x' } })).slice(0, -7))
    expect(cut.ok).toBe(false)
    if (!cut.ok) expect(cut.error.message).toMatch(/cut short/)
  })
})

describe('update by Postman id', () => {
  const base = {
    info: { _postman_id: 'c1', name: 'T', schema: V21 },
    item: [
      { id: 'f1', name: 'Old folder', item: [{ id: 'r1', name: 'Old', request: { url: 'https://a.test/old' } }] },
      { id: 'r2', name: 'Keep', request: { url: 'https://a.test/keep', header: [{ key: 'A', value: '1' }, { key: 'B', value: '2' }] } },
    ],
  }

  it('Ferry-made items in a folder the file drops move to the root, also one added concurrently on another device', () => {
    const a = imported(clone(base))
    const folder = allNodes(a).find((n) => n.name === 'Old folder')!.id
    const mine = a.add({ kind: 'request', name: 'Mine', url: 'https://m.test' }, { parentId: folder })
    const b = replicaOf(a)
    const theirs = b.add({ kind: 'request', name: 'Theirs', url: 'https://t.test' }, { parentId: folder })
    const newer = clone(base)
    newer.item.shift()
    updateFromPostman(a, newer)
    sync(a, b)
    for (const c of [a, b]) expect(c.tree().map((n) => n.name).sort()).toEqual(['Keep', 'Mine', 'Theirs'])
    expect(a.get(mine)?.parentId).toBeNull()
    expect(a.get(theirs)?.parentId).toBeNull()
  })

  it('a concurrent edit on another device to a header row the file does not change survives an update that changes another', () => {
    const a = imported(clone(base))
    const b = replicaOf(a)
    const id = allNodes(a).find((n) => n.name === 'Keep')!.id
    b.list(id, 'headers')!.update(0, { value: 'mine' })
    const newer = clone(base)
    newer.item[1]!.request!.header[1]!.value = 'two'
    updateFromPostman(a, newer)
    sync(a, b)
    expect((a.get(id) as RequestNode).headers.map((h) => h.value)).toEqual(['mine', 'two'])
  })

  it('updating with the same file (items with ids) writes nothing, compact or materialized', () => {
    const a = imported(clone(base))
    a.update(allNodes(a).find((n) => n.name === 'Keep')!.id, { name: 'Keep (edited)' })
    const sv = Y.encodeStateVector(a.doc)
    let transactionsThatChanged = 0
    a.doc.on('afterTransaction', (tr: Y.Transaction) => void (tr.changed.size > 0 && transactionsThatChanged++))
    const r = updateFromPostman(a, clone(base))
    expect(r.ok && r.value).toMatchObject({ added: 0, removed: 0 })
    expect(Y.encodeStateVector(a.doc)).toEqual(sv)
    expect(transactionsThatChanged).toBe(0)
  })
})
