/**
 * One struct can make Yjs walk every item of a list (integration-walk.ts): an update of 32 of
 * them — 265 bytes into a root list of 600,000 items — took 8–10 s, as one slice or as a small
 * update applied whole, with nothing asked between. Sliced apply must ask to stop before each
 * such struct, and the fast path must not take an update holding one; honest edits, which walk
 * only past what they bring, keep applying in runs and whole.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { walksOnlyItself } from './integration-walk.ts'
import { applySliced } from './sliced-apply.ts'

/** `n` empty byte arrays of `client` in the root list `list`, none with an origin: each walks the whole list. */
function headless(client: number, n: number): Uint8Array {
  const e = encoding.createEncoder()
  const uint = (v: number): void => encoding.writeVarUint(e, v)
  uint(1)
  uint(n)
  uint(client)
  uint(0)
  for (let k = 0; k < n; k++) {
    encoding.writeUint8(e, 3) // an empty byte array, parent by name
    uint(1)
    encoding.writeVarString(e, 'list')
    uint(0)
  }
  uint(0)
  return encoding.toUint8Array(e)
}

/** A doc whose root list holds `m` items, appended one after the other by client 1. */
function listOf(m: number): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = 1
  doc.transact(() => {
    for (let k = 0; k < m; k++) doc.getArray('list').push([new Uint8Array(0)])
  })
  return doc
}

/** The update `edit` makes on a copy of `doc`, by a client above the ones there. */
function editOf(doc: Y.Doc, edit: (copy: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc()
  copy.clientID = 2 ** 30
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  const before = Y.encodeStateVector(copy)
  edit(copy)
  return Y.encodeStateAsUpdate(copy, before)
}

describe('integration walk', () => {
  it('asks to stop before each struct that walks the list, not once per slice of 32', () => {
    const doc = listOf(2_000)
    const update = headless(2 ** 30, 32)
    let asked = 0
    // Yes from the second question on: only what applied before it stays.
    expect(applySliced(doc, Y.decodeUpdate(update), null, () => ++asked > 1)).toBe(false)
    expect(doc.getArray('list').length).toBe(2_001)
  })

  it('keeps an update holding such a struct off the fast path, and honest edits on it', () => {
    const doc = listOf(2_000)
    doc.getText('body').insert(0, 'hello world')
    doc.getMap('fields').set('name', 'x')
    expect(walksOnlyItself(doc, Y.decodeUpdate(headless(2 ** 30, 1)).structs)).toBe(false)
    const honest = [
      editOf(doc, (copy) => copy.getText('body').insert(5, ',')),
      editOf(doc, (copy) => copy.transact(() => ['a', 'b', 'c'].forEach((c, k) => copy.getText('body').insert(6 + k, c)))),
      editOf(doc, (copy) => copy.getText('body').insert(0, '> ')),
      editOf(doc, (copy) => copy.getMap('fields').set('name', 'y')),
      editOf(doc, (copy) => copy.getMap('fields').set('nested', new Y.Map([['a', 1]]))),
      editOf(doc, (copy) => copy.getArray('list').insert(1_000, [new Uint8Array(1)])),
      editOf(doc, (copy) => copy.getArray('list').push([new Uint8Array(1), new Uint8Array(2)])),
    ]
    for (const update of honest) expect(walksOnlyItself(doc, Y.decodeUpdate(update).structs)).toBe(true)
  })
})
