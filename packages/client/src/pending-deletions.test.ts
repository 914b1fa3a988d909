/**
 * Deletions this device owes the relay, sent after a rate limit: emptying a trash larger than
 * the relay's deletes per minute is turned away part-way with 429; the rest go by themselves
 * once the Retry-After has passed, without waiting for some other status change.
 */
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AccountStore } from './account-store.ts'
import { RateLimited } from './errors.ts'
import { PendingDeletions } from './pending-deletions.ts'
import type { SyncConnection } from './sync/types.ts'

const OWNER = 'ann' as UserId

afterEach(() => vi.useRealTimers())

describe('pending deletions', () => {
  it('send the rest by themselves after the Retry-After of a rate limit', async () => {
    const store = await AccountStore.open(new IDBFactory())
    const names = ['c1', 'c2', 'c3'].map((id) => docName(OWNER, 'collection', id))
    for (const name of names) await store.setPendingDeletion(OWNER, name, true)
    const deletedOnRelay: DocName[] = []
    let allowed = 1
    const sync = {
      deleteDoc: async (name: DocName) => {
        if (allowed-- <= 0) throw new RateLimited('Too many deletions', 'rate_limited', 0.2)
        deletedOnRelay.push(name)
      },
    } as unknown as SyncConnection
    const deletions = new PendingDeletions(OWNER, store, { wanted: () => true, indexStored: async () => undefined, deleted: async () => undefined }, (error) => {
      throw error
    })

    await deletions.send(sync, () => false)
    expect(deletedOnRelay).toEqual([names[0]])
    expect(deletions.wantsRetry).toBe(true)
    allowed = 10
    await vi.waitFor(() => expect(deletedOnRelay).toEqual(names), { timeout: 2_000, interval: 20 })
    await vi.waitFor(async () => expect(await store.pendingDeletions(OWNER)).toEqual([]))
    store.close()
  })
})
