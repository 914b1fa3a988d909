/**
 * Attack review of the move from per-doc y-indexeddb databases (releases up to 0.4) into the
 * account's one database (local/migrate-doc-databases.ts): a per-doc database that cannot be
 * read, two tabs moving the same databases at once, a page that dies half-way. The promise: data
 * written by an earlier release opens in this one, and nothing moved is lost or doubled into
 * something else.
 */
import { describe, expect, it, vi } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import type { IDBFactory } from 'fake-indexeddb'
import { AccountDocs, accountDocsDatabase } from '../../packages/client/src/local/account-docs.ts'
import { describeStatus } from '../../packages/client/src/sync-status.ts'
import type { Workspace } from '../../packages/client/src/workspace.ts'
import { writeAsBefore } from '../../packages/client/src/local/testing/legacy-databases.ts'
import { fakeDevices, type Device } from '../../packages/client/src/sync/testing/fake-device.ts'
import { useIdbFaults } from '../helpers/idb-faults.ts'

const OWNER = 'olduser' as UserId
const legacyName = (id: string) => `ferry:${docName(OWNER, 'collection', id)}`
const browser = fakeDevices()
const faultsOn = useIdbFaults()

/** A browser on which release 0.4 kept an index listing c1…c`count` and a request in each. */
async function earlierRelease(count: number): Promise<Device> {
  const device = await browser()
  await writeAsBefore(device.indexedDB, device.store, OWNER, docName(OWNER, 'workspace'), (doc) => {
    for (let i = 1; i <= count; i++) new WorkspaceIndex(doc).addCollection(`API ${i}`, `c${i}`)
  })
  for (let i = 1; i <= count; i++) {
    await writeAsBefore(device.indexedDB, device.store, OWNER, docName(OWNER, 'collection', `c${i}`), (doc) => new Collection(doc).add({ kind: 'request', name: `request ${i}` }))
  }
  return device
}

const databases = async (factory: IDBFactory) => (await factory.databases()).map((d) => d.name!).sort()
const requests = async (workspace: Workspace, count: number) => {
  const names: string[] = []
  for (let i = 1; i <= count; i++) names.push(...(await workspace.collection(`c${i}`)).tree().map((node) => node.name))
  return names
}

describe('local store attack: moving the databases of an earlier release', () => {
  it('a per-doc database that cannot be read does not keep the account from opening; it stays, the rest move in', async () => {
    const device = await earlierRelease(3)
    const faults = faultsOn(legacyName('c2'))
    faults.abort('readonly')

    const workspace = await device.open(OWNER, null)
    expect(workspace.index.collections().map((c) => c.name)).toEqual(['API 1', 'API 2', 'API 3'])
    expect((await workspace.collection('c1')).tree().map((node) => node.name)).toEqual(['request 1'])
    expect((await workspace.collection('c3')).tree().map((node) => node.name)).toEqual(['request 3'])
    expect(describeStatus(workspace.status)).toMatch(/^error \(this browser could not move 1 doc stored by an earlier release/)
    // Kept where it was, still registered to the account, for the next open to try again.
    expect(await databases(device.indexedDB)).toContain(legacyName('c2'))
    expect(await device.store.databasesOf(OWNER)).toContain(legacyName('c2'))
    await workspace.destroy()

    faults.restore()
    const again = await device.open(OWNER, null)
    expect(await requests(again, 3)).toEqual(['request 1', 'request 2', 'request 3'])
    expect(await databases(device.indexedDB)).toEqual(['ferry:accounts', accountDocsDatabase(OWNER)])
  })

  it('two tabs moving the same databases at once both open every doc, and a reload finds each once', async () => {
    const device = await earlierRelease(5)
    const otherTab = await browser(device.indexedDB)
    const [one, two] = await Promise.all([device.open(OWNER, null), otherTab.open(OWNER, null)])
    expect(await requests(one, 5)).toEqual(['request 1', 'request 2', 'request 3', 'request 4', 'request 5'])
    expect(await requests(two, 5)).toEqual(['request 1', 'request 2', 'request 3', 'request 4', 'request 5'])
    await Promise.all([one.destroy(), two.destroy()])
    expect(await databases(device.indexedDB)).toEqual(['ferry:accounts', accountDocsDatabase(OWNER)])
    expect(await requests(await device.open(OWNER, null), 5)).toEqual(['request 1', 'request 2', 'request 3', 'request 4', 'request 5'])
  })

  it('a page that died after moving the rows and before deleting the old databases moves them again without doubling a request', async () => {
    const device = await earlierRelease(2)
    // The old databases are deleted only after the move committed: make their deletion "die".
    const deleteDatabase = device.indexedDB.deleteDatabase.bind(device.indexedDB)
    device.indexedDB.deleteDatabase = () => {
      throw new Error('the page died here')
    }
    await expect(device.open(OWNER, null)).rejects.toThrow('the page died here')
    device.indexedDB.deleteDatabase = deleteDatabase

    const workspace = await device.open(OWNER, null)
    expect(await requests(workspace, 2)).toEqual(['request 1', 'request 2'])
    const collection = await workspace.collection('c1')
    collection.add({ kind: 'request', name: 'after the move' })
    await workspace.destroy()
    await vi.waitFor(async () => expect(await databases(device.indexedDB)).toEqual(['ferry:accounts', accountDocsDatabase(OWNER)]))
    expect(await requests(await device.open(OWNER, null), 2)).toEqual(['request 1', 'after the move', 'request 2'])
  })

  it('an old database of a doc deleted for good since does not bring it back when it is moved again', async () => {
    const device = await earlierRelease(2)
    let workspace = await device.open(OWNER, null)
    workspace.index.removeCollection('c2')
    await workspace.destroy()
    // Deleted for good as this browser stores it: rows gone, name marked.
    const docs = await AccountDocs.open(device.indexedDB, device.store, OWNER)
    await docs.wipe([docName(OWNER, 'collection', 'c2')], true)
    docs.close()
    // An old copy of c2's database turns up again, registered (a restored browser profile).
    await writeAsBefore(device.indexedDB, device.store, OWNER, docName(OWNER, 'collection', 'c2'), (doc) => new Collection(doc).add({ kind: 'request', name: 'old copy' }))

    workspace = await device.open(OWNER, null)
    expect(workspace.index.collections().map((c) => c.id)).toEqual(['c1'])
    expect((await workspace.collection('c2')).tree()).toEqual([])
    expect(await databases(device.indexedDB)).toEqual(['ferry:accounts', accountDocsDatabase(OWNER)])
  })
})
