import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from '../collection.ts'
import { syncDocs } from '../test-sync.ts'
import { diffCollections, summarize } from './diff.ts'
import { restoreCollection } from './restore.ts'

/** A copy of `doc`'s state as a separate doc: what a version's bytes build. */
const versionOf = (doc: Y.Doc): Y.Doc => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}
/** A collection as read, without order keys (a restore puts items back in order under new keys). */
const read = (doc: Y.Doc): unknown => JSON.parse(JSON.stringify(new Collection(doc).snapshot(), (key, value: unknown) => (key === 'order' ? undefined : value)))

function seeded() {
  const doc = new Y.Doc()
  const c = new Collection(doc)
  const folder = c.add({ kind: 'folder', name: 'Users' })
  const list = c.add({ kind: 'request', name: 'List', url: 'https://api.test/users', headers: [{ key: 'Accept', value: 'json' }] }, { parentId: folder })
  const get = c.add({ kind: 'request', name: 'Get', method: 'GET', url: 'https://api.test/users/1', body: { mode: 'raw', raw: '{"a":1}' } }, { parentId: folder })
  c.description.insert(0, 'The API')
  return { doc, c, folder, list, get }
}

describe('diffCollections', () => {
  it('names added, removed and changed items and the fields that changed', () => {
    const { doc, c, list, get } = seeded()
    const before = versionOf(doc)
    c.update(get, { method: 'PUT', url: 'https://api.test/users/2' })
    c.list(list, 'headers')!.replace([{ key: 'Accept', value: 'xml' }])
    c.remove(list)
    const added = c.add({ kind: 'request', name: 'Ping' })
    c.description.insert(0, 'New: ')
    const diff = diffCollections(before, doc)
    expect(diff.collection).toEqual(['description'])
    expect(diff.items).toEqual([
      { id: added, kind: 'request', name: 'Ping', change: 'added', fields: [] },
      { id: get, kind: 'request', name: 'Get', change: 'changed', fields: ['method', 'url'] },
      { id: list, kind: 'request', name: 'List', change: 'removed', fields: [] },
    ])
    expect(summarize(diff)).toEqual({ added: 1, removed: 1, changed: 2 })
  })

  it('does not count a request as moved because one was added before it', () => {
    const { doc, c, folder, list } = seeded()
    const before = versionOf(doc)
    c.add({ kind: 'request', name: 'First' }, { parentId: folder, index: 0 })
    c.move(list, { parentId: null })
    const diff = diffCollections(before, doc)
    expect(diff.items.filter((i) => i.change === 'changed')).toEqual([{ id: list, kind: 'request', name: 'List', change: 'changed', fields: ['position'] }])
  })

  it('finds nothing between equal states', () => {
    const { doc } = seeded()
    expect(summarize(diffCollections(versionOf(doc), doc))).toEqual({ added: 0, removed: 0, changed: 0 })
  })
})

describe('restoreCollection', () => {
  it('makes the whole collection read as the version, as new edits', () => {
    const { doc, c, folder, list, get } = seeded()
    const version = versionOf(doc)
    const expected = read(doc)
    c.update(get, { name: 'Get one', method: 'DELETE' })
    setBody(c, get, '{"b":2}')
    c.remove(folder)
    c.add({ kind: 'request', name: 'New' })
    c.description.delete(0, 3)
    const stateBefore = Y.encodeStateVector(doc)
    const result = restoreCollection(doc, version)
    expect(read(doc)).toEqual(expected)
    expect([...result.added].sort()).toEqual([folder, list, get].sort())
    // Forward: the restore wrote new structs, it did not rewind the doc.
    expect(Y.encodeStateAsUpdate(doc, stateBefore).length).toBeGreaterThan(2)
    expect(summarize(diffCollections(version, doc))).toEqual({ added: 0, removed: 0, changed: 0 })
  })

  it('restores one request and leaves the rest as it is', () => {
    const { doc, c, list, get } = seeded()
    const version = versionOf(doc)
    c.update(get, { url: 'https://other.test' })
    c.update(list, { url: 'https://kept.test' })
    restoreCollection(doc, version, get)
    const after = new Collection(doc)
    expect(after.get(get)!).toMatchObject({ url: 'https://api.test/users/1' })
    expect(after.get(list)!).toMatchObject({ url: 'https://kept.test' })
  })

  it('brings a deleted folder back with its requests, in its place', () => {
    const { doc, c, folder } = seeded()
    const other = c.add({ kind: 'request', name: 'Other' })
    const version = versionOf(doc)
    const expected = read(doc)
    c.remove(folder)
    restoreCollection(doc, version, folder)
    expect(read(doc)).toEqual(expected)
    expect(new Collection(doc).get(other)).toBeDefined()
  })

  it('removes a request that did not exist in the version when restoring it alone', () => {
    const { doc, c } = seeded()
    const version = versionOf(doc)
    const later = c.add({ kind: 'request', name: 'Later' })
    restoreCollection(doc, version, later)
    expect(new Collection(doc).get(later)).toBeUndefined()
  })

  it('keeps an item of the version that was moved into a folder made since', () => {
    const { doc, c, list } = seeded()
    const version = versionOf(doc)
    const expected = read(doc)
    const made = c.add({ kind: 'folder', name: 'Made later' })
    c.move(list, { parentId: made })
    restoreCollection(doc, version)
    expect(read(doc)).toEqual(expected)
  })

  it('merges with a concurrent edit the restoring device had not seen', () => {
    const { doc: a, c, get } = seeded()
    const b = versionOf(a)
    const version = versionOf(a)
    c.update(get, { url: 'https://api.test/users/9' })
    // B, offline, edits the same URL elsewhere and adds a header.
    const cb = new Collection(b)
    cb.update(get, { url: 'http://api.test/users/1' })
    cb.list(get, 'headers')!.insert({ key: 'X-Offline', value: '1' })
    restoreCollection(a, version, get)
    syncDocs(a, b)
    const merged = new Collection(a).get(get)!
    expect(merged).toMatchObject({ url: 'http://api.test/users/1' })
    expect(merged.kind === 'request' && merged.headers.map((h) => h.key)).toEqual(['X-Offline'])
  })
})

function setBody(c: Collection, id: string, raw: string): void {
  const text = c.text(id, 'body')!
  text.delete(0, text.length)
  text.insert(0, raw)
}
