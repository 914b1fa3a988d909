import { docName, type DocName, type DocKind } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { SyncMarks, type MarkStorage, type MarkedWorkspace } from './sync-marks.ts'
import { connectionTo, fakeDevices, seedAccount, untilInSync } from './sync/testing/fake-device.ts'
import { FakeRelay } from './sync/testing/fake-relay.ts'
import type { SyncStatus } from './sync-status.ts'

function memoryStorage(): MarkStorage & { readonly map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    key: (i) => [...map.keys()][i] ?? null,
    get length() {
      return map.size
    },
  }
}

/** One account with one collection doc whose status the test sets. */
function workspace(owner = 'u1') {
  const name = `${owner}:collection:c1` as DocName
  const doc = new Y.Doc()
  const listeners = new Set<(s: SyncStatus) => void>()
  let status: SyncStatus = { kind: 'syncing', pending: 1 }
  const ws: MarkedWorkspace = {
    owner,
    loadedDocs: () => [name],
    heldDocs: () => [name],
    heldSnapshot: () => null,
    heldUnseen: () => false,
    docStatus: () => status,
    doc: async (_kind: DocKind, _id?: string) => doc,
    onStatus: (l) => (listeners.add(l), () => listeners.delete(l)),
    onDocLoaded: () => () => undefined,
    loadAll: async () => undefined,
  }
  const setStatus = (s: SyncStatus) => {
    status = s
    for (const l of listeners) l(s)
  }
  return { ws, doc, collection: new Collection(doc), setStatus, name }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('sync marks', () => {
  it('marks a doc once it settles in sync, and reports only what changed after', async () => {
    vi.useFakeTimers()
    const storage = memoryStorage()
    const marks = new SyncMarks(storage)
    const { ws, collection, setStatus } = workspace()
    const [a] = collection.addAll([{ kind: 'request', name: 'A' }, { kind: 'request', name: 'B' }])
    const stop = marks.watch(ws)
    await vi.advanceTimersByTimeAsync(2_000)
    // Not in sync yet: no mark, so both requests are unsynced.
    expect((await marks.unsynced(ws))[0]?.changes.changed.size).toBe(2)
    setStatus({ kind: 'in-sync' })
    await vi.advanceTimersByTimeAsync(2_000)
    expect(await marks.unsynced(ws)).toEqual([])

    collection.update(a!, { method: 'PUT' })
    setStatus({ kind: 'sync-off' })
    await vi.advanceTimersByTimeAsync(10_000)
    const [unsynced] = await marks.unsynced(ws)
    expect([...unsynced!.changes.changed]).toEqual([a])
    expect(unsynced!.kind).toBe('collection')
    expect(unsynced!.id).toBe('c1')
    stop()
  })

  it('keeps marks across instances (a reload) and forgets an account on sign-out', async () => {
    vi.useFakeTimers()
    const storage = memoryStorage()
    const { ws, collection, setStatus, name } = workspace('u2')
    collection.add({ kind: 'request', name: 'A' })
    setStatus({ kind: 'in-sync' })
    const stop = new SyncMarks(storage).watch(ws)
    await vi.advanceTimersByTimeAsync(2_000)
    stop()
    expect(new SyncMarks(storage).mark(name)).not.toBeNull()
    storage.setItem('ferry:sync-mark:u20:collection:c1', 'other account')
    new SyncMarks(storage).forget('u2')
    expect(new SyncMarks(storage).mark(name)).toBeNull()
    expect(storage.map.has('ferry:sync-mark:u20:collection:c1')).toBe(true)
  })
})

/**
 * Docs that synced without being loaded (a second device holds the account's collections as
 * bytes until one is opened) are marked from their held bytes: signing out with sync off loads
 * them to say what would be lost, and a collection never opened here must not count whole.
 */
/** Applies what `fill` writes in a doc of its own (no view on the relay's copy, as on the real relay, which records no conflicts). */
function seedDoc(relay: FakeRelay, name: string, fill: (doc: Y.Doc) => void): void {
  const doc = new Y.Doc()
  fill(doc)
  const update = Y.encodeStateAsUpdate(doc)
  relay.write(name, (d) => Y.applyUpdate(d, update))
}

const device = fakeDevices()

describe('sync marks of docs held without being loaded', () => {
  it('report only the collection edited here once sync is off, not those never opened', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'ann', 3, 2)
    const phone = await device()
    const workspace = await phone.open('ann', connectionTo(relay))
    const marks = new SyncMarks(memoryStorage())
    const stop = marks.watch(workspace)
    await untilInSync(workspace)
    expect(workspace.loadedDocs()).not.toContain(docName('ann', 'collection', 'c1'))
    // Marked as soon as the account is in sync, loaded or not.
    await vi.waitFor(() => expect(marks.mark(docName('ann', 'collection', 'c2'))).not.toBeNull(), { timeout: 5_000, interval: 5 })

    await workspace.setSync(null)
    const c0 = await workspace.collection('c0')
    c0.update(c0.tree()[0]!.id, { method: 'PUT' })
    const unsynced = await marks.unsynced(workspace)
    expect(unsynced.map((doc) => doc.id)).toEqual(['c0'])
    expect(unsynced[0]!.changes.changed.size).toBe(1)
    stop()
  })

  it('leave out unloaded a held doc seen and unchanged since its mark, and load and report one edited before a reload (the relay unreachable since)', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'bea', 3, 2)
    const storage = memoryStorage()
    const laptop = await device()
    const first = await laptop.open('bea', connectionTo(relay))
    const stopFirst = new SyncMarks(storage).watch(first)
    await untilInSync(first)
    await vi.waitFor(() => expect(new SyncMarks(storage).mark(docName('bea', 'collection', 'c2'))).not.toBeNull(), { timeout: 5_000, interval: 5 })
    stopFirst()
    // Opened once (every row seen by a view), so a later session holds them seen.
    for (const id of ['c0', 'c1', 'c2']) await first.collection(id)
    await first.setSync(null)
    // Edited, stored, and the page reloaded.
    const c1 = await first.collection('c1')
    c1.update(c1.tree()[0]!.id, { name: 'renamed offline' })
    await first.flushed()
    await first.destroy()
    relay.down = true
    const reloaded = await laptop.open('bea', connectionTo(relay))
    // Held in the background once the index is read: a doc not held yet is loaded to be compared.
    for (const id of ['c0', 'c1', 'c2']) await vi.waitFor(() => expect(reloaded.heldSnapshot(docName('bea', 'collection', id))).not.toBeNull(), { timeout: 5_000, interval: 5 })
    const marks = new SyncMarks(storage)
    const unsynced = await marks.unsynced(reloaded)
    expect(unsynced.map((doc) => doc.id)).toEqual(['c1'])
    expect(unsynced[0]!.changes.changed.size).toBe(1)
    expect(reloaded.loadedDocs()).not.toContain(docName('bea', 'collection', 'c2'))
  })

  /**
   * A collection held without being loaded, seen once in an earlier session, to which two other
   * devices' concurrent writes of one field then came (unseen): the relay collected the losing
   * value ('POST'), this device's held bytes are its last copy.
   */
  async function heldWithLostValue() {
    const relay = new FakeRelay()
    const name = docName('cat', 'collection', 'c0')
    seedDoc(relay, docName('cat', 'workspace'), (d) => new WorkspaceIndex(d).addCollection('C0', 'c0'))
    seedDoc(relay, name, (d) => void new Collection(d).add({ kind: 'request', name: 'r' }))
    const desktop = await device()
    const first = await desktop.open('cat', connectionTo(relay))
    await untilInSync(first)
    await first.collection('c0')
    await first.flushed()
    await first.destroy()
    const ws = await desktop.open('cat', connectionTo(relay))
    await untilInSync(ws)

    const base = Y.encodeStateAsUpdate(relay.doc(name))
    const edit = (client: number, method: string): Uint8Array => {
      const doc = new Y.Doc()
      doc.clientID = client
      Y.applyUpdate(doc, base)
      const view = new Collection(doc)
      const before = Y.encodeStateVector(doc)
      view.update(view.tree()[0]!.id, { method })
      return Y.encodeStateAsUpdate(doc, before)
    }
    relay.write(name, (doc) => Y.applyUpdate(doc, edit(1, 'POST')))
    relay.write(name, (doc) => Y.applyUpdate(doc, edit(2 ** 30, 'PUT')))
    expect(new TextDecoder().decode(Y.encodeStateAsUpdate(relay.doc(name))).includes('POST')).toBe(false)
    await untilInSync(ws)
    await vi.waitFor(() => expect(ws.heldSnapshot(name)?.sv.has(2 ** 30)).toBe(true), { timeout: 5_000, interval: 5 })
    expect(ws.loadedDocs()).not.toContain(name)
    return { ws, name }
  }

  it('report a held doc whose unseen concurrent writes hold a lost value only this device still has (a view records it once loaded)', async () => {
    const { ws, name } = await heldWithLostValue()
    // Marked while in sync, from the held bytes (as `watch` does).
    const marks = new SyncMarks(memoryStorage())
    marks.takeHeld(name, ws.heldSnapshot(name)!)
    await ws.setSync(null)
    const unsynced = await marks.unsynced(ws)
    // Loading c0 had its view record {mine: 'POST', theirs: 'PUT'}: a change the relay lacks.
    expect(unsynced.map((doc) => doc.id)).toContain('c0')
  })

  it("give that doc's bytes with the lost value recorded as a conflict (a backup built on the device)", async () => {
    const { ws } = await heldWithLostValue()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, await ws.docUpdate('collection', 'c0'))
    expect(new Collection(copy).conflicts().map((conflict) => [conflict.field, conflict.mine, conflict.theirs])).toEqual([['method', 'POST', 'PUT']])
  })
})
