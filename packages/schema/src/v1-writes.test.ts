import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { writeV1Items } from './test-v1.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

/** A v1 doc with one request, opened by a v2 device `a` and a v1 device `old`. */
function setup() {
  const old = docWith(50)
  const [id] = writeV1Items(old, [{ kind: 'request', name: 'Users', url: 'https://api.test/users' }], seededRandom(9))
  const a = new Collection(docWith(60), { random: seededRandom(1) })
  syncDocs(old, a.doc)
  const v1Set = (key: string, value: string) => (old.getMap('items').get(id!) as Y.Map<unknown>).set(key, value)
  return { a, old, id: id!, v1Set }
}

describe('v1 clients writing after v2 edits', () => {
  it('a v1 client writing back an earlier value shows that value (v2 edits it replaced do not come back)', () => {
    const { a, old, id, v1Set } = setup()
    a.text(id, 'url')!.insert('https://api.test/'.length, 'v2/')
    syncDocs(a.doc, old)
    // The v1 user changes the URL, then changes it back to what it was.
    v1Set('url', 'https://api.test/people')
    syncDocs(a.doc, old)
    const conflict = a.conflicts()[0]!
    expect(conflict).toMatchObject({ kind: 'text', mine: 'https://api.test/v2/users' })
    a.resolveConflict(conflict.id, 'theirs') // the v2 user agrees: drop the v2/ edit
    v1Set('url', 'https://api.test/users')
    syncDocs(a.doc, old)
    // The last write anyone made is the v1 client's 'https://api.test/users'.
    expect(a.get(id)).toMatchObject({ url: 'https://api.test/users' })
  })

  it('a v1 write of an earlier value is not swallowed by an emptied text', () => {
    const { a, old, id, v1Set } = setup()
    const t = a.text(id, 'name')!
    t.delete(0, t.length) // v2 user clears the name, then...
    t.insert(0, 'Tmp')
    t.delete(0, 3) // ...leaves it empty
    syncDocs(a.doc, old)
    v1Set('name', 'People')
    syncDocs(a.doc, old)
    v1Set('name', 'Users') // v1 user restores the original name
    syncDocs(a.doc, old)
    expect(a.get(id)).toMatchObject({ name: 'Users' })
  })
})
