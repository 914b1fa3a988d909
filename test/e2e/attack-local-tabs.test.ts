/**
 * Attack review of the client's local store with several tabs on one browser: each tab has its
 * own connection to the account's database (packages/client/src/local/account-docs.ts) and
 * writes, folds and deletes on its own. The promise: a fold in one tab never drops a row another
 * tab wrote, a deleted collection never comes back from a tab that has not heard of it, and a
 * workspace closed in the middle of typing keeps every change.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { IDBFactory } from 'fake-indexeddb'
import * as Y from 'yjs'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import { AccountDocs } from '../../packages/client/src/local/account-docs.ts'
import { LazyDoc } from '../../packages/client/src/local/lazy-doc.ts'
import { FOLD_ROWS } from '../../packages/client/src/local-doc.ts'
import { Workspace } from '../../packages/client/src/workspace.ts'
import { storedRows } from '../helpers/local-doc.ts'

const OWNER = 'ann' as UserId
const NAME = docName(OWNER, 'collection', 'c1')
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close()
})

async function browser() {
  const indexedDB = new IDBFactory()
  const store = await AccountStore.open(indexedDB)
  cleanup.push(() => store.close())
  return {
    indexedDB,
    store,
    /** A tab: its own account store and workspace on the browser's one IndexedDB. */
    tab: async () => {
      const own = await AccountStore.open(indexedDB)
      const workspace = await Workspace.open({ owner: OWNER, indexedDB, store: own, sync: null, tabs: null })
      cleanup.unshift(async () => {
        await workspace.destroy()
        own.close()
      })
      return workspace
    },
    /** A tab holding `name` as its docs layer does, without a workspace. */
    docs: async () => {
      const docs = await AccountDocs.open(indexedDB, store, OWNER)
      cleanup.unshift(() => docs.close())
      return docs
    },
  }
}

const names = (collection: Collection) => collection.tree().map((node) => node.name).sort()
const turn = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('local store attack: tabs', () => {
  it('a fold in one tab keeps every row another tab writes before, during or after it', async () => {
    const device = await browser()
    const [one, two] = [await device.docs(), await device.docs()]
    const folding = await LazyDoc.hold(one, NAME)
    const mine = new Collection(folding.wake(() => {}).doc)
    for (let i = 0; i < FOLD_ROWS; i++) mine.add({ kind: 'request', name: `one ${i}` })
    const other = new Collection((await LazyDoc.hold(two, NAME)).wake(() => {}).doc)

    // The other tab's rows land before the fold's flush, between it and the fold's transaction, and after.
    other.add({ kind: 'request', name: 'two before' })
    await turn()
    const fold = folding.local!.fold()
    other.add({ kind: 'request', name: 'two during' })
    await fold
    other.add({ kind: 'request', name: 'two after' })
    await two.flushed()
    await one.flushed()

    const rows = (await storedRows(device.indexedDB, device.store, OWNER)).get(NAME)!
    expect(rows.length).toBeLessThan(FOLD_ROWS)
    const reopened = await (await device.tab()).collection('c1')
    expect(names(reopened)).toEqual([...Array.from({ length: FOLD_ROWS }, (_, i) => `one ${i}`), 'two after', 'two before', 'two during'].sort())
  })

  it('a tab that has not heard of a deletion does not bring the collection back by typing into it or folding it', async () => {
    const device = await browser()
    const first = await device.tab()
    const id = await first.createCollection('Doomed')
    ;(await first.collection(id)).add({ kind: 'request', name: 'before' })
    await first.destroy()
    const stale = await device.tab()
    const staleCopy = await stale.collection(id)
    const name: DocName = docName(OWNER, 'collection', id)

    // Another tab deletes it for good, as this browser stores a deletion: rows gone, name marked.
    const other = await device.tab()
    other.index.removeCollection(id)
    await other.destroy()
    await (await device.docs()).wipe([name], true)
    // The stale tab (no sync, so it never hears) types on — enough for a fold.
    for (let i = 0; i < FOLD_ROWS + 5; i++) staleCopy.add({ kind: 'request', name: `stale ${i}` })
    await stale.destroy()

    expect((await storedRows(device.indexedDB, device.store, OWNER)).get(name)).toBeUndefined()
    const after = await device.tab()
    expect(after.index.collections().map((c) => c.id)).not.toContain(id)
    expect((await after.collection(id)).tree()).toEqual([])
  })

  it('a workspace closed in the turn something was typed (and while a fold runs) keeps every change', async () => {
    const device = await browser()
    const first = await device.tab()
    const id = await first.createCollection('API')
    const collection = await first.collection(id)
    for (let i = 0; i < FOLD_ROWS + 10; i++) collection.add({ kind: 'request', name: `r${i}` })
    collection.add({ kind: 'request', name: 'typed as the tab closed' })
    await first.destroy()

    const reopened = await (await device.tab()).collection(id)
    expect(reopened.tree()).toHaveLength(FOLD_ROWS + 11)
    expect(names(reopened)).toContain('typed as the tab closed')
  })

  it('a fold leaves unseen what another tab stored unseen and this tab never applied: the value it beat is recorded on the next load', async () => {
    const device = await browser()
    const [one, two] = [await device.docs(), await device.docs()]
    // The other device's request; its client id is the highest, so its later value wins.
    const phone = new Y.Doc()
    phone.clientID = 0xffffffff
    const id = new Collection(phone).add({ kind: 'request', name: 'users', url: 'https://api.test/users' })
    const before = Y.encodeStateVector(phone)
    const lazy = await LazyDoc.hold(one, NAME)
    let view: Collection | null = null
    const local = lazy.wake((doc) => (view = new Collection(doc)))
    Y.applyUpdate(local.doc, Y.encodeStateAsUpdate(phone), 'relay')
    view!.update(id, { method: 'POST' })
    // Meanwhile the phone set PUT; the other tab (holding the doc unloaded) heard it and stored it
    // unseen, and this tab folds before hearing it from that tab — then closes.
    new Collection(phone).update(id, { method: 'PUT' })
    two.append(NAME, Y.encodeStateAsUpdate(phone, before), true)
    await two.flushed()
    await local.fold()
    await lazy.destroy()
    await one.flushed()

    const again = await LazyDoc.hold(await device.docs(), NAME)
    let reloaded: Collection | null = null
    again.wake((doc) => (reloaded = new Collection(doc)))
    const node = reloaded!.tree()[0]!
    expect(node.kind === 'request' && node.method).toBe('PUT')
    const conflicts = reloaded!.conflicts().filter((c) => c.field === 'method')
    expect(conflicts.map((c) => [c.mine, c.theirs])).toEqual([['POST', 'PUT']])
  })
})
