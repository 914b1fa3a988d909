/**
 * Findings of the attack review of issue 13 ("Postman, losslessly") and compact requests
 * (schema 3) that are fixed, kept as regression tests. F1, F2, F3, F10, F11, F13, F14, F15:
 * F4–F9 are in postman/update-attacks.test.ts; F12 is a known limit (docs/decisions.md).
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import type { JsonObject, RequestNode } from './model.ts'
import { exportPostman, importPostman } from './postman/index.ts'
import { parsePostmanText, readPostmanJson } from './postman/files.ts'
import { seedClient } from './text/seed.ts'
import { V21, allNodes, clone, imported, replicaOf, sync } from './postman/test-postman.ts'


const names = (c: Collection): string[] => allNodes(c).map((n) => n.name)
const requestOf = (c: Collection): RequestNode | undefined => allNodes(c).find((n): n is RequestNode => n.kind === 'request')

describe('F1: a "__proto__" key anywhere in a file', () => {
  it('is refused with the item and the key named, nothing imported (JSON.parse makes it a key; an assignment would make it a prototype)', () => {
    const text = `{"info":{"name":"P","schema":"${V21}"},"item":[{"id":"r1","name":"n","__proto__":{"request":{"method":"DELETE","url":"https://evil.test/"}}}]}`
    const c = new Collection(new Y.Doc())
    const r = importPostman(c, JSON.parse(text))
    expect(r.ok ? r : r.error).toMatchObject({ code: 'invalid_collection', issues: [{ item: 'n', path: 'item/0/__proto__', message: expect.stringContaining('__proto__') }] })
    expect(c.doc.getMap('items').size).toBe(0)
  })

  it('in a row or a kept field too', () => {
    const text = `{"info":{"name":"P","schema":"${V21}"},"item":[{"name":"n","request":{"url":"https://good.test/","header":[{"key":"a","value":"b","__proto__":{"x":1}}]}}]}`
    const r = importPostman(new Collection(new Y.Doc()), JSON.parse(text))
    expect(r.ok ? r : r.error).toMatchObject({ issues: [{ item: 'n', path: 'item/0/request/header/0/__proto__' }] })
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
describe('F12: a peer writing under a compact request\'s materializer client id (known limit, docs/decisions.md)', () => {
  const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { method: 'GET', url: 'https://a.test/', auth: { type: 'bearer', bearer: [{ key: 'token', value: 'secret' }] } } }] }
  function hijacked(): [Collection, Collection] {
    const origin = imported(file)
    const [a, b, hostile] = [replicaOf(origin), replicaOf(origin), replicaOf(origin)]
    const map = [...(hostile.doc.getMap('items').values() as Iterable<Y.Map<unknown>>)][0]!
    const entry = map._map.get('postmanItem')!
    const own = hostile.doc.clientID
    hostile.doc.clientID = seedClient(`item:m1:${entry.id.client}.${entry.id.clock}`)
    hostile.doc.getMap('meta').set('junk', 1)
    hostile.doc.clientID = own
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(hostile.doc)) // a got it, b not yet
    return [a, b]
  }

  it('the device that saw the write materializes as itself: its request stays whole, with its edit', () => {
    const [a] = hijacked()
    const id = a.tree()[0]!.id
    a.update(id, { name: 'A' })
    expect(a.tree()[0]).toMatchObject({ name: 'A', url: 'https://a.test/', auth: { type: 'bearer', token: 'secret' } })
  })

  // Known limit: a device that did not see the write materializes under the same id, and the
  // two then hold different structs under one id. Needs write access to the owner's doc (a
  // compromised device of the owner); the v1 text seeds share it. Kept as a failing record.
  it.fails('two honest devices still converge (they do not: see the comment)', () => {
    const [a, b] = hijacked()
    const id = a.tree()[0]!.id
    a.update(id, { name: 'A' })
    b.update(id, { url: 'https://b.test/' })
    sync(a, b)
    expect(b.tree()).toEqual(a.tree())
  })
})

describe('F13: reads and exports are detached from the doc', () => {
  it('mutating an export does not change what this device sends to a new device', () => {
    const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { url: 'https://a.test/' } }] }
    const a = imported(clone(file))
    const exported = exportPostman(a, 'P')
    ;(exported.item as JsonObject[])[0]!.name = 'changed in the export only'
    expect(requestOf(replicaOf(a))!.name).toBe('Req')
    expect(requestOf(a)!.name).toBe('Req')
  })

  it('what an import kept is frozen in reads: it cannot be changed, so a later materialization is the same everywhere', () => {
    const file = { info: { name: 'P', schema: V21 }, item: [{ id: 'r1', name: 'Req', request: { url: 'https://a.test/' }, variable: [{ key: 'k', value: 'v' }] }] }
    const a = imported(clone(file))
    const b = replicaOf(a)
    const node = a.tree()[0] as RequestNode
    expect(() => ((node.kept!.item as JsonObject).id = 'mutated')).toThrow(TypeError)
    a.update(node.id, { name: 'x' })
    b.update(node.id, { name: 'x' })
    expect((a.tree()[0] as RequestNode).kept).toEqual((b.tree()[0] as RequestNode).kept)
  })
})

