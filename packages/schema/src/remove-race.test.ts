import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

describe('deleting an item racing an edit of its auth', () => {
  it('a token typed on another device while the request was deleted does not stay in the doc', () => {
    const a = new Collection(docWith(1), { random: seededRandom(1) })
    const id = a.add({ kind: 'request', name: 'r', auth: { type: 'bearer', token: 'old' } })
    const b = new Collection(docWith(2), { random: seededRandom(2) })
    syncDocs(a.doc, b.doc)
    a.remove(id)
    b.authText(id, 'token')!.insert(3, '-sekrit-new-token')
    syncDocs(a.doc, b.doc)
    expect(a.get(id)).toBeUndefined()
    const roots = [...a.doc.share.keys()].filter((k) => k.startsWith('v1:')).map((k) => a.doc.getText(k).toString()).join('|')
    expect(roots).not.toContain('sekrit')
  })
})
