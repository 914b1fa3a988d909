/**
 * Reads of many docs at once (local/account-docs.ts): from `WHOLE_STORE_READ` docs on, the
 * whole database is read in two requests instead of two per doc. Each doc must read exactly as
 * it would alone — its own rows, in order, deleted ones as deleted — and a whole read that
 * fails must fall back to reading each doc, so that one bad value fails its doc only.
 */
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { IDBObjectStore as FDBObjectStore } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { fakeDevices } from '../sync/testing/fake-device.ts'
import { AccountDocs } from './account-docs.ts'
import type { StoredDoc } from './stored-doc.ts'

const OWNER = 'ann' as UserId
const device = fakeDevices()
const names = Array.from({ length: 40 }, (_, i) => docName(OWNER, 'collection', `c${i}`))
const row = (doc: number, n: number) => new Uint8Array([doc, n])

async function seeded(): Promise<AccountDocs> {
  const { indexedDB, store } = await device()
  const docs = await AccountDocs.open(indexedDB, store, OWNER)
  // Rows interleaved across docs, so each doc's must be picked out of the whole in order.
  for (let n = 0; n < 3; n++) names.forEach((name, i) => docs.append(name, row(i, n), i % 2 === 1))
  docs.append(docName(OWNER, 'collection', 'not-asked'), row(99, 0))
  await docs.flushed()
  await docs.wipe([names[7]!], true)
  return docs
}

/** Reads `asked` in one turn (one batch). */
const readTogether = (docs: AccountDocs, asked: readonly DocName[]): Promise<StoredDoc[]> => Promise.all(asked.map((name) => docs.read(name)))

const expected = (i: number): StoredDoc =>
  i === 7
    ? { rows: [], unseen: [], damaged: 0, deleted: true }
    : { rows: i % 2 === 1 ? [] : [0, 1, 2].map((n) => row(i, n)), unseen: i % 2 === 1 ? [0, 1, 2].map((n) => row(i, n)) : [], damaged: 0, deleted: false }

describe('reading many docs at once', () => {
  const restore: (() => void)[] = []
  afterEach(() => restore.splice(0).forEach((undo) => undo()))

  it('reads each doc of a large batch as it reads alone: its rows in order, a deleted one as deleted', async () => {
    const docs = await seeded()
    const together = await readTogether(docs, names)
    const alone: StoredDoc[] = []
    for (const name of names) alone.push(await docs.read(name))
    expect(together).toEqual(alone)
    expect(together).toEqual(names.map((_, i) => expected(i)))
    docs.close()
  })

  it('falls back to reading each doc when the whole read fails', async () => {
    const docs = await seeded()
    const getAllKeys = FDBObjectStore.prototype.getAllKeys
    let failed = 0
    // The whole-database read's second request (the tombstones, no key range) aborts its transaction.
    FDBObjectStore.prototype.getAllKeys = function (this: IDBObjectStore, ...args: Parameters<typeof getAllKeys>) {
      const request = getAllKeys.apply(this, args)
      if (args[0] === undefined) {
        failed++
        this.transaction.abort()
      }
      return request
    }
    restore.push(() => (FDBObjectStore.prototype.getAllKeys = getAllKeys))
    expect(await readTogether(docs, names)).toEqual(names.map((_, i) => expected(i)))
    expect(failed).toBe(1)
    docs.close()
  })
})
