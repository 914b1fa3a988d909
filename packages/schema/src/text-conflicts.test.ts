import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { writeV1Items } from './test-v1.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

describe('text conflicts from v1 overwrites with several v2 editors', () => {
  it('resolving "keep mine" brings back every v2 device\'s edits of the overwritten text', () => {
    const old = docWith(50)
    const [id] = writeV1Items(old, [{ kind: 'request', name: 'r', url: 'https://api.test/users' }], seededRandom(9))
    const a = new Collection(docWith(60), { random: seededRandom(1) })
    const b = new Collection(docWith(61), { random: seededRandom(2) })
    syncDocs(old, a.doc, b.doc)
    // Two v2 devices edit the URL apart (both merge fine by themselves).
    a.text(id!, 'url')!.insert('https://api.test/'.length, 'v2/')
    b.update(id!, { url: 'https://api.test/users?page=2' })
    // A v1 device overwrites the URL meanwhile.
    ;(old.getMap('items').get(id!) as Y.Map<unknown>).set('url', 'https://api.test/people')
    syncDocs(old, a.doc)
    syncDocs(old, b.doc)
    syncDocs(old, a.doc, b.doc)
    syncDocs(old, a.doc, b.doc)
    const conflicts = a.conflicts()
    expect(conflicts).toHaveLength(1)
    a.resolveConflict(conflicts[0]!.id, 'mine')
    syncDocs(old, a.doc, b.doc)
    // Both v2 edits were typed and only the v1 write replaced them; keeping "mine" must keep both.
    expect(b.get(id!)).toMatchObject({ url: 'https://api.test/v2/users?page=2' })
  })
})
