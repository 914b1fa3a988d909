import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { writeV1Items } from './test-v1.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

describe('attack (held): upgrades from diverged v1 states', () => {
  it('two v1 devices set different URLs apart, each upgraded by a v2 device that edits: converge, loser recorded', () => {
    const base = docWith(40)
    const [id] = writeV1Items(base, [{ kind: 'request', name: 'r', url: 'https://api.test/u' }], seededRandom(9))
    const p = docWith(41), q = docWith(42)
    syncDocs(base, p, q)
    ;(p.getMap('items').get(id!) as Y.Map<unknown>).set('url', 'https://api.test/p')
    ;(q.getMap('items').get(id!) as Y.Map<unknown>).set('url', 'https://api.test/q')
    const a = new Collection(docWith(60)), b = new Collection(docWith(61))
    syncDocs(p, a.doc); syncDocs(q, b.doc)
    a.text(id!, 'url')!.insert(0, 'A')
    b.text(id!, 'url')!.insert(0, 'B')
    syncDocs(p, q, a.doc, b.doc); syncDocs(p, q, a.doc, b.doc)
    expect(a.get(id!)).toEqual(b.get(id!))
    const url = (a.get(id!) as { url: string }).url
    const all = [...a.conflicts(), ...b.conflicts()]
    const lost = url.startsWith('A') ? 'Bhttps://api.test/q' : 'Ahttps://api.test/p'
    expect(all.map((c) => c.mine)).toContain(lost)
    expect(Y.encodeStateAsUpdate(a.doc)).toEqual(Y.encodeStateAsUpdate(b.doc))
  })
})
