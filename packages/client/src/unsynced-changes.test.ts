import { Collection } from '@ferry/schema'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { changesSince, isUnchanged } from './unsynced-changes.ts'

function collection(): { doc: Y.Doc; c: Collection; ids: string[] } {
  const doc = new Y.Doc()
  const c = new Collection(doc)
  const ids = c.addAll([
    { kind: 'request', name: 'One', url: 'https://a.test/1' },
    { kind: 'request', name: 'Two', url: 'https://a.test/2' },
    { kind: 'folder', name: 'F', children: [{ kind: 'request', name: 'Inner' }] },
  ])
  return { doc, c, ids }
}

/** A mark as a round trip through its stored form. */
const mark = (doc: Y.Doc) => Y.decodeSnapshotV2(Y.encodeSnapshotV2(Y.snapshot(doc)))

describe('changes since the last sync', () => {
  it('names the items edited, added and deleted since the mark', () => {
    const { doc, c, ids } = collection()
    const synced = mark(doc)
    expect(isUnchanged(changesSince(doc, synced))).toBe(true)
    c.text(ids[0]!, 'url')!.insert(0, 'x')
    const added = c.add({ kind: 'request', name: 'Three' })
    c.remove(ids[1]!)
    const changes = changesSince(doc, synced)
    expect([...changes.changed].sort()).toEqual([ids[0], added].sort())
    expect([...changes.removed]).toEqual([ids[1]])
    expect(changes.other).toBe(false)
  })

  it('counts a deletion inside an item (text removed, a header row dropped) as a change of that item', () => {
    const { doc, c, ids } = collection()
    c.text(ids[0]!, 'name')!.insert(0, 'x')
    const synced = mark(doc)
    c.text(ids[0]!, 'name')!.delete(0, 2)
    expect([...changesSince(doc, synced).changed]).toEqual([ids[0]])
  })

  it('tells a change of the collection itself apart', () => {
    const { doc, c } = collection()
    const synced = mark(doc)
    c.description.insert(0, 'About')
    const changes = changesSince(doc, synced)
    expect(changes.other).toBe(true)
    expect(changes.changed.size).toBe(0)
  })

  it('counts everything of a doc the relay never held', () => {
    const { doc } = collection()
    expect(changesSince(doc, null).changed.size).toBe(4)
  })

  it('does not count what the mark already had, deletions included', () => {
    const { doc, c, ids } = collection()
    c.remove(ids[2]!)
    c.text(ids[0]!, 'url')!.delete(0, 3)
    expect(isUnchanged(changesSince(doc, mark(doc)))).toBe(true)
  })

  it('sees changes that arrived from elsewhere after the mark too (they are not on the relay either)', () => {
    const { doc, ids } = collection()
    const synced = mark(doc)
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    new Collection(other).update(ids[1]!, { method: 'POST' })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)))
    expect([...changesSince(doc, synced).changed]).toEqual([ids[1]])
  })
})
