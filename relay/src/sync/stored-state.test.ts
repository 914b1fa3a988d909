import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_MERGED_PARTS, storedState } from './stored-state.ts'

/** What a room would hold after loading `snapshot` and `updates`. */
function loaded(snapshot: Uint8Array | null, updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of snapshot ? [snapshot, ...updates] : updates) Y.applyUpdate(doc, update)
  return doc
}

describe('storedState', () => {
  it('is the doc a load would build: same content, same state vector — also with deletions, several writers and an update waiting for a missing one', () => {
    const a = new Y.Doc()
    a.clientID = 1
    a.getText('t').insert(0, 'hello world')
    const snapshot = Y.encodeStateAsUpdate(a)
    const b = new Y.Doc()
    b.clientID = 2
    Y.applyUpdate(b, snapshot)
    const fromB: Uint8Array[] = []
    b.on('update', (update: Uint8Array) => fromB.push(update))
    b.getText('t').delete(0, 6)
    b.getText('t').insert(0, 'brave ')
    // Client 3's second edit without its first: held back by a load, left out of its state vector.
    const c = new Y.Doc()
    c.clientID = 3
    Y.applyUpdate(c, snapshot)
    c.getText('t').insert(0, 'x')
    const before = Y.encodeStateVector(c)
    c.getText('t').insert(0, 'y')
    const orphan = Y.encodeStateAsUpdate(c, before)

    const updates = [...fromB, orphan]
    const state = storedState({ snapshot, updates, seq: updates.length })!
    const room = loaded(snapshot, updates)
    expect(Y.decodeStateVector(state.stateVector)).toEqual(Y.decodeStateVector(Y.encodeStateVector(room)))
    const client = loaded(null, [state.update])
    expect(client.getText('t').toString()).toBe(room.getText('t').toString())
    expect(client.getText('t').toString()).toBe('brave world')
    expect(state.empty).toBe(false)
    // The missing edit arrives later: the client completes as the room does.
    Y.applyUpdate(client, Y.encodeStateAsUpdate(c))
    expect(client.getText('t').toString()).toBe('yxbrave world')
  })

  it('sends a snapshot alone as it is; nothing stored, or an empty doc, is empty', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'kept')
    const snapshot = Y.encodeStateAsUpdate(doc)
    expect(storedState({ snapshot, updates: [], seq: 1 })!.update).toBe(snapshot)
    expect(storedState({ snapshot: null, updates: [], seq: 0 })).toMatchObject({ empty: true, stateVector: Y.encodeStateVector(new Y.Doc()) })
    expect(storedState({ snapshot: Y.encodeStateAsUpdate(new Y.Doc()), updates: [], seq: 3 })!.empty).toBe(true)
  })

  it('leaves a doc of more parts than it merges cheaply to a load', () => {
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < MAX_MERGED_PARTS + 1; i++) doc.getText('t').insert(0, `${i}`)
    expect(storedState({ snapshot: null, updates: updates.slice(0, MAX_MERGED_PARTS), seq: MAX_MERGED_PARTS })).not.toBeNull()
    expect(storedState({ snapshot: null, updates, seq: updates.length })).toBeNull()
  })
})
