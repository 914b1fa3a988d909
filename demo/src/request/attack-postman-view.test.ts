/**
 * Attack review of compact requests (schema 3), demo side. FAILS on the code it was written
 * against (a finding, kept as a plain `it` so a fix turns it green).
 *
 * The request editor builds every pane when a request opens: its header, param and path
 * variable tables read their rows through `listSource(…).rows()` → `Collection.list()`, and
 * the body pane calls `Collection.text(id, 'body')` (body-editor.ts). Both materialize a
 * compact request. So merely opening an imported request writes it whole: the memory saving
 * goes with every request a user looks at, each adds a client to the doc's state vector for
 * good (and to the cost of every later transaction), and in a doc a newer Ferry wrote they
 * throw `newer_schema` instead of showing the request.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection, importPostman } from '@ferry/schema'
import { listSource, paramsSource } from './request-sources.ts'

const V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

function imported(): { collection: Collection; id: string } {
  const collection = new Collection(new Y.Doc())
  const result = importPostman(collection, {
    info: { name: 'T', schema: V21 },
    item: [{ name: 'Get pets', request: { method: 'GET', url: 'https://a.test/pets?limit=5', header: [{ key: 'Accept', value: 'application/json' }] } }],
  })
  if (!result.ok) throw new Error(result.error.message)
  return { collection, id: collection.tree()[0]!.id }
}

describe('opening an imported request in the request editor', () => {
  it('showing its headers and params writes nothing to the doc', () => {
    const { collection, id } = imported()
    const before = Y.encodeStateVector(collection.doc)
    expect(listSource(collection, id, 'headers').rows().map((r) => r.key)).toEqual(['Accept'])
    expect(paramsSource(collection, id).rows().map((r) => r.key)).toEqual(['limit'])
    expect(Y.encodeStateVector(collection.doc)).toEqual(before) // today: materialized, one more client
  })

  it('in a doc a newer Ferry wrote, its rows are shown rather than throwing newer_schema', () => {
    const { collection, id } = imported()
    collection.doc.getMap('meta').set('schema', 99)
    expect(collection.get(id)).toMatchObject({ name: 'Get pets' }) // reads work
    expect(() => listSource(collection, id, 'headers').rows()).not.toThrow() // SchemaError: newer_schema
  })
})
