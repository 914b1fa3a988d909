import { describe, expect, it } from 'vitest'
import { applyBudgetMs, MAX_APPLY_MS, MIN_APPLY_MS } from './apply-budget.ts'

describe('the time an update from a socket may take to apply', () => {
  it('is at least a second, ten times the estimate in between, and at most MAX_APPLY_MS', () => {
    expect(applyBudgetMs(10, 1)).toBe(MIN_APPLY_MS)
    // The heavy stream's 30-day state (212 KB, 14,998 structs).
    expect(applyBudgetMs(212_000, 14_998)).toBeCloseTo(10 * (21.2 + 149.98))
    // The 10,000-request Postman import (21 MB, 43,321 structs; applies in 0.40–0.46 s) had 26.5 s.
    expect(applyBudgetMs(21_000_000, 43_321)).toBe(MAX_APPLY_MS)
    expect(MAX_APPLY_MS).toBeLessThan(10_000)
  })
})
