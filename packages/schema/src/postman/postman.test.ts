import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from '../collection.ts'
import fixture from '../fixtures/acme-store.postman_collection.json'
import type { FolderNode, Json, JsonObject, RequestNode } from '../model.ts'
import { seededRandom } from '../test-random.ts'
import { MAX_SCALAR_LENGTH } from '../validate.ts'
import { exportPostman, fromPostman, importPostman } from './index.ts'

const fresh = (seed: number): Collection => new Collection(new Y.Doc(), { random: seededRandom(seed) })
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T
const V21 = fixture.info.schema

/** Imports `file` into a fresh collection, syncs it to a second replica and returns that one. */
function importedAndSynced(file: unknown, seed = 1): { c: Collection; name: string } {
  const c = fresh(seed)
  const result = importPostman(c, file)
  if (!result.ok) throw new Error(result.error.message)
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(c.doc))
  return { c: new Collection(other), name: result.value.name }
}

const roundTrip = (file: unknown): JsonObject => {
  const { c, name } = importedAndSynced(file)
  return clone(exportPostman(c, name))
}

const collection = (item: Json[], extra: JsonObject = {}): JsonObject => ({ info: { name: 'T', schema: V21 }, item, ...extra })
const item = (request: Json, extra: JsonObject = {}): JsonObject => ({ name: 'r', request, ...extra })
const requestOf = (c: Collection, index = 0): RequestNode => c.tree()[index] as RequestNode

describe('Postman import reads what Ferry edits', () => {
  it('folders, nesting, bodies, auth and descriptions of a real export', () => {
    const { c, name } = importedAndSynced(fixture)
    expect(name).toBe('Acme Store API')
    const [authFolder, products, admin, health] = c.tree() as [FolderNode, FolderNode, FolderNode, RequestNode]
    expect(authFolder.auth).toEqual({ type: 'none' })
    expect(authFolder.children[0]).toMatchObject({
      name: 'Log in', method: 'POST', url: '{{baseUrl}}/auth/login', auth: { type: 'inherit' },
      headers: [{ key: 'Content-Type', value: 'application/json', enabled: true }],
      body: { mode: 'raw', language: 'json', raw: expect.stringContaining('"email": "ada@example.com"') },
    })
    expect(authFolder.children[0]!.scripts).toEqual([expect.objectContaining({ listen: 'test', code: expect.stringContaining('pm.') })])
    expect(products.children[0]).toMatchObject({ params: [{ key: 'page', value: '2' }, { key: 'limit', value: '50' }, { key: 'sort', value: '-price', enabled: false }] })
    expect((products.children[0] as RequestNode).examples).toHaveLength(1)
    expect((products.children[1] as RequestNode).pathVariables).toEqual([expect.objectContaining({ key: 'id' })])
    expect(admin.auth).toEqual({ type: 'apikey', key: 'api_key', value: '{{adminKey}}', in: 'query' })
    expect(health).toMatchObject({ auth: { type: 'none' }, url: 'https://status.acme.test/health' })
    expect(c.auth()).toEqual({ type: 'bearer', token: '{{token}}' })
    expect(c.kept().variables.map((v) => v.key)).toContain('baseUrl')
    expect(c.kept().scripts).toHaveLength(1)
  })

  it('schemes Ferry does not send keep every parameter, editable as one value', () => {
    const oauth2 = { type: 'oauth2', oauth2: [{ key: 'grant_type', value: 'client_credentials', type: 'string' }, { key: 'addTokenTo', value: 'header', type: 'string' }] }
    const { c } = importedAndSynced(collection([item({ method: 'GET', url: 'https://x.test', auth: oauth2 })]))
    expect(requestOf(c).auth).toEqual({ type: 'other', scheme: 'oauth2', params: oauth2.oauth2 })
  })
})

