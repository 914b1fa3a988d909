import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

function pair() {
  const a = new Collection(docWith(1), { random: seededRandom(1) })
  const id = a.add({
    kind: 'request', name: 'r',
    headers: [{ key: 'Accept', value: 'json' }, { key: 'X-Old', value: 'gone' }, { key: 'Authorization', value: 'Bearer abc' }],
  })
  const b = new Collection(docWith(2), { random: seededRandom(2) })
  syncDocs(a.doc, b.doc)
  return { a, b, id }
}

describe('KeyValueList.replace', () => {
  it('removing a middle row (bulk edit) keeps a concurrent edit of a later row', () => {
    const { a, b, id } = pair()
    // A: bulk edit that drops the middle row, the others unchanged.
    a.list(id, 'headers')!.replace([{ key: 'Accept', value: 'json' }, { key: 'Authorization', value: 'Bearer abc' }])
    // B: types into the Authorization value.
    b.list(id, 'headers')!.text(2, 'value')!.insert('Bearer abc'.length, 'def')
    syncDocs(a.doc, b.doc)
    for (const c of [a, b]) {
      expect(c.get(id)).toMatchObject({ headers: [{ key: 'Accept', value: 'json' }, { key: 'Authorization', value: 'Bearer abcdef' }] })
    }
  })

  it('a concurrent edit of the removed row does not leak into the row that took its place', () => {
    const { a, b, id } = pair()
    a.list(id, 'headers')!.replace([{ key: 'Accept', value: 'json' }, { key: 'Authorization', value: 'Bearer abc' }])
    b.list(id, 'headers')!.update(1, { value: 'gone-but-edited' })
    syncDocs(a.doc, b.doc)
    const headers = (a.get(id) as { headers: { key: string; value: string }[] }).headers
    // Whatever wins, the Authorization header must not be a mix of two rows.
    expect(headers.find((h) => h.key === 'Authorization')?.value).toBe('Bearer abc')
  })

  it('a row inserted at the top on another device does not receive a bulk edit meant for another row', () => {
    const { a, b, id } = pair()
    b.list(id, 'headers')!.insert({ key: 'X-Trace', value: '1' }, 0)
    syncDocs(b.doc) // b only
    a.list(id, 'headers')!.replace([{ key: 'Accept', value: 'json' }, { key: 'X-Old', value: 'gone' }, { key: 'Authorization', value: 'Bearer xyz' }])
    syncDocs(a.doc, b.doc)
    const headers = (a.get(id) as { headers: { key: string; value: string }[] }).headers
    expect(headers).toMatchObject([{ key: 'X-Trace', value: '1' }, { key: 'Accept' }, { key: 'X-Old' }, { key: 'Authorization', value: 'Bearer xyz' }])
  })
})
