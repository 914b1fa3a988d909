import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_TYPE_DEPTH, nestsTooDeep } from './type-depth.ts'

/** `depth` maps nested under the root map `r` by client 1 (the root is level 1). */
function nested(depth: number): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = 1
  let map = doc.getMap('r')
  doc.transact(() => {
    for (let i = 0; i < depth; i++) {
      const child = new Y.Map<unknown>()
      map.set('k', child)
      map = child
    }
  })
  return doc
}

const structsOf = (update: Uint8Array): Y.Item[] => Y.decodeUpdate(update).structs as Y.Item[]

describe('nestsTooDeep', () => {
  it(`allows types ${MAX_TYPE_DEPTH} levels deep and refuses one more, in one update`, () => {
    expect(nestsTooDeep(new Y.Doc(), structsOf(Y.encodeStateAsUpdate(nested(MAX_TYPE_DEPTH - 1))))).toBe(false)
    expect(nestsTooDeep(new Y.Doc(), structsOf(Y.encodeStateAsUpdate(nested(MAX_TYPE_DEPTH))))).toBe(true)
  })

  it('counts the levels the doc holds, and structs waiting for the update that brings their parents', () => {
    const deep = Y.encodeStateAsUpdate(nested(MAX_TYPE_DEPTH))
    const head = Y.encodeStateAsUpdate(nested(20))
    const tail = Y.diffUpdate(deep, Y.encodeStateVectorFromUpdate(head))

    const holding = new Y.Doc()
    Y.applyUpdate(holding, head)
    expect(nestsTooDeep(holding, structsOf(tail))).toBe(true)

    const waiting = new Y.Doc()
    expect(nestsTooDeep(waiting, structsOf(tail))).toBe(false) // its parent is unknown: it waits
    Y.applyUpdate(waiting, tail)
    expect(waiting.store.pendingStructs).not.toBeNull()
    expect(nestsTooDeep(waiting, structsOf(head))).toBe(true)
  })

  it('passes honest docs: text, arrays of maps, XML a dozen deep', () => {
    const doc = new Y.Doc()
    let element: Y.XmlFragment | Y.XmlElement = doc.getXmlFragment('prosemirror')
    for (let i = 0; i < 12; i++) {
      const child = new Y.XmlElement('p')
      element.insert(0, [child])
      element = child
    }
    element.insert(0, [new Y.XmlText('hi')])
    doc.getText('body').insert(0, 'hello')
    doc.getArray('list').insert(0, [1, new Y.Map()])
    expect(nestsTooDeep(new Y.Doc(), structsOf(Y.encodeStateAsUpdate(doc)))).toBe(false)
  })
})
