/**
 * Attack review of issue 13 ("Postman, losslessly") and compact requests (schema 3).
 *
 * EVERY TEST IN THIS FILE FAILS on the code it was written against: each one is a finding,
 * stated as what the claim promises. They are kept as plain `it` (not `it.fails`) so a fix
 * turns them green; move a test to attack-postman-holds.test.ts once it passes.
 *
 * F1  a `__proto__` key in a request item: replicas read different requests, concurrent first
 *     edits diverge for good and the request vanishes on one device
 * F2  deep JSON (10,000 levels, a 20 KB file) in any kept field: the import half-writes and
 *     throws, or the doc can never be encoded again (no sync, no persistence); an environment
 *     file with deep JSON throws a RangeError
 * F3  values the import accepts that a read drops after the first edit (method > 1 MiB, auth
 *     scheme > 64 chars, script `listen` > 1 MiB, a v2.0 header string line > 1 MiB)
 * F4  update from Postman's own export (items without ids) duplicates every item
 * F5  duplicate item ids: each update adds a copy and overwrites another item
 * F6  an update moves back what was moved in Ferry although the file did not move it
 * F7  an update overwrites a Ferry edit to one header row / part of a text the file did not change
 * F8  two devices updating from the same file concurrently double every text edit and item
 * F9  update cost is quadratic: one full tree read per moved item (a reversed 2,000-request file: ~90 s)
 * F10 lone surrogates: import → sync → export differs between replicas; object keys collapse
 * F11 type of method / name / description / collection auth:null changes after an unrelated edit
 * F12 a peer writing one struct under a compact request's (predictable) materializer client id
 *     makes the request vanish on one device and garbles it on another, for good
 * F13 exports and reads hand out the doc's stored objects: mutating an export changes what
 *     this device later sends, not what it reads
 * F14 a "constructor" key (valid JSON, an unknown field Ferry must keep) in a request item makes
 *     the import throw after writing other items; in a row or event, the first edit throws
 *     halfway and the request vanishes on every device (Yjs refuses a value whose
 *     `.constructor` is not Object)
 * F15 a row list holding a non-object (`query: [null]`, `urlencoded: [1]`) makes the importer
 *     throw a TypeError instead of refusing the file with the item named
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import type { JsonObject, RequestNode, TreeNode } from './model.ts'
import { exportPostman, importPostman, updateFromPostman } from './postman/index.ts'
import { parsePostmanText, readPostmanJson } from './postman/files.ts'
import { seedClient } from './text/seed.ts'

const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

/** A second replica holding what `c` holds (a sync). */
function replicaOf(c: Collection): Collection {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(c.doc))
  return new Collection(doc)
}

function sync(a: Collection, b: Collection): void {
  Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc))
  Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
}

function imported(file: unknown): Collection {
  const c = new Collection(new Y.Doc())
  const r = importPostman(c, file)
  if (!r.ok) throw new Error(r.error.message)
  return c
}

function all(c: Collection): TreeNode[] {
  const out: TreeNode[] = []
  const queue = [...c.tree()]
  for (let n = queue.shift(); n; n = queue.shift()) {
    out.push(n)
    if (n.kind === 'folder') queue.push(...n.children)
  }
  return out
}

const names = (c: Collection): string[] => all(c).map((n) => n.name)
const requestOf = (c: Collection): RequestNode | undefined => all(c).find((n): n is RequestNode => n.kind === 'request')

