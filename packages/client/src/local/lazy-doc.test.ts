/**
 * Docs that sync without being loaded (lazy-doc.ts), through workspaces on the in-memory relay:
 * they are held, not loaded, once in sync; another device's changes that arrive meanwhile are
 * there when a view loads the doc, also after a reload; and a value such a change made lose is
 * recorded as a conflict when the doc is loaded, as it would have been had it been loaded.
 */
import { describe, expect, it, vi } from 'vitest'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import * as Y from 'yjs'
import { connectionTo, fakeDevices, seedAccount, untilInSync, type Device } from '../sync/testing/fake-device.ts'
import { FakeRelay } from '../sync/testing/fake-relay.ts'
import { AccountDocs } from './account-docs.ts'
import { LazyDoc } from './lazy-doc.ts'

const device = fakeDevices()

const collectionDoc = (owner: string, id: string): DocName => docName(owner, 'collection', id)
/** Rows of `name` stored unseen on `device` (arrived while the doc was not loaded). */
async function unseenRows(device: Device, owner: string, name: DocName): Promise<number> {
  const docs = await AccountDocs.open(device.indexedDB, device.store, owner as UserId)
  try {
    return (await docs.read(name)).unseen.length
  } finally {
    docs.close()
  }
}


describe('docs held without being loaded', () => {
  it('take in other devices’ changes unloaded, and show them once loaded, also after a reload', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'ann', 3, 1)
    const laptop = await device()
    const workspace = await laptop.open('ann', connectionTo(relay))
    await untilInSync(workspace)
    expect(workspace.loadedDocs()).toEqual([docName('ann', 'workspace')])

    // What a new device pulls for a doc it does not load is stored unseen too: one row each here
    // (written in the turn after it arrived, which may be after the status said in sync).
    await vi.waitFor(async () => expect(await unseenRows(laptop, 'ann', collectionDoc('ann', 'c1'))).toBe(1))
    relay.write(collectionDoc('ann', 'c1'), (doc) => new Collection(doc).add({ kind: 'request', name: 'from the phone' }))
    await vi.waitFor(async () => expect(await unseenRows(laptop, 'ann', collectionDoc('ann', 'c1'))).toBe(2))
    expect(workspace.loadedDocs()).not.toContain(collectionDoc('ann', 'c1'))
    expect((await workspace.collection('c1')).tree().map((n) => n.name)).toEqual(['c1 request 0', 'from the phone'])

    relay.write(collectionDoc('ann', 'c2'), (doc) => new Collection(doc).add({ kind: 'request', name: 'while not loaded' }))
    await vi.waitFor(async () => expect(await unseenRows(laptop, 'ann', collectionDoc('ann', 'c2'))).toBe(2))
    await workspace.destroy()
    const offline = await laptop.open('ann', null)
    expect((await offline.collection('c2')).tree().map((n) => n.name)).toEqual(['c2 request 0', 'while not loaded'])
  })

  it('record a value another device made lose while the doc was not loaded, once it is loaded', async () => {
    const relay = new FakeRelay()
    const name = collectionDoc('bea', 'c0')
    // Written through a view elsewhere and copied in: the relay's own doc has no watchers, so
    // only the laptop can record what follows.
    const phone = new Y.Doc()
    // The highest client id: the phone's value wins, so the loss is the laptop's own write and
    // only the laptop can record it (a losing write reaches others emptied by the relay's GC).
    phone.clientID = 0xffffffff
    const id = new Collection(phone).add({ kind: 'request', name: 'users', url: 'https://api.test/users' })
    relay.write(docName('bea', 'workspace'), (doc) => new WorkspaceIndex(doc).addCollection('API', 'c0'))
    relay.write(name, (doc) => Y.applyUpdate(doc, Y.encodeStateAsUpdate(phone)))
    const laptop = await device()
    let workspace = await laptop.open('bea', connectionTo(relay))
    await untilInSync(workspace)

    const collection = await workspace.collection('c0')
    collection.update(id, { method: 'POST' })
    await untilInSync(workspace)
    await workspace.destroy()
    workspace = await laptop.open('bea', connectionTo(relay))
    await untilInSync(workspace)

    // The phone's concurrent change reaches the laptop while its copy is held, not loaded.
    const before = Y.encodeStateVector(phone)
    const unseen = await unseenRows(laptop, 'bea', name)
    new Collection(phone).update(id, { method: 'PUT' })
    relay.write(name, (doc) => Y.applyUpdate(doc, Y.encodeStateAsUpdate(phone, before)))
    await vi.waitFor(async () => expect(await unseenRows(laptop, 'bea', name)).toBe(unseen + 1))
    expect(workspace.loadedDocs()).not.toContain(name)

    const loaded = await workspace.collection('c0')
    const methods = new Set(['POST', 'PUT'])
    const conflicts = loaded.conflicts().filter((c) => c.field === 'method')
    expect(conflicts).toHaveLength(1)
    expect(new Set([conflicts[0]!.mine, conflicts[0]!.theirs])).toEqual(methods)
    const node = loaded.tree()[0]!
    expect(node.kind === 'request' && methods.has(node.method)).toBe(true)
    // Recorded once: a reload does not show the view those changes as new again.
    await workspace.destroy()
    const again = await laptop.open('bea', null)
    expect((await again.collection('c0')).conflicts().filter((c) => c.field === 'method')).toHaveLength(1)
  })
})

