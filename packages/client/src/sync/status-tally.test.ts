import { describe, expect, it, vi } from 'vitest'
import type { DocName } from '@ferry/protocol'
import { describeStatus } from '../sync-status.ts'
import { StatusTally } from './status-tally.ts'

const n = (s: string) => s as DocName
const label = (tally: StatusTally) => describeStatus(tally.status)

describe('StatusTally', () => {
  it('counts listed docs that are not loaded yet: a new device is syncing N of M, never in sync early', () => {
    const tally = new StatusTally()
    tally.list(new Set([n('a:workspace'), n('a:environments'), n('a:history')]))
    expect(label(tally)).toBe('connecting')
    tally.set(n('a:workspace'), { kind: 'in-sync' })
    expect(label(tally)).toBe('syncing 1 of 3')
    tally.list(new Set(['a:workspace', 'a:environments', 'a:history', 'a:collection:x', 'a:collection:y'].map(n)))
    tally.set(n('a:environments'), { kind: 'in-sync' })
    tally.set(n('a:history'), { kind: 'in-sync' })
    tally.set(n('a:collection:x'), { kind: 'connecting' })
    expect(label(tally)).toBe('syncing 3 of 5')
    tally.set(n('a:collection:x'), { kind: 'in-sync' })
    expect(label(tally)).toBe('syncing 4 of 5')
    tally.set(n('a:collection:y'), { kind: 'syncing', pending: 2 })
    expect(label(tally)).toBe('syncing (2 pending)')
    tally.set(n('a:collection:y'), { kind: 'in-sync' })
    expect(label(tally)).toBe('in sync')
  })

  it('shows the most urgent state, sums pending changes, and forgets docs unlisted and unloaded', () => {
    const tally = new StatusTally()
    tally.list(new Set([n('a:workspace'), n('a:collection:x')]))
    tally.set(n('a:workspace'), { kind: 'syncing', pending: 1 })
    tally.set(n('a:collection:x'), { kind: 'syncing', pending: 2 })
    expect(label(tally)).toBe('syncing (3 pending)')
    tally.set(n('a:collection:x'), { kind: 'error', reason: 'not allowed' })
    expect(label(tally)).toBe('error (not allowed)')
    tally.set(n('a:workspace'), { kind: 'offline' })
    expect(label(tally)).toBe('error (not allowed)')
    tally.list(new Set([n('a:workspace')]))
    tally.set(n('a:collection:x'), null)
    expect(label(tally)).toBe('offline')
    tally.set(n('a:workspace'), { kind: 'signed-out' })
    expect(label(tally)).toBe('signed out')
    tally.set(n('a:workspace'), { kind: 'in-sync' })
    expect(label(tally)).toBe('in sync')
  })

  it('updates without walking the docs on each change (20,000 docs, each changing, end in sync)', () => {
    const tally = new StatusTally()
    const names = Array.from({ length: 20_000 }, (_, i) => n(`a:collection:c${i}`))
    tally.list(new Set(names))
    // A walk over every doc per change (the O(N²) of issue 14) iterates a Map; counted, not timed.
    const walks = vi.spyOn(Map.prototype, Symbol.iterator)
    for (const name of names) {
      tally.set(name, { kind: 'connecting' })
      tally.set(name, { kind: 'in-sync' })
      void tally.status
    }
    expect(walks).not.toHaveBeenCalled()
    walks.mockRestore()
    expect(label(tally)).toBe('in sync')
  })
})