describe('F1: a "__proto__" key in a request item (JSON.parse makes it an own key; lib0 decodes it as the prototype)', () => {
  const text = `{"info":{"name":"P","schema":"${V21}"},"item":[{"id":"r1","name":"n","__proto__":{"request":{"method":"DELETE","url":"https://evil.test/"}}}]}`

  it('the importing device and a synced device read the same request', () => {
    const a = imported(JSON.parse(text))
    const b = replicaOf(a)
    // a reads GET '' (the item has no own request); b reads DELETE https://evil.test/ (inherited).
    expect(requestOf(b)).toEqual(requestOf(a))
  })

  it('concurrent first edits on both devices merge, and both still show the request', () => {
    const a = imported(JSON.parse(text))
    const b = replicaOf(a)
    const id = a.tree()[0]!.id
    a.update(id, { name: 'A edit' })
    b.update(id, { name: 'B edit' })
    sync(a, b)
    // b: the request is "malformed" (field "params" is not a Y.Array) and gone from its tree.
    expect(b.tree()).toHaveLength(1)
    expect(b.tree()).toEqual(a.tree())
    expect(Y.encodeStateAsUpdate(a.doc)).toEqual(Y.encodeStateAsUpdate(b.doc))
  })

  it('the key is refused with the item named, or survives import → sync → export', () => {
    const file = JSON.parse(`{"info":{"name":"P","schema":"${V21}"},"item":[{"id":"r1","name":"n","request":{"url":"https://good.test/"},"__proto__":{"x":1}}]}`)
    const a = new Collection(new Y.Doc())
    const r = importPostman(a, file)
    if (!r.ok) return expect(r.error.message).toMatch(/__proto__/)
    expect(JSON.stringify(exportPostman(replicaOf(a), 'P').item)).toContain('__proto__')
  })
})

describe('F2: deep JSON in a field Ferry keeps verbatim', () => {
  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
  const file = (): unknown => JSON.parse(`{"info":{"name":"P","schema":"${V21}"},"item":[{"id":"r1","name":"n","request":{"url":"https://x.test/"},"futureField":${deep(10_000)}}]}`)

  it('with a sync provider listening (the app), the import never throws and never half-imports', () => {
    const doc = new Y.Doc()
    doc.on('update', () => {}) // what persistence and sync do
    const c = new Collection(doc)
    let result: ReturnType<typeof importPostman> | undefined
    expect(() => (result = importPostman(c, file()))).not.toThrow() // RangeError: Maximum call stack size exceeded
    if (result && !result.ok) expect(doc.getMap('items').size).toBe(0)
  })

  it('without one, an accepted file leaves a doc that can still be encoded (synced, stored) and exported', () => {
    const c = new Collection(new Y.Doc())
    const result = importPostman(c, file())
    if (!result.ok) return
    expect(() => Y.encodeStateAsUpdate(c.doc)).not.toThrow()
    expect(() => JSON.stringify(exportPostman(c, 'P'))).not.toThrow()
  })

  it('a later edit on that device reaches other devices', () => {
    const c = new Collection(new Y.Doc())
    const result = importPostman(c, file())
    if (!result.ok) return
    const other = new Collection(new Y.Doc())
    const before = Y.encodeStateVector(c.doc)
    c.add({ kind: 'request', name: 'typed after', url: 'https://typed.test' })
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(c.doc, before))
    expect(other.tree().map((n) => n.name)).toContain('typed after') // stays pending: the import's structs never leave
  })

  it('an environment file with deep JSON in a variable is refused with a sentence, not a RangeError', () => {
    const text = `{"name":"E","values":[{"key":"a","value":"b","extra":${deep(100_000)}}],"_postman_variable_scope":"environment"}`
    const parsed = parsePostmanText(text)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(() => readPostmanJson(parsed.value)).not.toThrow() // RangeError from JSON.stringify
  })
})