describe('Postman round trip keeps everything', () => {
  it('a real export comes back identical after import, sync and export', () => {
    expect(roundTrip(fixture)).toEqual(fixture)
  })

  it('keeps scripts, examples, variables, settings, proxy, certificate, ids and unknown fields at every level', () => {
    const everything = collection(
      [
        {
          name: 'F', id: 'folder-id', description: { content: 'folder', type: 'text/markdown' }, auth: { type: 'noauth' },
          event: [{ listen: 'prerequest', script: { id: 's1', type: 'text/javascript', exec: ['a()', '', 'b()'] }, disabled: true }],
          variable: [{ key: 'fv', value: 1, type: 'number', description: 'n' }],
          protocolProfileBehavior: { disableBodyPruning: true }, futureFolderField: { x: [1] },
          item: [
            item(
              {
                method: 'post', description: null, proxy: { host: 'proxy', port: 8080 }, certificate: { name: 'c', matches: ['*'] },
                header: [{ key: 'A', value: 'b', description: 'about a', type: 'text' }, { key: 'Off', value: 'x', disabled: true }],
                url: { raw: 'localhost:{{port}}/a//b/?flag&x=1#frag', host: ['localhost'], port: '{{port}}', path: ['a', '', 'b', ''], query: [{ key: 'flag', value: null }, { key: 'x', value: '1', description: 'the x' }], hash: 'frag', variable: [{ key: 'id', value: '7', description: 'user id' }] },
                body: { mode: 'formdata', formdata: [{ key: 'f', type: 'file', src: '/tmp/a.png' }, { key: 't', value: 'v', type: 'text', contentType: 'text/plain' }], disabled: true, options: { formdata: {} } },
                auth: { type: 'awsv4', awsv4: [{ key: 'region', value: 'eu', type: 'string' }, { key: 'service', value: 's3', type: 'string' }] },
              },
              { id: 'item-id', response: [{ name: 'ok', code: 200, body: '{}', originalRequest: { method: 'GET', url: 'x' } }], event: [{ listen: 'test', script: { exec: 'one string' } }], variable: [{ key: 'iv', value: 'x' }], protocolProfileBehavior: { followRedirects: false }, futureItemField: true },
            ),
            item({ method: 'POST', url: 'https://x.test', body: { mode: 'graphql', graphql: { query: '{ me }', variables: '{"a":1}' } } }),
            item({ method: 'PUT', url: 'https://x.test', body: { mode: 'file', file: { src: '/tmp/x' } } }),
          ],
        },
      ],
      { event: [{ listen: 'test', script: { exec: [] } }], variable: [{ key: 'baseUrl', value: 'https://api.test', id: 'v1' }], protocolProfileBehavior: { strictSSL: false }, futureTopField: 'kept' },
    )
    ;(everything.info as JsonObject)._postman_id = 'pm-1'
    ;(everything.info as JsonObject).description = { content: 'top', type: 'text/plain', version: '1' }
    expect(roundTrip(everything)).toEqual(everything)
  })

  it('reads v2.0 URL objects without raw, string URLs and string requests, and writes them back', () => {
    const v20 = {
      info: { name: 'old', schema: 'https://schema.getpostman.com/json/collection/v2.0.0/collection.json' },
      item: [item({ method: 'GET', url: { protocol: 'https', host: ['api', 'test'], path: ['v1', 'users'], query: [{ key: 'q', value: 'x' }] } }), item('https://x.test/a?b=1'), item({ method: 'GET', url: 'https://x.test/b?c' })],
    }
    const { c } = importedAndSynced(v20)
    expect(c.tree().map((n) => (n as RequestNode).url)).toEqual(['https://api.test/v1/users?q=x', 'https://x.test/a?b=1', 'https://x.test/b?c'])
    expect(requestOf(c, 2).params).toEqual([expect.objectContaining({ key: 'c', value: '' })])
    const out = roundTrip(v20)
    expect((out.item as JsonObject[])[0]!.request).toEqual(v20.item[0]!.request)
    expect(((out.item as JsonObject[])[2]!.request as JsonObject).url).toBe('https://x.test/b?c')
  })
})

describe('an edit shows in the export, and nothing else changes', () => {
  it('an edited URL is split the way Postman splits it; given parts are not re-derived otherwise', () => {
    const file = collection([item({ method: 'GET', url: { raw: 'https://a.test/x', protocol: 'https', host: ['a', 'test'], path: ['x'], variable: [{ key: 'k', value: 'v' }] } })])
    const { c, name } = importedAndSynced(file)
    const id = requestOf(c).id
    c.update(id, { url: 'https://user:pw@[::1]:8080/a//b/?flag#top' })
    const url = ((clone(exportPostman(c, name)).item as JsonObject[])[0]!.request as JsonObject).url
    expect(url).toEqual({ raw: 'https://user:pw@[::1]:8080/a//b/?flag#top', protocol: 'https', host: ['[::1]'], port: '8080', path: ['a', '', 'b', ''], hash: 'top', variable: [{ key: 'k', value: 'v' }] })
  })

  it('a token edit keeps the scheme\'s other parameters and their types', () => {
    const bearer = { type: 'bearer', bearer: [{ key: 'token', value: 'old', type: 'string' }, { key: 'extra', value: true, type: 'boolean' }] }
    const file = collection([item({ method: 'GET', url: 'https://x.test', auth: bearer })])
    const { c, name } = importedAndSynced(file)
    c.update(requestOf(c).id, { auth: { type: 'bearer', token: 'new' } })
    const out = clone(exportPostman(c, name))
    const expected = clone(file)
    ;((expected.item as JsonObject[])[0]!.request as JsonObject).auth = { type: 'bearer', bearer: [{ key: 'token', value: 'new', type: 'string' }, { key: 'extra', value: true, type: 'boolean' }] }
    expect(out).toEqual(expected)
  })

  it('script, variable and name edits merge from two replicas and export both', () => {
    const { c, name } = importedAndSynced(fixture)
    const other = new Collection(new Y.Doc())
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(c.doc))
    const login = (c.tree()[0] as FolderNode).children[0]!
    c.scripts(login.id)!.text('test').insert(0, '// mine\n')
    other.scripts(login.id)!.text('test').insert(other.scripts(login.id)!.text('test').length, '\n// theirs')
    other.variables(null)!.update(0, { value: 'https://staging.acme.test' })
    Y.applyUpdate(c.doc, Y.encodeStateAsUpdate(other.doc))
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(c.doc))
    const out = clone(exportPostman(c, name))
    expect(out).toEqual(clone(exportPostman(other, name)))
    const exec = (((out.item as JsonObject[])[0]!.item as JsonObject[])[0]!.event as JsonObject[])[0]!.script as JsonObject
    expect((exec.exec as string[])[0]).toBe('// mine')
    expect((exec.exec as string[]).at(-1)).toBe('// theirs')
    expect((out.variable as JsonObject[])[0]!.value).toBe('https://staging.acme.test')
  })
})

