/**
 * Attack review of the client's local store across releases: a tab of this release is still
 * open when a newer release, in another tab, opens the account's database to upgrade it. The
 * promise: what was typed in the old tab is written before the upgrade (so it opens in the new
 * release), and the old tab says it no longer saves instead of dropping every later change
 * without a word, as it did when it took the upgrade for a sign-out.
 */
import { describe, expect, it, vi } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import type { IDBFactory } from 'fake-indexeddb'
import * as Y from 'yjs'
import { openDatabase, requestToPromise } from '../../packages/client/src/idb.ts'
import { accountDocsDatabase } from '../../packages/client/src/local/account-docs.ts'
import { describeStatus } from '../../packages/client/src/sync-status.ts'
import { fakeDevices } from '../../packages/client/src/sync/testing/fake-device.ts'
import { useIdbFaults } from '../helpers/idb-faults.ts'
import { storedRows } from '../helpers/local-doc.ts'

const OWNER = 'ann' as UserId
const browser = fakeDevices()
const faultsOn = useIdbFaults()

/** What a newer release finds of collection `id` once it opened the database at version 2. */
async function newerReleaseReads(indexedDB: IDBFactory, id: string): Promise<string[]> {
  const db = await openDatabase(indexedDB, accountDocsDatabase(OWNER), 2, () => {})
  try {
    const rows = (await requestToPromise(db.transaction('updates', 'readonly').objectStore('updates').getAll())) as { doc: string; update: Uint8Array }[]
    const doc = new Y.Doc()
    for (const row of rows) if (row.doc === docName(OWNER, 'collection', id)) Y.applyUpdate(doc, row.update)
    return new Collection(doc).tree().map((node) => node.name)
  } finally {
    db.close()
  }
}

describe('local store attack: a newer release upgrades the database while this tab is open', () => {
  it('writes what was still queued before the upgrade, and says that later changes are not saved here', async () => {
    const { indexedDB, store, open } = await browser()
    const faults = faultsOn(accountDocsDatabase(OWNER))
    const workspace = await open(OWNER, null)
    const id = await workspace.createCollection('API')
    const collection = await workspace.collection(id)
    collection.add({ kind: 'request', name: 'saved' })
    await vi.waitFor(async () => expect((await storedRows(indexedDB, store, OWNER)).get(docName(OWNER, 'collection', id))).toHaveLength(1))
    // A change still queued when the newer release asks (its write failed once, so it waits for the next).
    faults.abort('readwrite', 1)
    collection.add({ kind: 'request', name: 'queued when the newer release came' })
    await vi.waitFor(() => expect(describeStatus(workspace.status)).toMatch(/^error/))

    expect(await newerReleaseReads(indexedDB, id)).toEqual(['saved', 'queued when the newer release came'])
    const notSaved = /^error \(this browser could not save changes \(a newer Ferry opened this account in another tab: reload this tab/
    expect(describeStatus(workspace.status)).toMatch(notSaved)
    collection.add({ kind: 'request', name: 'typed in the old tab after the upgrade' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(describeStatus(workspace.status)).toMatch(notSaved)
    // Not taken for a sign-out: the old tab still opens what it holds, and says why it cannot read more.
    await expect(workspace.environments()).rejects.toThrow(/a newer Ferry opened this account in another tab/)
  })
})
