/**
 * Tests only: data as the releases up to 0.4 left it, one y-indexeddb database per doc
 * (`ferry:<docName>`), for the suites on moving it into the account's database.
 */
import type { UserId } from '@ferry/protocol'
import { IDBKeyRange, type IDBFactory } from 'fake-indexeddb'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import type { AccountStore } from '../../account-store.ts'
import { withIndexedDB } from '../../idb.ts'

// y-indexeddb (through lib0) reads IDBKeyRange from the global scope, as in a browser.
;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

/** Writes `edit` into the doc's own database as release 0.4 did, registered to `owner` in `store`. */
export async function writeAsBefore(factory: IDBFactory, store: AccountStore, owner: UserId, name: string, edit: (doc: Y.Doc) => void): Promise<void> {
  await store.registerDatabase(owner, `ferry:${name}`)
  const doc = new Y.Doc()
  const persistence = withIndexedDB(factory, () => new IndexeddbPersistence(`ferry:${name}`, doc))
  await persistence.whenSynced
  edit(doc)
  // y-indexeddb writes each update in a transaction of its own; let them land.
  await new Promise((resolve) => setTimeout(resolve, 50))
  await persistence.destroy()
}
