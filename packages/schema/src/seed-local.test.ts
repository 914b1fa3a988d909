import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { writeV1Items } from './test-v1.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

describe('seeding inside a local write', () => {
  it('editing a v1 field keeps the device\'s Yjs client id (Yjs must not see its own write as a clash)', () => {
    const doc = docWith(1)
    const [id] = writeV1Items(doc, [{ kind: 'request', name: 'Users', url: 'https://api.test/users' }], seededRandom(9))
    const c = new Collection(doc)
    let local: boolean | undefined
    doc.on('afterTransaction', (tr: Y.Transaction) => (local = tr.local))
    c.update(id!, { url: 'https://api.test/v2/users' })
    expect(local).toBe(true) // a local edit is reported as local to observers
    expect(doc.clientID).toBe(1)
  })

  it('an offline device that edits a v1 field after setting the method still records the method it lost', () => {
    const old = docWith(50)
    const [id] = writeV1Items(old, [{ kind: 'request', name: 'Users', url: 'https://api.test/users', method: 'GET' }], seededRandom(9))
    const a = new Collection(docWith(1), { random: seededRandom(1) })
    const b = new Collection(docWith(1000), { random: seededRandom(2) })
    syncDocs(old, a.doc, b.doc)
    a.update(id!, { method: 'PATCH' }) // offline on A
    a.update(id!, { url: 'https://api.test/v2/users' }) // first edit of a v1 text on A
    b.update(id!, { method: 'POST' }) // wins (higher client id)
    syncDocs(a.doc, b.doc)
    syncDocs(a.doc, b.doc)
    expect((a.get(id!) as { method: string }).method).toBe('POST')
    expect(a.conflicts()).toMatchObject([{ field: 'method', mine: 'PATCH', theirs: 'POST' }])
    expect(b.conflicts()).toEqual(a.conflicts())
  })
})
