/**
 * Showing a request writes nothing: the request editor's tables read their rows from the tree
 * (plain data), and only binding a cell (the user's first focus) or an edit asks for the live
 * lists. Asking for them materializes a compact request (an imported one stored as its Postman
 * item, see docs/decisions.md "Compact requests"): a write that adds a client to the doc's
 * state vector for good, and that throws `newer_schema` in a doc a newer Ferry wrote.
 * `itemOf` is that plain read, done once per change of the doc and shared by the editor's
 * parts. (The DOM side — tables, body and script editors binding on first focus — is covered
 * in Chromium by test/browser/postman-view.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection, importPostman } from '@ferry/schema'
import { listSource, paramsSource, requestRows, variablesSource } from './request-sources.ts'
import { itemOf } from '../model/collection-reads.ts'

const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

function imported(): { collection: Collection; id: string; folderId: string } {
  const collection = new Collection(new Y.Doc())
  const result = importPostman(collection, {
    info: { name: 'T', schema: V21 },
    variable: [{ key: 'base', value: 'https://a.test' }],
    item: [
      {
        name: 'Get pets',
        request: {
          method: 'GET',
          url: { raw: 'https://a.test/pets/:kind?limit=5', host: ['a', 'test'], path: ['pets', ':kind'], query: [{ key: 'limit', value: '5' }], variable: [{ key: 'kind', value: 'dog' }] },
          header: [{ key: 'Accept', value: 'application/json' }],
          body: { mode: 'urlencoded', urlencoded: [{ key: 'a', value: '1' }] },
        },
      },
      { name: 'Folder', item: [], variable: [{ key: 'inFolder', value: 'x' }] },
    ],
  })
  if (!result.ok) throw new Error(result.error.message)
  const [request, folder] = collection.tree()
  return { collection, id: request!.id, folderId: folder!.id }
}

const keys = (rows: { key: string }[]) => rows.map((r) => r.key)

describe('the request editor shows an imported request', () => {
  it('without writing to the doc: headers, params, path variables, form fields, variables', () => {
    const { collection, id, folderId } = imported()
    const before = Y.encodeStateVector(collection.doc)
    expect(keys(listSource(collection, id, 'headers').rows())).toEqual(['Accept'])
    expect(keys(paramsSource(collection, id).rows())).toEqual(['limit'])
    expect(keys(listSource(collection, id, 'pathVariables').rows())).toEqual(['kind'])
    expect(keys(listSource(collection, id, 'bodyFields').rows())).toEqual(['a'])
    expect(keys(variablesSource(collection, null).rows())).toEqual(['base'])
    expect(keys(variablesSource(collection, folderId).rows())).toEqual(['inFolder'])
    expect(Y.encodeStateVector(collection.doc)).toEqual(before)
  })

  it('in a doc a newer Ferry wrote: its rows are shown rather than throwing newer_schema', () => {
    const { collection, id } = imported()
    collection.doc.getMap('meta').set('schema', 99)
    expect(collection.writable()).toBe(false)
    expect(collection.get(id)).toMatchObject({ name: 'Get pets' })
    expect(listSource(collection, id, 'headers').rows()).toEqual([{ key: 'Accept', value: 'application/json', enabled: true }])
    expect(keys(paramsSource(collection, id).rows())).toEqual(['limit'])
    expect(requestRows(collection, id, 'bodyFields').map((r) => r.value)).toEqual(['1'])
  })

  it('binds a cell to its live text on first focus: that materializes the request once, and typing edits it', () => {
    const { collection, id } = imported()
    const headers = listSource(collection, id, 'headers')
    const before = collection.doc.store.clients.size
    const value = headers.text(0, 'value')!
    expect(value.toString()).toBe('application/json')
    expect(collection.doc.store.clients.size).toBe(before + 1) // the materializer's client
    expect(headers.text(0, 'value')).toBe(value) // the same text at the next render: the row is not rebuilt
    value.insert(value.length, '; q=1')
    expect(headers.rows()[0]!.value).toBe('application/json; q=1')
    expect(collection.doc.store.clients.size).toBe(before + 1)
  })

  it('reads no rows of something that is not a request', () => {
    const { collection, folderId } = imported()
    expect(requestRows(collection, folderId, 'headers')).toEqual([])
    expect(requestRows(collection, 'missing', 'params')).toEqual([])
  })
})

describe('itemOf: the plain reads the request editor shares between two changes', () => {
  it('follows local edits, remote updates and reads made inside a transaction', () => {
    const { collection, id } = imported()
    const first = itemOf(collection, id)
    expect(first).toMatchObject({ name: 'Get pets' })
    expect(itemOf(collection, id)).toBe(first) // one read per change
    collection.update(id, { name: 'Pets' })
    expect(itemOf(collection, id)).toMatchObject({ name: 'Pets' })

    const other = new Collection(new Y.Doc())
    Y.applyUpdate(other.doc, Y.encodeStateAsUpdate(collection.doc))
    other.update(id, { method: 'POST' })
    Y.applyUpdate(collection.doc, Y.encodeStateAsUpdate(other.doc, Y.encodeStateVector(collection.doc)))
    expect(itemOf(collection, id)).toMatchObject({ method: 'POST' })

    collection.doc.transact(() => {
      collection.update(id, { name: 'A' })
      expect(itemOf(collection, id)).toMatchObject({ name: 'A' })
      collection.update(id, { name: 'B' })
      expect(itemOf(collection, id)).toMatchObject({ name: 'B' })
    })
    expect(itemOf(collection, id)).toMatchObject({ name: 'B' })
    collection.remove(id)
    expect(itemOf(collection, id)).toBeUndefined()
  })

  it('keeps its read across a transaction that changed nothing, and drops it after one that did', () => {
    const { collection, id } = imported()
    const first = itemOf(collection, id)
    collection.doc.transact(() => {})
    expect(itemOf(collection, id)).toBe(first)
    collection.list(id, 'headers') // materializes: a change
    const second = itemOf(collection, id)
    expect(first).toHaveProperty('postman') // compact when first read
    expect(second).not.toHaveProperty('postman')
    expect(second).toMatchObject({ name: 'Get pets', headers: [{ key: 'Accept', value: 'application/json', enabled: true }] })
    collection.list(id, 'headers')!.text(0, 'key') // an existing text: an empty transaction
    expect(itemOf(collection, id)).toBe(second)
    collection.doc.transact(() => {})
    collection.list(id, 'headers')!.update(0, { value: 'text/plain' })
    collection.doc.transact(() => {})
    expect(requestRows(collection, id, 'headers')[0]!.value).toBe('text/plain')
  })
})
