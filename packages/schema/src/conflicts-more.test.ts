import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { SCHEMA_VERSION } from './schema-version.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'

const settle = (...docs: Y.Doc[]): void => {
  syncDocs(...docs)
  syncDocs(...docs)
}
const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

describe('conflicts', () => {
  it('a lost atomic write made before an app restart (new Yjs client id) is recorded', () => {
    // Device A, session 1 (client 1): offline, sets method to PATCH, app is closed (state persisted).
    const a1 = new Collection(docWith(1), { random: seededRandom(1) })
    const id = a1.add({ kind: 'request', name: 'r', method: 'GET' })
    const b = new Collection(docWith(1000), { random: seededRandom(2) })
    syncDocs(a1.doc, b.doc)
    a1.update(id, { method: 'PATCH' })
    const persisted = Y.encodeStateAsUpdate(a1.doc)
    // Meanwhile device B sets POST (B's higher client id wins the map key).
    b.update(id, { method: 'POST' })
    // Device A, session 2: a fresh Y.Doc (random client id, as local-doc.ts does) loaded from IndexedDB.
    const a2 = new Collection(docWith(7), { random: seededRandom(3) })
    Y.applyUpdate(a2.doc, persisted)
    settle(a2.doc, b.doc)
    expect((a2.get(id) as { method: string }).method).toBe('POST')
    // PATCH was typed on A and is gone; some device must have recorded it.
    expect(a2.conflicts()).toMatchObject([{ field: 'method', mine: 'PATCH', theirs: 'POST' }])
    expect(b.conflicts()).toEqual(a2.conflicts())
  })

  it('conflicts() never throws on a hostile record (owner with a negative clock)', () => {
    const c = new Collection(docWith(5), { random: seededRandom(1) })
    c.add({ kind: 'request', name: 'r' })
    c.doc.getMap('conflicts').set('x', { owner: '5.-1', field: 'method', kind: 'value', mine: 'A', theirs: 'B', at: 1 })
    expect(() => c.conflicts()).not.toThrow()
  })

  it('a v2 device never writes into a doc a newer schema stamped (conflict recording included)', () => {
    const a = new Collection(docWith(1), { random: seededRandom(1) })
    const id = a.add({ kind: 'request', name: 'r', method: 'GET' })
    const newer = docWith(1000)
    syncDocs(a.doc, newer)
    a.update(id, { method: 'PATCH' }) // offline, before the v3 stamp arrives
    // A v3 client writes the doc: stamps schema 3 and (concurrently) sets the method.
    newer.transact(() => {
      newer.getMap('meta').set('schema', SCHEMA_VERSION + 1)
      ;(newer.getMap('items').get(id) as Y.Map<unknown>).set('method', 'POST')
    })
    const ownClock = Y.getState(a.doc.store, 1)
    Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(newer, Y.encodeStateVector(a.doc)), 'sync')
    expect(a.writable()).toBe(false)
    // The v2 client learned the doc is newer in that update; it must not write into it.
    expect(a.doc.getMap('conflicts').size).toBe(0)
    expect(Y.getState(a.doc.store, 1)).toBe(ownClock)
  })

  it('binding an auth part of an item that has no auth does not change the collection auth', () => {
    const c = new Collection(docWith(5), { random: seededRandom(1) })
    c.setAuth({ type: 'bearer', token: 'collection-token' })
    const id = c.add({ kind: 'request', name: 'r' })
    ;(c.doc.getMap('items').get(id) as Y.Map<unknown>).delete('auth') // malformed / hostile item
    c.authText(id, 'token')
    expect(c.auth()).toEqual({ type: 'bearer', token: 'collection-token' })
  })
})

describe('hostile conflict records naming a root of another type', () => {
  it('conflicts() never throws on a record whose owner is the root text "description"', () => {
    const c = new Collection(docWith(5), { random: seededRandom(1) })
    c.doc.getMap('conflicts').set('y', { owner: 'description', field: 'x', kind: 'value', mine: 1, theirs: 2, at: 1 })
    expect(() => c.conflicts()).not.toThrow()
  })
})

describe('records of the same loss', () => {
  it('are listed once and closed together', () => {
    const c = new Collection(docWith(5), { random: seededRandom(1) })
    const id = c.add({ kind: 'request', name: 'r', method: 'GET' })
    const owner = (c.doc.getMap('items').get(id) as Y.Map<unknown>)._item!.id
    const record = { owner: `${owner.client}.${owner.clock}`, field: 'method', kind: 'value', mine: 'PUT', theirs: 'GET', client: 9 }
    c.doc.transact(() => {
      c.doc.getMap('conflicts').set('9.1', { ...record, at: 1 })
      c.doc.getMap('conflicts').set('9.4', { ...record, at: 2 })
    })
    expect(c.conflicts()).toMatchObject([{ id: '9.1', mine: 'PUT', theirs: 'GET' }])
    expect(c.resolveConflict('9.1', 'mine')).toBe(true)
    expect(c.conflicts()).toEqual([])
    expect([...c.doc.getMap('conflicts').keys()]).toEqual([])
    expect(c.get(id)).toMatchObject({ method: 'PUT' })
  })
})