describe('F3: the import accepts values a later read drops ("nothing a later read would drop gets in")', () => {
  const big = 'x'.repeat((1 << 20) + 1)
  const scheme = 's'.repeat(65)
  const cases: [string, JsonObject][] = [
    ['a method over 1 MiB', { info: { name: 'T', schema: V21 }, item: [{ name: 'r', request: { method: big, url: 'https://h.test' } }] }],
    ['an auth scheme of 65 characters (request)', { info: { name: 'T', schema: V21 }, item: [{ name: 'r', request: { url: 'https://h.test', auth: { type: scheme } } }] }],
    ['a script "listen" over 1 MiB', { info: { name: 'T', schema: V21 }, item: [{ name: 'r', event: [{ listen: big, script: { exec: ['x'] } }], request: { url: 'https://h.test' } }] }],
    ['a v2.0 header string with a value over 1 MiB', { info: { name: 'T', schema: V21 }, item: [{ name: 'r', request: { url: 'https://h.test', header: `A: ${big}` } }] }],
  ]
  for (const [what, file] of cases) {
    it(`${what}: refused at import, or the request reads and exports the same after its first edit`, () => {
      const c = new Collection(new Y.Doc())
      const r = importPostman(c, file)
      if (!r.ok) return
      const before = clone(exportPostman(c, 'T'))
      const id = c.tree()[0]!.id
      c.update(id, { name: 'r' }) // materializes; the name stays
      expect(c.tree()).toHaveLength(1)
      expect(clone(exportPostman(c, 'T'))).toEqual(before)
    })
  }

  it('an auth scheme of 65 characters on a folder: refused, or the folder is still there', () => {
    const c = new Collection(new Y.Doc())
    const r = importPostman(c, { info: { name: 'T', schema: V21 }, item: [{ name: 'F', auth: { type: scheme }, item: [] }] })
    if (!r.ok) return
    expect(names(c)).toEqual(['F'])
  })

  it('an auth scheme of 65 characters on the collection: refused, or exported as given (not as noauth)', () => {
    const file = { info: { name: 'T', schema: V21 }, auth: { type: scheme, [scheme]: [{ key: 'a', value: 'b' }] }, item: [] }
    const c = new Collection(new Y.Doc())
    const r = importPostman(c, clone(file))
    if (!r.ok) return
    expect(clone(exportPostman(c, 'T')).auth).toEqual(file.auth)
  })
})

describe('F4/F5: update by Postman id when items carry no id, or the same id twice', () => {
  // Postman's own v2.1 export: `info._postman_id`, no item ids (33 of the 44 corpus collections are so).
  const postmanExport = {
    info: { _postman_id: 'c-1', name: 'Shop', schema: V21 },
    item: [
      { name: 'Health', request: { method: 'GET', url: 'https://api.test/health' } },
      { name: 'Users', item: [{ name: 'List users', request: { method: 'GET', url: 'https://api.test/users' } }] },
    ],
  }

  it('F4: updating with the same file (no item ids) writes nothing', () => {
    const c = imported(clone(postmanExport))
    const before = names(c)
    const sv = Y.encodeStateVector(c.doc)
    const r = updateFromPostman(c, clone(postmanExport))
    expect(r.ok && r.value).toMatchObject({ added: 0, removed: 0 })
    expect(names(c)).toEqual(before) // ['Health', 'Users', 'Health', 'Users', 'List users', 'List users']
    expect(Y.encodeStateVector(c.doc)).toEqual(sv)
  })

  it('F4: a newer export (no item ids) that renames a request updates it instead of adding a second copy', () => {
    const c = imported(clone(postmanExport))
    const newer = clone(postmanExport)
    newer.item[0]!.name = 'Health check'
    updateFromPostman(c, newer)
    expect(names(c)).toEqual(['Health check', 'Users', 'List users'])
  })

  it('F5: two items with one id: updating with the same file twice keeps two items and their fields', () => {
    const file = { info: { _postman_id: 'c1', name: 'T', schema: V21 }, item: [{ id: 'd', name: 'A', request: { url: 'https://a.test' } }, { id: 'd', name: 'B', request: { url: 'https://b.test' } }] }
    const c = imported(clone(file))
    updateFromPostman(c, clone(file))
    updateFromPostman(c, clone(file))
    expect(all(c).map((n) => [n.name, (n as RequestNode).url])).toEqual([['A', 'https://a.test'], ['B', 'https://b.test']])
  })
})

