/**
 * Marks of the last sync for docs that synced without being loaded (a second device holds the
 * account's collections as bytes until one is opened): signing out with sync off loads them to
 * say what would be lost, and a collection never opened on this device — so never edited here —
 * must not be reported as unsynced. Before, such a doc had no mark and counted whole.
 */
import { describe, expect, it, vi } from 'vitest'
import { docName } from '@ferry/protocol'
import { describeStatus } from './sync-status.ts'
import { SyncMarks, type MarkStorage } from './sync-marks.ts'
import { connectionTo, fakeDevices, seedAccount } from './sync/testing/fake-device.ts'
import { FakeRelay } from './sync/testing/fake-relay.ts'

const device = fakeDevices()

function memoryStorage(): MarkStorage {
  const map = new Map<string, string>()
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    key: (i) => [...map.keys()][i] ?? null,
    get length() {
      return map.size
    },
  }
}

describe('sync marks of docs held without being loaded', () => {
  it('report only the collection edited here once sync is off, not those never opened', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'ann', 3, 2)
    const phone = await device()
    const workspace = await phone.open('ann', connectionTo(relay))
    const marks = new SyncMarks(memoryStorage())
    const stop = marks.watch(workspace)
    await vi.waitFor(() => expect(describeStatus(workspace.status)).toBe('in sync'), { timeout: 10_000, interval: 5 })
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
})
