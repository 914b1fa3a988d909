import { describe, expect, it } from 'vitest'
import type { VersionRecord } from '../storage/versions/version-store.ts'
import { kept } from './chain.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const now = Date.UTC(2026, 5, 30, 12)
const version = (id: number, ageMs: number, name: string | null = null): VersionRecord => ({
  id, at: now - ageMs, devices: [], summary: { added: 0, removed: 0, changed: 0 }, name, base: id === 1, bytes: 1,
})

describe('kept (what pruning keeps)', () => {
  it('keeps the last day whole, the last of each hour for a week, the last of each day until the retention', () => {
    const versions = [
      version(1, 40 * DAY), // past the 30-day retention
      version(2, 40 * DAY - HOUR, 'before the migration'), // named: never expires
      version(3, 20 * DAY + 2 * HOUR), version(4, 20 * DAY + HOUR), // one day: the later one stays
      version(5, 3 * DAY + 20 * 60_000), version(6, 3 * DAY + 10 * 60_000), // one hour: the later one stays
      version(7, 3 * DAY - 50 * 60_000), // the next hour
      version(8, 5 * 60 * 60_000), version(9, 5 * 60 * 60_000 - 5 * 60_000), // the last day: all stay
      version(10, 0),
    ]
    // Buckets are whole hours and days of the clock, so 3 and 4 share a day and 5 and 6 an hour here.
    expect([...kept(versions, now, 30 * DAY)].sort((a, b) => a - b)).toEqual([2, 4, 6, 7, 8, 9, 10])
  })

  it('always keeps the latest, however old', () => {
    expect([...kept([version(1, 90 * DAY), version(2, 60 * DAY)], now, 30 * DAY)]).toEqual([2])
  })
})