describe('F6/F7: an update keeps Ferry edits to what the file did not change', () => {
  const base = {
    info: { _postman_id: 'c1', name: 'T', schema: V21 },
    item: [
      { id: 'f1', name: 'Folder', item: [] },
      { id: 'r1', name: 'Get user', request: { method: 'GET', url: 'https://a.test/users/1', header: [{ key: 'X-One', value: '1' }, { key: 'X-Two', value: '2' }] } },
      { id: 'r2', name: 'Other', request: { method: 'GET', url: 'https://a.test/other' } },
    ],
  }
  const byName = (c: Collection, name: string): TreeNode => all(c).find((n) => n.name === name)!

  it('F6: a request moved into a folder in Ferry stays there when the file changes something else', () => {
    const c = imported(clone(base))
    const folder = byName(c, 'Folder').id
    const moved = byName(c, 'Get user').id
    c.move(moved, { parentId: folder })
    const newer = clone(base)
    newer.item[2]!.name = 'Other, renamed'
    updateFromPostman(c, newer)
    expect(c.get(moved)?.parentId).toBe(folder)
  })

  it('F6: requests reordered in Ferry keep their order when the file changes something else', () => {
    const c = imported(clone(base))
    const other = byName(c, 'Other').id
    c.move(other, { parentId: null, index: 0 })
    const newer = clone(base)
    newer.item[1]!.name = 'Get a user'
    updateFromPostman(c, newer)
    expect(c.tree().map((n) => n.name)).toEqual(['Other', 'Folder', 'Get a user'])
  })

  it('F7: a header value edited in Ferry survives a file that changed another header', () => {
    const c = imported(clone(base))
    const id = byName(c, 'Get user').id
    c.list(id, 'headers')!.update(0, { value: 'mine' })
    const newer = clone(base)
    ;((newer.item[1]!.request as JsonObject).header as JsonObject[])[1]!.value = 'two'
    updateFromPostman(c, newer)
    expect((c.get(id) as RequestNode).headers.map((h) => h.value)).toEqual(['mine', 'two']) // ['1', 'two']
  })

  it('F7: a name edited in Ferry and changed elsewhere in the file keeps both edits (or records a conflict)', () => {
    const c = imported(clone(base))
    const id = byName(c, 'Get user').id
    c.update(id, { name: 'Get user (mine)' })
    const newer = clone(base)
    newer.item[1]!.name = 'Get a user'
    updateFromPostman(c, newer)
    const name = (c.get(id) as RequestNode).name
    if (name !== 'Get a user (mine)') expect(c.conflicts().map((x) => x.mine)).toContain('Get user (mine)')
  })
})

describe('F8: two devices updating from the same file while apart', () => {
  it('each change of the file lands once, and each new item once', () => {
    const file = { info: { _postman_id: 'c1', name: 'T', schema: V21 }, item: [{ id: 'r1', name: 'Get v1', request: { url: 'https://a.test/v1' }, event: [{ listen: 'test', script: { exec: ['pm.test(1)'] } }] }] }
    const a = imported(clone(file))
    const b = replicaOf(a)
    const newer = clone(file) as JsonObject & { item: JsonObject[] }
    newer.item[0]!.name = 'Get v2'
    ;(newer.item[0]!.request as JsonObject).url = 'https://a.test/v2'
    ;((newer.item[0]!.event as JsonObject[])[0]!.script as JsonObject).exec = ['pm.test(2)']
    newer.item.push({ id: 'r2', name: 'New', request: { url: 'https://n.test' } })
    updateFromPostman(a, clone(newer))
    updateFromPostman(b, clone(newer))
    sync(a, b)
    const got = a.tree().map((n) => [n.name, (n as RequestNode).url, (n as RequestNode).scripts[0]?.code])
    // [['Get v22', 'https://a.test/v22', 'pm.test(22)'], ['New', …], ['New', …]]
    expect(got).toEqual([['Get v2', 'https://a.test/v2', 'pm.test(2)'], ['New', 'https://n.test', undefined]])
  })
})

