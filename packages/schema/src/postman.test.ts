import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import fixture from './fixtures/acme-store.postman_collection.json'
import type { FolderNode, RequestNode, TreeNode } from './model.ts'
import { exportPostman, importPostman } from './postman.ts'
import { fromPostman, MAX_POSTMAN_DEPTH } from './postman-import.ts'
import { seededRandom } from './test-random.ts'

type Json = Record<string, unknown>

// An independent projection of a Postman file onto what Ferry models, written against the
// format (not against the importer) so the round trip cannot agree with itself by accident.
const desc = (d: unknown): string => (typeof d === 'object' && d !== null ? String((d as Json).content ?? '') : String(d ?? ''))
const auth = (a: unknown): unknown => {
  if (!a) return null
  const { type, ...rest } = a as Json
  const params = (rest[type as string] ?? []) as Json[]
  return { type, params: Object.fromEntries(params.map((p) => [p.key, p.value])) }
}
const kv = (rows: unknown): unknown[] =>
  ((rows ?? []) as Json[]).filter((r) => r.type !== 'file').map((r) => ({ key: r.key, value: r.value ?? '', disabled: r.disabled === true }))
const body = (b: unknown): unknown => {
  const x = b as Json | undefined
  if (!x?.mode) return null
  if (x.mode === 'raw') return { mode: 'raw', raw: x.raw, language: ((x.options as Json | undefined)?.raw as Json | undefined)?.language ?? 'text' }
  return { mode: x.mode, fields: kv(x[x.mode as string]) }
}
const project = (items: unknown): unknown[] =>
  (items as Json[]).map((i) => {
    if (Array.isArray(i.item)) return { name: i.name, description: desc(i.description), auth: auth(i.auth), item: project(i.item) }
    const r = i.request as Json
    const url = r.url as Json
    return { name: i.name, method: r.method, url: url.raw, query: kv(url.query), header: kv(r.header), body: body(r.body), auth: auth(r.auth), description: desc(r.description) }
  })
const projectCollection = (c: unknown): unknown => {
  const x = c as Json
  const info = x.info as Json
  return { name: info.name, description: desc(info.description), auth: auth(x.auth), item: project(x.item) }
}

/** A snapshot without ids and order keys (which differ between imports by design). */
const shape = (nodes: TreeNode[]): unknown[] =>
  nodes.map((n) => {
    const { id: _, parentId: __, order: ___, ...rest } = n
    return n.kind === 'folder' ? { ...rest, children: shape(n.children) } : rest
  })

const fresh = (seed: number): Collection => new Collection(new Y.Doc(), { random: seededRandom(seed) })

function imported(seed = 1): { c: Collection; name: string; problems: { code: string; path: string }[] } {
  const c = fresh(seed)
  const result = importPostman(c, fixture)
  if (!result.ok) throw new Error(result.error.message)
  return { c, name: result.value.name, problems: result.value.problems }
}

