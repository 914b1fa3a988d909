import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { hasDeletions, PendingChanges } from './pending-changes.ts'

function updates(edit: (doc: Y.Doc) => void, prepare?: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc()
  prepare?.(doc)
  let last: Uint8Array = new Uint8Array()
  doc.on('update', (u: Uint8Array) => (last = u))
  edit(doc)
  return last
}

describe('pending changes', () => {
  it('tells updates that delete from those that only insert', () => {
    expect(hasDeletions(updates((d) => d.getMap('m').set('a', 1)))).toBe(false)
    expect(hasDeletions(updates((d) => d.getMap('m').delete('a'), (d) => d.getMap('m').set('a', 1)))).toBe(true)
    expect(hasDeletions(updates((d) => d.getText('t').delete(0, 2), (d) => d.getText('t').insert(0, 'hello')))).toBe(true)
  })

  it('counts an insert stored once a persisted state vector covers it', () => {
    const pending = new PendingChanges()
    pending.newSocket()
    pending.add(new Map([[7, 3]]), false)
    pending.sentLatest()
    pending.persisted(new Map([[7, 2]]))
    expect(pending.count).toBe(1)
    pending.persisted(new Map([[7, 3]]))
    expect(pending.count).toBe(0)
  })

  it('counts a deletion stored only after as many acks as sends, probing for the missing ones', () => {
    const pending = new PendingChanges()
    pending.newSocket()
    for (let i = 0; i < 3; i++) {
      pending.add(new Map(), true)
      pending.sentLatest()
    }
    pending.persisted(new Map()) // one commit held all three sends
    expect(pending.count).toBe(2)
    expect(pending.wantsProbe()).toBe(true)
    pending.sentProbe()
    expect(pending.wantsProbe()).toBe(false)
    pending.persisted(new Map())
    expect(pending.count).toBe(1)
    pending.sentProbe()
    pending.persisted(new Map())
    expect(pending.count).toBe(0)
    expect(pending.wantsProbe()).toBe(false)
  })

  it('forgets what an old socket sent: only a send on the new one counts', () => {
    const pending = new PendingChanges()
    pending.newSocket()
    pending.add(new Map(), true)
    pending.sentLatest()
    pending.newSocket()
    pending.persisted(new Map())
    expect(pending.count).toBe(1)
    pending.sentAll()
    pending.persisted(new Map())
    expect(pending.count).toBe(0)
  })
})