describe('F9: update cost', () => {
  // Measured (tsx, this machine): a reversed file of 500 requests 6.6 s, 1,000: 20 s, 2,000: 87 s;
  // the same file again for a 1,000-level folder chain: 13 s (one full read per level).
  it('putting 200 requests in the file\'s new order does not read the whole tree once per moved request', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, name: `R${i}`, request: { method: 'GET', url: `https://a.test/${i}` } }))
    const c = imported({ info: { _postman_id: 'c', name: 'P', schema: V21 }, item: items })
    const tree = vi.spyOn(c, 'tree')
    const get = vi.spyOn(c, 'get')
    updateFromPostman(c, { info: { _postman_id: 'c', name: 'P', schema: V21 }, item: [...items].reverse() })
    expect(c.tree()[0]!.name).toBe('R199')
    expect(tree.mock.calls.length + get.mock.calls.length).toBeLessThan(20) // today: ~400 full reads
  })
})

describe('F10: lone surrogates (valid JSON: "\\ud800")', () => {
  const text = `{"info":{"name":"P","schema":"${V21}"},"item":[{"id":"r1","name":"a\\ud800b","request":{"url":"https://x.test/","header":[{"key":"k","value":"v","\\ud800":1,"\\udbff":2}]}}]}`

  it('are refused, or every replica reads and exports the same', () => {
    const a = new Collection(new Y.Doc())
    const r = importPostman(a, JSON.parse(text))
    if (!r.ok) return
    const b = replicaOf(a)
    // a: "a\ud800b" and both keys; b: "a\ufffdb" and one key "\ufffd": 2.
    expect(clone(exportPostman(b, 'P'))).toEqual(clone(exportPostman(a, 'P')))
  })
})

describe('F11: what the file said survives an edit to another field', () => {
  const cases: [string, JsonObject, (item: JsonObject) => unknown][] = [
    ['method ""', { name: 'r', request: { method: '', url: 'https://h.test' } }, (i) => (i.request as JsonObject).method],
    ['method 5', { name: 'r', request: { method: 5, url: 'https://h.test' } }, (i) => (i.request as JsonObject).method],
    ['name 5', { name: 5, request: { url: 'https://h.test', description: 'd' } }, (i) => i.name],
    ['description 42', { name: 'r', request: { url: 'https://h.test', description: 42 } }, (i) => (i.request as JsonObject).description],
  ]
  for (const [what, item, pick] of cases) {
    it(`${what}: kept after the URL is edited and edited back`, () => {
      const c = imported({ info: { name: 'T', schema: V21 }, item: [clone(item)] })
      const id = c.tree()[0]!.id
      c.update(id, { url: 'https://h.test/x' })
      c.update(id, { url: 'https://h.test' })
      expect(pick((clone(exportPostman(c, 'T')).item as JsonObject[])[0]!)).toEqual(pick(item))
    })
  }

  it('collection "auth": null comes back as null, not { type: "noauth" }', () => {
    const c = imported({ info: { name: 'T', schema: V21 }, item: [], auth: null })
    expect(clone(exportPostman(c, 'T')).auth).toBeNull()
  })
})

describe('F12: a peer writing under a compact request\'s materializer client id', () => {
  it('cannot make the request vanish or differ between two honest devices', () => {
    const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { method: 'GET', url: 'https://a.test/', auth: { type: 'bearer', bearer: [{ key: 'token', value: 'secret' }] } } }] }
    const origin = imported(file)
    const [a, b, hostile] = [replicaOf(origin), replicaOf(origin), replicaOf(origin)]
    const map = [...(hostile.doc.getMap('items').values() as Iterable<Y.Map<unknown>>)][0]!
    const entry = map._map.get('postmanItem')!
    // The id every device will materialize with is known in advance: one write under it suffices.
    const own = hostile.doc.clientID
    hostile.doc.clientID = seedClient(`item:m1:${entry.id.client}.${entry.id.clock}`)
    hostile.doc.getMap('meta').set('junk', 1)
    hostile.doc.clientID = own
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(hostile.doc)) // a got it, b not yet
    const id = a.tree()[0]!.id
    a.update(id, { name: 'A' })
    b.update(id, { url: 'https://b.test/' })
    sync(a, b)
    // a: ['A', 'https:/ba.test/'], b: nothing ('field "auth" is not valid auth').
    expect(b.tree()).toHaveLength(1)
    expect(b.tree()).toEqual(a.tree())
  })
})