describe('import is an import, not an overwrite', () => {
  it('into a collection that has content, the file becomes a folder; the collection keeps its auth and description', () => {
    const c = fresh(5)
    c.setAuth({ type: 'basic', username: 'me', password: 'pw' })
    c.description.insert(0, 'mine')
    const result = importPostman(c, fixture)
    expect(result.ok && result.value.asFolder).toBe(true)
    expect(c.auth()).toEqual({ type: 'basic', username: 'me', password: 'pw' })
    expect(c.description.toString()).toBe('mine')
    const folder = c.tree()[0] as FolderNode
    expect(folder).toMatchObject({ name: 'Acme Store API', auth: { type: 'bearer', token: '{{token}}' } })
    expect(folder.description).toContain('Public and admin endpoints')
    expect(folder.variables.map((v) => v.key)).toContain('baseUrl')
    expect(folder.children).toHaveLength(4)
  })
})

describe('bad and big input: a clear message, nothing imported', () => {
  const refused = (file: unknown): { code: string; message: string; issues?: { path: string; item: string }[] } => {
    const c = fresh(6)
    const result = importPostman(c, file)
    expect(result.ok).toBe(false)
    expect(c.isEmpty()).toBe(true)
    return result.ok ? { code: '', message: '' } : result.error
  }

  it('names what the file is when it is not a v2 collection', () => {
    expect(refused({ id: 'x', name: 'n', requests: [], order: [] }).message).toMatch(/Collection v1/)
    expect(refused({ name: 'env', values: [] }).message).toMatch(/environment/)
    expect(refused({ info: { name: 'x', schema: 'https://schema.getpostman.com/json/collection/v3.0.0/' }, item: [] }).message).toMatch(/v2\.0 and v2\.1/)
    for (const input of [null, 'text', [], 42]) expect(refused(input).code).toBe('not_postman_collection')
  })

  it('a file without info (which newman runs) imports', () => {
    const { c } = importedAndSynced({ item: [item('https://x.test')] })
    expect(requestOf(c).url).toBe('https://x.test')
  })

  it('a wrong type anywhere refuses the whole file, naming the item and the path', () => {
    const error = refused(collection([{ name: 'Users', item: [item({ method: 'GET', url: 'x', header: 5 }, { name: 'Create user' })] }, item({ url: 'y', body: 'text' })]))
    expect(error.code).toBe('invalid_collection')
    expect(error.issues).toEqual([
      { path: 'item/0/item/0/request/header', item: 'Users / Create user', message: expect.stringContaining('list') },
      { path: 'item/1/request/body', item: 'r', message: expect.stringContaining('object') },
    ])
    expect(error.message).toContain('Users / Create user')
  })

  it('a value over the size limit is refused at import with the item named, not dropped later', () => {
    const error = refused(collection([item({ method: 'POST', url: 'x', body: { mode: 'raw', raw: 'x'.repeat(MAX_SCALAR_LENGTH + 1) } }, { name: 'Upload' })]))
    expect(error.issues).toEqual([expect.objectContaining({ item: 'Upload', path: 'item/0/request/body/raw' })])
  })

  it('a 200-level folder chain imports whole and exports whole', () => {
    let deep: JsonObject = item({ method: 'GET', url: 'https://x.test/leaf' }, { name: 'leaf' })
    for (let i = 0; i < 200; i++) deep = { name: `f${i}`, item: [deep] }
    const file = collection([deep])
    const { c } = importedAndSynced(file)
    let node = c.tree()[0]!
    let depth = 0
    while (node.kind === 'folder') [node, depth] = [node.children[0]!, depth + 1]
    expect([depth, node.name]).toEqual([200, 'leaf'])
    expect(roundTrip(file)).toEqual(file)
  })

  it('a deeper chain than Ferry allows is refused as a whole, with the reason', () => {
    let deep: JsonObject = item('https://x.test/leaf')
    for (let i = 0; i < 1001; i++) deep = { name: `f${i}`, item: [deep] }
    expect(refused(collection([deep])).message).toMatch(/nested deeper than 1000/)
  })

  it('never throws on hostile shapes', () => {
    for (const bad of [{ item: [null] }, { item: [{ item: 'x' }] }, collection([item({ url: { query: 'a=b' } })]), collection([item({ auth: { type: 5 } })]), collection([item({ url: 'x' }, { event: [1] })])]) {
      expect(fromPostman(bad).ok).toBe(false)
    }
  })
})
