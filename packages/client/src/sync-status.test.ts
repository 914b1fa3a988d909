import { describe, expect, it } from 'vitest'
import { combineStatuses, covers, describeStatus, type SyncStatus } from './sync-status.ts'

describe('sync status', () => {
  it('reads as the labels the UI shows', () => {
    const labels = (
      [
        { kind: 'sync-off' },
        { kind: 'offline' },
        { kind: 'connecting' },
        { kind: 'syncing', pending: 3 },
        { kind: 'syncing', pending: 0, docs: { synced: 120, total: 303 } },
        { kind: 'syncing', pending: 2, docs: { synced: 120, total: 303 } },
        { kind: 'in-sync' },
        { kind: 'signed-out' },
        { kind: 'error', reason: 'not allowed' },
      ] satisfies SyncStatus[]
    ).map(describeStatus)
    expect(labels).toEqual(['sync off', 'offline', 'connecting', 'syncing (3 pending)', 'syncing 120 of 303', 'syncing 120 of 303 (2 pending)', 'in sync', 'signed out', 'error (not allowed)'])
  })

  it('shows the account as its most urgent doc, summing pending changes', () => {
    expect(combineStatuses([{ kind: 'in-sync' }, { kind: 'syncing', pending: 2 }, { kind: 'syncing', pending: 1 }])).toEqual({ kind: 'syncing', pending: 3 })
    expect(combineStatuses([{ kind: 'in-sync' }, { kind: 'offline' }, { kind: 'syncing', pending: 1 }])).toEqual({ kind: 'offline' })
    expect(combineStatuses([{ kind: 'offline' }, { kind: 'signed-out' }])).toEqual({ kind: 'signed-out' })
    expect(combineStatuses([{ kind: 'in-sync' }, { kind: 'in-sync' }])).toEqual({ kind: 'in-sync' })
    expect(combineStatuses([])).toEqual({ kind: 'sync-off' })
  })

  it('counts a local state as covered only when the relay has every clock', () => {
    const local = new Map([[1, 5], [2, 3]])
    expect(covers(new Map([[1, 5], [2, 3], [9, 1]]), local)).toBe(true)
    expect(covers(new Map([[1, 5], [2, 2]]), local)).toBe(false)
    expect(covers(new Map([[1, 5]]), local)).toBe(false)
  })
})
