import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { seedClient, seedName } from './text/seed.ts'
import { setText } from './text/diff.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { writeV1Items } from './test-v1.ts'

const docWith = (clientID: number): Y.Doc => Object.assign(new Y.Doc(), { clientID })

function seededDoc() {
  const d = docWith(70)
  const [id] = writeV1Items(d, [{ kind: 'request', name: 'Users 😀 ümlaut', url: 'https://api.test/users' }], seededRandom(9))
  const c = new Collection(d, { random: seededRandom(1) })
  c.text(id!, 'name')!.insert(3, 'X')
  c.text(id!, 'url')!.delete(0, 8)
  return { c, id: id! }
}

describe('seed client ids above 2^32 through Yjs', () => {
  it('V1/V2 updates, merge, diff, state vectors, snapshots and relative positions keep them', () => {
    const { c, id } = seededDoc()
    const want = c.get(id)
    const check = (d: Y.Doc) => expect(new Collection(d).get(id)).toEqual(want)
    const v1 = Y.encodeStateAsUpdate(c.doc)
    const v2 = Y.encodeStateAsUpdateV2(c.doc)
    const d1 = new Y.Doc(); Y.applyUpdate(d1, v1); check(d1)
    const d2 = new Y.Doc(); Y.applyUpdateV2(d2, v2); check(d2)
    const d3 = new Y.Doc(); Y.applyUpdate(d3, Y.convertUpdateFormatV2ToV1(v2)); check(d3)
    const d4 = new Y.Doc(); Y.applyUpdate(d4, Y.mergeUpdates([v1, Y.encodeStateAsUpdate(d1)])); check(d4)
    const d5 = new Y.Doc(); Y.applyUpdateV2(d5, Y.mergeUpdatesV2([v2])); check(d5)
    const sv = Y.encodeStateVectorFromUpdate(v1)
    expect(Y.decodeStateVector(sv)).toEqual(Y.decodeStateVector(Y.encodeStateVector(c.doc)))
    expect(Y.diffUpdate(v1, sv).length).toBeLessThan(v1.length)
    const d6 = new Y.Doc(); Y.applyUpdate(d6, Y.diffUpdate(v1, new Uint8Array([0]))); check(d6)
    const meta = Y.parseUpdateMeta(v1)
    expect([...meta.to.keys()].some((k) => k > 2 ** 32)).toBe(true)
    const snapDoc = new Y.Doc({ gc: false }); Y.applyUpdate(snapDoc, v1)
    const snap = Y.snapshot(snapDoc)
    const back = Y.decodeSnapshot(Y.encodeSnapshot(snap))
    expect(Y.equalSnapshots(snap, back)).toBe(true)
    const restored = Y.createDocFromSnapshot(snapDoc, back)
    check(restored)
    const name = seedName((c.doc.getMap('items').get(id) as Y.Map<unknown>)._map.get('name')!)
    const t = c.doc.getText(name)
    const rel = Y.createRelativePositionFromTypeIndex(t, 8)
    expect(rel.item!.client).toBe(seedClient(name))
    const decoded = Y.decodeRelativePosition(Y.encodeRelativePosition(rel))
    expect(Y.createAbsolutePositionFromRelativePosition(decoded, d1)!.index).toBe(8)
    const json = Y.createRelativePositionFromJSON(JSON.parse(JSON.stringify(Y.relativePositionToJSON(rel))))
    expect(Y.createAbsolutePositionFromRelativePosition(json, d1)!.index).toBe(8)
  })
})

describe('surrogate pairs', () => {
  it('a whole-value set between two emoji sharing a high surrogate, racing a keystroke edit, never leaves a lone surrogate', () => {
    const a = new Collection(docWith(1), { random: seededRandom(1) })
    const id = a.add({ kind: 'request', name: 'a😀b' })
    const b = new Collection(docWith(2), { random: seededRandom(2) })
    syncDocs(a.doc, b.doc)
    a.update(id, { name: 'a😃b' }) // 😀 = D83D DE00, 😃 = D83D DE03
    const t = b.text(id, 'name')!
    t.delete(1, 2) // B deletes the emoji...
    t.insert(1, '🙂') // ...and types another (D83D DE42)
    syncDocs(a.doc, b.doc)
    const names = [a, b].map((c) => c.get(id)!.name)
    expect(names[0]).toBe(names[1])
    expect(names[0]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/)
  })

  it('setText diff ops never split a pair', () => {
    const t = new Y.Doc().getText('t')
    t.insert(0, 'a😀b')
    const ops: string[] = []
    t.observe((e) => ops.push(JSON.stringify(e.delta)))
    setText(t, 'a😃b')
    expect(t.toString()).toBe('a😃b')
    expect(ops.join()).not.toMatch(/"retain":2/)
  })
})