describe('F13: reads and exports are detached copies ("Reads return these (validated, detached copies)")', () => {
  it('mutating an export does not change what this device sends to a new device', () => {
    const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { url: 'https://a.test/' } }] }
    const a = imported(clone(file))
    const exported = exportPostman(a, 'P')
    ;(exported.item as JsonObject[])[0]!.name = 'changed in the export only'
    expect(requestOf(replicaOf(a))!.name).toBe('Req')
  })

  it('mutating a read does not change a later materialization', () => {
    const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { url: 'https://a.test/' }, variable: [{ key: 'k', value: 'v' }] }] }
    const a = imported(clone(file))
    const b = replicaOf(a)
    const node = a.tree()[0] as RequestNode
    ;(node.kept!.item as JsonObject).id = 'mutated'
    a.update(node.id, { name: 'x' })
    b.update(node.id, { name: 'x' })
    expect((a.tree()[0] as RequestNode).kept).toEqual((b.tree()[0] as RequestNode).kept)
  })
})

describe('F14: a "constructor" key, kept verbatim like any unknown field', () => {
  const others = [{ name: 'other 1', request: { url: 'https://o1.test' } }, { name: 'other 2', request: { url: 'https://o2.test' } }]

  it('on a request item: the import refuses the file or keeps it, never throws and never half-imports', () => {
    const c = new Collection(new Y.Doc())
    const f = { info: { name: 'T', schema: V21 }, item: [{ name: 'c', constructor: { prototype: { x: 1 } }, request: { url: 'https://h.test' } }, ...clone(others)] }
    let r: ReturnType<typeof importPostman> | undefined
    expect(() => (r = importPostman(c, f))).not.toThrow() // Error: Unexpected content type
    if (r && !r.ok) expect(c.doc.getMap('items').size).toBe(0) // today: 3 entries, 2 readable
    else expect(names(c)).toEqual(['c', 'other 1', 'other 2'])
  })

  for (const [where, item] of [
    ['a header row', { name: 'c', request: { url: 'https://h.test', header: [{ key: 'a', value: 'b', constructor: 1 }] } }],
    ['an event', { name: 'c', event: [{ listen: 'test', constructor: 'x', script: { exec: ['a'] } }], request: { url: 'https://h.test' } }],
  ] as const) {
    it(`on ${where}: the request's first edit works and the request stays, here and on other devices`, () => {
      const c = imported({ info: { name: 'T', schema: V21 }, item: [clone(item)] })
      const other = replicaOf(c)
      const id = c.tree()[0]!.id
      expect(() => c.update(id, { name: 'edited' })).not.toThrow() // Error: Unexpected content type, halfway through materializing
      Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(c.doc))
      expect(c.tree().map((n) => n.name)).toEqual(['edited']) // today: [] ("field \"bodyMode\" is not one of …")
      expect(other.tree().map((n) => n.name)).toEqual(['edited'])
    })
  }
})

describe('F15: a row list holding a non-object', () => {
  for (const [what, request] of [
    ['url.query: [null]', { url: { raw: 'https://x.test', query: [null] } }],
    ['url.variable: [null]', { url: { raw: 'https://x.test/:id', variable: [null] } }],
    ['body.urlencoded: [1]', { url: 'https://x.test', body: { mode: 'urlencoded', urlencoded: [1] } }],
  ] as const) {
    it(`${what}: refused with the item named, not a TypeError`, () => {
      const f = { info: { name: 'T', schema: V21 }, item: [{ name: 'Bad', request }] }
      let r: ReturnType<typeof importPostman> | undefined
      expect(() => (r = importPostman(new Collection(new Y.Doc()), f))).not.toThrow() // TypeError in importRow
      expect(r?.ok).toBe(false)
      if (r && !r.ok) expect(r.error.message).toContain('"Bad"')
    })
  }
})
