/**
 * Docs written by schema v1 (strings where v2 has texts) open in v2 without losing a byte,
 * upgrade in place when edited, and converge when devices upgrade and edit concurrently —
 * including edits made meanwhile by devices still on v1. The fixtures were written by the v1
 * release itself (fixtures/v1/docs.json) and are never regenerated.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { Environments } from './environments.ts'
import { SchemaError } from './errors.ts'
import type { FolderNode, RequestNode } from './model.ts'
import { SCHEMA_VERSION, schemaVersion } from './schema-version.ts'
import { syncDocs } from './test-sync.ts'
import { WorkspaceIndex } from './workspace.ts'
import v1 from './fixtures/v1/docs.json'

const fixtures: Record<'collection' | 'workspace' | 'environments', string> = v1

function open(kind: keyof typeof fixtures, clientID: number): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = clientID
  Y.applyUpdate(doc, Uint8Array.from(atob(fixtures[kind]), (c) => c.charCodeAt(0)))
  return doc
}

const requestNamed = (c: Collection, name: string): RequestNode => {
  const stack = [...c.tree()]
  while (stack.length > 0) {
    const n = stack.pop()!
    if (n.kind === 'request' && n.name === name) return n
    if (n.kind === 'folder') stack.push(...n.children)
  }
  throw new Error(`no request ${name}`)
}

describe('v1 documents', () => {
  it('read in full: every name, URL, row, auth and text the v1 release wrote', () => {
    const c = new Collection(open('collection', 1))
    expect(schemaVersion(c.doc)).toBe(1)
    expect(c.auth()).toEqual({ type: 'bearer', token: '{{token}}' })
    expect(c.description.toString()).toBe('Acme store API')
    const [users, upload, empty] = c.tree() as [FolderNode, RequestNode, FolderNode]
    expect(users).toMatchObject({ kind: 'folder', name: 'Users (v1)', auth: { type: 'basic', username: 'admin', password: 's3cret' } })
    expect(users.children.map((n) => n.name)).toEqual(['List users', 'Create user'])
    expect(users.children[0]).toMatchObject({
      method: 'GET', url: 'https://api.test/users',
      headers: [{ key: 'Accept', value: 'application/json', enabled: true }],
      params: [{ key: 'page', value: '1', enabled: true }, { key: 'debug', value: 'true', enabled: false }],
    })
    expect(users.children[1]).toMatchObject({
      method: 'POST', description: 'Creates one', auth: { type: 'apikey', key: 'X-Key', value: 'k-123', in: 'header' },
      body: { mode: 'raw', raw: '{"name":"Ada"}', language: 'json' },
    })
    expect(upload).toMatchObject({ name: 'Upload', method: 'PUT', url: '{{base}}/files', body: { mode: 'formdata', fields: [{ key: 'title', value: 'Report', enabled: true }] } })
    expect(empty).toMatchObject({ kind: 'folder', name: 'Empty', children: [] })

    const index = new WorkspaceIndex(open('workspace', 2))
    expect(index.collections().map((x) => x.name)).toEqual(['Acme store', 'Second'])
    expect(index.headerPresets()).toMatchObject([{ name: 'JSON API', headers: [{ key: 'Content-Type', value: 'application/json', enabled: true }] }])

    const envs = new Environments(open('environments', 3))
    expect(envs.list()).toMatchObject([{ name: 'Staging', variables: [{ key: 'base', value: 'ciphertext-1', secret: false }, { key: 'token', value: 'ciphertext-2', secret: true }] }])
    expect(envs.globals.list()).toMatchObject([{ key: 'region', value: 'ciphertext-3', enabled: true }])
  })

  it('reading changes nothing; the first edit stamps the schema version', () => {
    const doc = open('collection', 1)
    const before = Y.encodeStateVector(doc)
    const c = new Collection(doc)
    c.tree()
    c.auth()
    expect(Y.encodeStateVector(doc)).toEqual(before)
    c.update(requestNamed(c, 'List users').id, { name: 'List all users' })
    expect(schemaVersion(doc)).toBe(SCHEMA_VERSION)
    expect(requestNamed(c, 'List all users').url).toBe('https://api.test/users')
  })

  it('two devices that upgrade and edit the same fields apart keep both edits', () => {
    const [a, b] = [new Collection(open('collection', 11)), new Collection(open('collection', 12))]
    const [ia, ib] = [new WorkspaceIndex(open('workspace', 11)), new WorkspaceIndex(open('workspace', 12))]
    const [ea, eb] = [new Environments(open('environments', 11)), new Environments(open('environments', 12))]
    const list = (c: Collection) => requestNamed(c, 'List users').id
    const folder = (c: Collection) => c.tree()[0]!.id
    // Device A: a keystroke-level edit through the live text; device B: whole-value setters.
    a.text(list(a), 'url')!.insert('https://api.test/'.length, 'v2/')
    b.update(list(b), { url: 'https://api.test/users?page=2' })
    a.list(list(a), 'headers')!.text(0, 'value')!.insert('application/json'.length, '; charset=utf-8')
    b.list(list(b), 'headers')!.update(0, { value: 'application/problem+json' })
    a.authText(folder(a), 'username')!.insert(0, 'super')
    b.update(folder(b), { auth: { type: 'basic', username: 'admin2', password: 's3cret' } })
    a.setAuth({ type: 'bearer', token: '{{token}}-a' })
    b.authText(null, 'token')!.insert(0, 'B ')
    const acme = (i: WorkspaceIndex) => i.collections()[0]!.id
    ia.renameCollection(acme(ia), 'Acme store (prod)')
    ib.collectionName(acme(ib))!.insert(0, 'The ')
    const staging = (e: Environments) => e.list()[0]!.id
    const base = (e: Environments) => e.list()[0]!.variables[0]!.id
    ea.variables(staging(ea))!.update(base(ea), { key: 'baseUrl' })
    eb.variables(staging(eb))!.keyText(base(eb))!.insert(0, 'api_')
    eb.rename(staging(eb), 'Staging EU')

    syncDocs(a.doc, b.doc)
    syncDocs(ia.doc, ib.doc)
    syncDocs(ea.doc, eb.doc)
    for (const c of [a, b]) {
      const r = requestNamed(c, 'List users')
      expect(r.url).toBe('https://api.test/v2/users?page=2')
      expect(r.headers[0]!.value).toBe('application/problem+json; charset=utf-8')
      expect((c.get(folder(c)) as FolderNode).auth).toEqual({ type: 'basic', username: 'superadmin2', password: 's3cret' })
      expect(c.auth()).toEqual({ type: 'bearer', token: 'B {{token}}-a' })
      expect(c.conflicts()).toEqual([])
    }
    for (const i of [ia, ib]) expect(i.collections()[0]!.name).toBe('The Acme store (prod)')
    for (const e of [ea, eb]) expect(e.list()[0]).toMatchObject({ name: 'Staging EU', variables: [{ key: 'api_baseUrl' }, { key: 'token' }] })
    expect(Y.encodeStateAsUpdate(a.doc)).toEqual(Y.encodeStateAsUpdate(b.doc))
  })

  it('a write by a device still on v1 shows, and v2 edits it overwrote become a conflict to resolve', () => {
    const [a, old] = [new Collection(open('collection', 21)), open('collection', 22)]
    const id = requestNamed(a, 'List users').id
    a.text(id, 'url')!.insert('https://api.test/'.length, 'v2/')
    // The v1 release set whole strings on the item map.
    ;(old.getMap('items').get(id) as Y.Map<unknown>).set('url', 'https://api.test/people')
    syncDocs(a.doc, old)
    expect(a.get(id)).toMatchObject({ url: 'https://api.test/people' })
    const [conflict] = a.conflicts()
    expect(conflict).toMatchObject({ kind: 'text', field: 'url', mine: 'https://api.test/v2/users', theirs: 'https://api.test/people' })
    expect(a.resolveConflict(conflict!.id, 'mine')).toBe(true)
    expect(a.get(id)).toMatchObject({ url: 'https://api.test/v2/users' })
    expect(a.conflicts()).toEqual([])
  })

  it('a v1 write over a field no v2 device edited is simply the new value', () => {
    const [a, old] = [new Collection(open('collection', 31)), open('collection', 32)]
    const id = requestNamed(a, 'List users').id
    a.update(id, { method: 'DELETE' })
    ;(old.getMap('items').get(id) as Y.Map<unknown>).set('name', 'Users list')
    syncDocs(a.doc, old)
    expect(a.get(id)).toMatchObject({ name: 'Users list', method: 'DELETE' })
    expect(a.conflicts()).toEqual([])
  })
})

describe('a doc written by a newer schema', () => {
  it('reads, and refuses every write with newer_schema', () => {
    const doc = open('collection', 41)
    doc.getMap('meta').set('schema', SCHEMA_VERSION + 1)
    const c = new Collection(doc)
    expect(c.writable()).toBe(false)
    expect(requestNamed(c, 'List users').url).toBe('https://api.test/users')
    const before = Y.encodeStateVector(doc)
    const id = requestNamed(c, 'List users').id
    for (const write of [() => c.update(id, { url: 'x' }), () => c.add({ kind: 'request' }), () => c.remove(id), () => c.text(id, 'url'), () => c.list(id, 'headers')!.update(0, { key: 'x' })]) {
      expect(write).toThrow(SchemaError)
    }
    expect(Y.encodeStateVector(doc)).toEqual(before)
  })

  it('a body language a newer Ferry added reads as text; the request stays', () => {
    const c = new Collection(open('collection', 42))
    const id = requestNamed(c, 'Create user').id
    ;(c.doc.getMap('items').get(id) as Y.Map<unknown>).set('bodyLanguage', 'protobuf-text')
    expect(requestNamed(c, 'Create user')).toMatchObject({ body: { language: 'text', raw: '{"name":"Ada"}' } })
    c.update(id, { bodyLanguage: 'graphql' })
    expect(requestNamed(c, 'Create user').body.language).toBe('graphql')
  })
})