describe('a held doc that holds nothing yet (a new device)', () => {
  const name = collectionDoc('cy', 'c0')
  async function emptyHeld() {
    const laptop = await device()
    const docs = await AccountDocs.open(laptop.indexedDB, laptop.store, 'cy' as UserId)
    const errors: Error[] = []
    docs.onError((error) => errors.push(error))
    return { docs, errors, lazy: await LazyDoc.hold(docs, name) }
  }

  it('keeps the relay’s first update as it came, stored, and shows it once loaded', async () => {
    const { docs, lazy } = await emptyHeld()
    const phone = new Y.Doc()
    new Collection(phone).add({ kind: 'request', name: 'users' })
    const update = Y.encodeStateAsUpdate(phone)
    lazy.apply(update, 'relay')
    expect(lazy.stateVector()).toEqual(Y.encodeStateVector(phone))
    await docs.flushed()
    expect((await docs.read(name)).unseen).toEqual([update])
    const view = lazy.wake((doc) => new Collection(doc))
    expect(new Collection(view.doc).tree().map((n) => n.name)).toEqual(['users'])
    docs.close()
  })

  it('refuses a malformed first update and stores nothing of it', async () => {
    const { docs, lazy } = await emptyHeld()
    expect(() => lazy.apply(new Uint8Array([1, 1, 5, 0, 8, 1]), 'relay')).toThrow(/Not a Yjs update/)
    await docs.flushed()
    const stored = await docs.read(name)
    expect(stored.rows.length + stored.unseen.length).toBe(0)
    expect(lazy.stateVector()).toEqual(Y.encodeStateVector(new Y.Doc()))
    docs.close()
  })

  it('reports a first update that only a full decode finds damaged once it is used, and goes on without it', async () => {
    const { docs, errors, lazy } = await emptyHeld()
    // Well-formed, but its legacy JSON content is not JSON: client 5 inserts ["{"] into root array "m".
    const damaged = new Uint8Array([1, 1, 5, 0, 0x02, 1, 1, 0x6d, 1, 1, 0x7b, 0])
    expect(() => Y.decodeUpdate(damaged)).toThrow(SyntaxError)
    lazy.apply(damaged, 'relay')
    expect(lazy.stateVector()).toEqual(Y.encodeStateVector(new Y.Doc()))
    expect(errors.map((e) => e.message).join()).toMatch(/set aside 1 damaged stored change of/)
    const phone = new Y.Doc()
    new Collection(phone).add({ kind: 'request', name: 'users' })
    lazy.apply(Y.encodeStateAsUpdate(phone), 'relay')
    expect(new Collection(lazy.wake((doc) => new Collection(doc)).doc).tree().map((n) => n.name)).toEqual(['users'])
    docs.close()
  })
})

describe('the delete set an open hashes', () => {
  it('is the held bytes’ own, and follows every change that arrives while the doc is not loaded', async () => {
    const laptop = await device()
    const docs = await AccountDocs.open(laptop.indexedDB, laptop.store, 'dee' as UserId)
    try {
      const name = collectionDoc('dee', 'c0')
      const lazy = await LazyDoc.hold(docs, name)
      const elsewhere = new Y.Doc()
      const items = elsewhere.getArray<string>('items')
      let since = Y.encodeStateVector(elsewhere)
      const arrive = () => {
        lazy.apply(Y.encodeStateAsUpdate(elsewhere, since), 'relay')
        since = Y.encodeStateVector(elsewhere)
      }
      const deleteSet = () => lazy.diff(lazy.stateVector())
      const expected = () => Y.encodeStateAsUpdate(elsewhere, Y.encodeStateVector(elsewhere))
      items.push(['a', 'b', 'c'])
      arrive()
      expect(deleteSet()).toEqual(expected())
      items.delete(1, 1)
      arrive()
      expect(Y.decodeUpdate(deleteSet()).ds.clients.size).toBe(1)
      expect(deleteSet()).toEqual(expected())
      items.delete(0, 1)
      arrive()
      expect(deleteSet()).toEqual(expected())
      // Asked again with nothing new: the same bytes, not a new decode (and so the same hash).
      expect(deleteSet()).toBe(deleteSet())
    } finally {
      docs.close()
    }
  })
})

