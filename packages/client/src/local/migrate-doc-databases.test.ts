/**
 * Data written by the releases that kept one y-indexeddb database per doc opens in this one:
 * the rows move into the account's database and the old databases are deleted.
 */
import { describe, expect, it } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { IDBFactory } from 'fake-indexeddb'
import { AccountStore } from '../account-store.ts'
import { Workspace } from '../workspace.ts'
import { writeAsBefore } from './testing/legacy-databases.ts'

const OWNER = 'olduser' as UserId

describe('per-doc databases of earlier releases', () => {
  it('move into the account database on open, with every edit, and are deleted', async () => {
    const factory = new IDBFactory()
    const store = await AccountStore.open(factory)
    await writeAsBefore(factory, store, OWNER, docName(OWNER, 'workspace'), (doc) => new WorkspaceIndex(doc).addCollection('Legacy API', 'c1'))
    await writeAsBefore(factory, store, OWNER, docName(OWNER, 'collection', 'c1'), (doc) => {
      const collection = new Collection(doc)
      collection.add({ kind: 'request', name: 'list users', url: 'https://api.test/users' })
      collection.add({ kind: 'request', name: 'create user', method: 'POST', url: 'https://api.test/users' })
    })
    expect((await factory.databases()).map((d) => d.name).sort()).toEqual(['ferry:accounts', `ferry:${OWNER}:collection:c1`, `ferry:${OWNER}:workspace`])

    const workspace = await Workspace.open({ owner: OWNER, indexedDB: factory, store, sync: null, tabs: null })
    expect(workspace.index.collections().map((c) => c.name)).toEqual(['Legacy API'])
    expect((await workspace.collection('c1')).tree().map((n) => n.name)).toEqual(['list users', 'create user'])
    await workspace.destroy()
    expect((await factory.databases()).map((d) => d.name).sort()).toEqual(['ferry:accounts', `ferry:${OWNER}:docs`])
    expect(await store.databasesOf(OWNER)).toEqual([`ferry:${OWNER}:docs`])

    // And the moved data stays: opened again, nothing is moved twice or lost.
    const again = await Workspace.open({ owner: OWNER, indexedDB: factory, store, sync: null, tabs: null })
    expect((await again.collection('c1')).tree()).toHaveLength(2)
    await again.destroy()
    store.close()
  })
})
