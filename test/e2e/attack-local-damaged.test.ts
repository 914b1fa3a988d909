/**
 * Attack review of the client's local store: rows that are not what the store writes — bytes
 * that are no Yjs update (a damaged disk, a bug of a later release), a record of another shape.
 * The promise: a clear error, and nothing else of the doc or the account lost.
 */
import { describe, expect, it, vi } from 'vitest'
import type { UserId } from '@ferry/protocol'
import type { IDBFactory } from 'fake-indexeddb'
import { openDatabase, transactionDone } from '../../packages/client/src/idb.ts'
import { accountDocsDatabase } from '../../packages/client/src/local/account-docs.ts'
import { FOLD_ROWS } from '../../packages/client/src/local-doc.ts'
import { describeStatus } from '../../packages/client/src/sync-status.ts'
import type { Workspace } from '../../packages/client/src/workspace.ts'
import { connectionTo, fakeDevices, seedAccount } from '../../packages/client/src/sync/testing/fake-device.ts'
import { FakeRelay } from '../../packages/client/src/sync/testing/fake-relay.ts'
import { storedRows } from '../helpers/local-doc.ts'

const OWNER = 'ann' as UserId
const browser = fakeDevices()

/** Adds a record to the account's database on `indexedDB` as something other than this client would. */
async function plant(indexedDB: IDBFactory, record: unknown): Promise<void> {
  const db = await openDatabase(indexedDB, accountDocsDatabase(OWNER), 1, () => {})
  const tx = db.transaction('updates', 'readwrite')
  tx.objectStore('updates').add(record)
  await transactionDone(tx)
  db.close()
}

const status = (workspace: Workspace) => describeStatus(workspace.status)
const DAMAGED = [
  ['bytes that are no update', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ['a truncated update', new Uint8Array([1, 2, 3, 4, 5])],
  ['no bytes but a string', 'AAEC'],
  ['no update at all', undefined],
] as const

describe('local store attack: damaged rows', () => {
  it.each(DAMAGED)('a row of %s is set aside: the collection opens with the rest and the status says so', async (_, update) => {
    const device = await browser()
    let workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    ;(await workspace.collection(id)).add({ kind: 'request', name: 'kept' })
    await workspace.destroy()
    await plant(device.indexedDB, { doc: workspace.docName('collection', id), update })

    workspace = await device.open(OWNER, null)
    const collection = await workspace.collection(id)
    expect(collection.tree().map((node) => node.name)).toEqual(['kept'])
    expect(status(workspace)).toMatch(/^error \(this browser set aside 1 damaged stored change of .*collection.*; the rest opened/)
    collection.add({ kind: 'request', name: 'typed after' })
    await workspace.destroy()
    expect((await (await device.open(OWNER, null)).collection(id)).tree().map((node) => node.name)).toEqual(['kept', 'typed after'])
  })

  it.each(DAMAGED)('a doc whose only row is %s opens empty with the error, and keeps what is typed then', async (_, update) => {
    const device = await browser()
    let workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    await workspace.destroy()
    await plant(device.indexedDB, { doc: workspace.docName('collection', id), update })

    workspace = await device.open(OWNER, null)
    const collection = await workspace.collection(id)
    expect(collection.tree()).toEqual([])
    expect(status(workspace)).toMatch(/^error \(this browser set aside 1 damaged stored change/)
    collection.add({ kind: 'request', name: 'typed after' })
    await workspace.destroy()
    expect((await (await device.open(OWNER, null)).collection(id)).tree().map((node) => node.name)).toEqual(['typed after'])
  })

  it('a damaged row of the index does not keep the account from opening', async () => {
    const device = await browser()
    let workspace = await device.open(OWNER, null)
    await workspace.createCollection('API')
    await workspace.destroy()
    await plant(device.indexedDB, { doc: workspace.docName('workspace'), update: new Uint8Array([9, 9, 9]) })

    workspace = await device.open(OWNER, null)
    expect(workspace.index.collections().map((c) => c.name)).toEqual(['API'])
    expect(status(workspace)).toMatch(/^error \(this browser set aside 1 damaged stored change/)
  })

  it('folding a doc keeps the damaged row aside instead of failing for ever or deleting it', async () => {
    const device = await browser()
    let workspace = await device.open(OWNER, null)
    const id = await workspace.createCollection('API')
    await workspace.destroy()
    const name = workspace.docName('collection', id)
    await plant(device.indexedDB, { doc: name, update: new Uint8Array([0xff, 0xff, 0xff]) })

    workspace = await device.open(OWNER, null)
    const collection = await workspace.collection(id)
    for (let i = 0; i < FOLD_ROWS + 10; i++) collection.add({ kind: 'request', name: `r${i}` })
    await workspace.destroy()
    const rows = (await storedRows(device.indexedDB, device.store, OWNER)).get(name)!
    // Folded into one row, plus the damaged one, left as it was for whoever looks at it.
    expect(rows).toHaveLength(2)
    expect(rows).toContainEqual(new Uint8Array([0xff, 0xff, 0xff]))
    workspace = await device.open(OWNER, null)
    await vi.waitFor(async () => expect((await workspace.collection(id)).tree()).toHaveLength(FOLD_ROWS + 10))
  })

  it('a doc held for sync whose stored row is damaged still syncs, with the row set aside', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, OWNER, 1, 2)
    const device = await browser()
    let workspace = await device.open(OWNER, connectionTo(relay))
    await vi.waitFor(() => expect(status(workspace)).toBe('in sync'))
    await workspace.destroy()
    await plant(device.indexedDB, { doc: workspace.docName('collection', 'c0'), update: new Uint8Array([0xff, 0xff, 0xff]) })

    workspace = await device.open(OWNER, connectionTo(relay))
    const name = workspace.docName('collection', 'c0')
    await vi.waitFor(() => expect(describeStatus(workspace.docStatus(name))).toBe('in sync'))
    expect(status(workspace)).toMatch(/^error \(this browser set aside 1 damaged stored change of .*c0; the rest opened\)$/)
    expect(workspace.loadedDocs()).not.toContain(name)
    expect((await workspace.collection('c0')).tree().map((node) => node.name)).toEqual(['c0 request 0', 'c0 request 1'])
  })
})