describe('Postman import', () => {
  it('reads folders, nesting, bodies, auth and descriptions of a real export', () => {
    const { c, name } = imported()
    expect(name).toBe('Acme Store API')
    const tree = c.tree()
    expect(tree.map((n) => n.name)).toEqual(['Auth', 'Products', 'Admin', 'Health check'])
    const [authFolder, products, admin, health] = tree as [FolderNode, FolderNode, FolderNode, RequestNode]
    expect(authFolder.auth).toEqual({ type: 'none' })
    expect(authFolder.children[0]).toMatchObject({
      name: 'Log in', method: 'POST', url: '{{baseUrl}}/auth/login', auth: { type: 'inherit' },
      headers: [{ key: 'Content-Type', value: 'application/json', enabled: true }],
      body: { mode: 'raw', language: 'json', raw: expect.stringContaining('"email": "ada@example.com"') },
      description: 'Exchanges email and password for an access token.',
    })
    expect(authFolder.children[1]).toMatchObject({ body: { mode: 'urlencoded', fields: [{ key: 'grant_type' }, { key: 'refresh_token' }, { key: 'scope', enabled: false }] } })
    expect(products.children[0]).toMatchObject({
      params: [{ key: 'page', value: '2', enabled: true }, { key: 'limit', value: '50', enabled: true }, { key: 'sort', value: '-price', enabled: false }],
    })
    const reviews = products.children[2] as FolderNode
    expect(reviews.children[0]).toMatchObject({
      auth: { type: 'basic', username: 'reviewer', password: '{{reviewerPassword}}' },
      body: { mode: 'formdata', fields: [{ key: 'rating', value: '5' }, { key: 'comment', value: 'Sturdy & cheap' }] },
    })
    expect(reviews.children[1]).toMatchObject({ method: 'DELETE', auth: { type: 'apikey', key: 'X-Moderator-Key', value: '{{moderatorKey}}', in: 'header' } })
    expect(admin.auth).toEqual({ type: 'apikey', key: 'api_key', value: '{{adminKey}}', in: 'query' })
    expect((admin.children[0] as FolderNode).description).toBe('Finance reports.')
    expect((admin.children[0] as FolderNode).children[0]).toMatchObject({ description: 'Quarterly **sales** as CSV.', body: { mode: 'raw', language: 'xml' } })
    expect(health).toMatchObject({ auth: { type: 'none' }, url: 'https://status.acme.test/health' })
    expect(c.auth()).toEqual({ type: 'bearer', token: '{{token}}' })
    expect(c.description.toString()).toContain('Public and admin endpoints')
  })

  it('reports what it does not import', () => {
    const { problems } = imported()
    expect(problems.map((p) => p.path).sort()).toEqual([
      'event',
      'item/0/item/0/event',
      'item/1/item/0/protocolProfileBehavior',
      'item/1/item/0/response',
      'item/1/item/1/request/url/variable',
      'item/1/item/2/item/0/request/body/formdata/2',
      'variable',
    ])
    expect(problems.every((p) => p.code === 'ignored')).toBe(true)
  })

  it('refuses what is not a Postman v2 collection, with a code', () => {
    for (const input of [null, 'text', [], { info: { name: 'x' }, item: [] }, { info: { schema: 'https://schema.getpostman.com/json/collection/v1.0.0/collection.json' }, item: [] }]) {
      expect(fromPostman(input)).toEqual({ ok: false, error: expect.objectContaining({ code: 'not_postman_collection' }) })
    }
  })

  it('skips malformed items and over-deep nesting without throwing', () => {
    let deep: Json = { name: 'leaf', request: 'https://x.test' }
    for (let i = 0; i < MAX_POSTMAN_DEPTH + 5; i++) deep = { name: `f${i}`, item: [deep] }
    const result = fromPostman({ info: { name: 'x', schema: fixture.info.schema }, item: [42, { name: 'nothing' }, { name: 'short', request: 'https://x.test/a' }, deep] })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.items[0]).toMatchObject({ kind: 'request', method: 'GET', url: 'https://x.test/a' })
    expect(result.value.items[1]).toMatchObject({ kind: 'folder', name: `f${MAX_POSTMAN_DEPTH + 4}` })
    expect(result.value.problems.map((p) => p.code)).toEqual(['malformed_item', 'malformed_item', 'malformed_item'])
  })
})

describe('Postman round trip', () => {
  it('import → export keeps every part Ferry models', () => {
    const { c, name } = imported()
    const exported = exportPostman(c, name)
    expect(projectCollection(JSON.parse(JSON.stringify(exported)))).toEqual(projectCollection(fixture))
  })

  it('import → export → import gives the same tree', () => {
    const { c, name } = imported(2)
    const again = fresh(3)
    const result = importPostman(again, JSON.parse(JSON.stringify(exportPostman(c, name, 'abc'))))
    expect(result.ok && result.value.problems).toEqual([])
    expect(shape(again.tree())).toEqual(shape(c.tree()))
    expect(again.snapshot().auth).toEqual(c.snapshot().auth)
    expect(again.description.toString()).toBe(c.description.toString())
  })

  it('exports URLs split the way Postman writes them', () => {
    const c = fresh(4)
    c.add({ kind: 'request', name: 'r', url: 'https://admin.acme.test:8443/v2/reports?x=1', params: [{ key: 'x', value: '1' }] })
    const request = exportPostman(c, 'n').item[0] as { request: { url: unknown } }
    expect(request.request.url).toEqual({
      raw: 'https://admin.acme.test:8443/v2/reports?x=1', protocol: 'https', host: ['admin', 'acme', 'test'], port: '8443', path: ['v2', 'reports'],
      query: [{ key: 'x', value: '1' }],
    })
  })
})
