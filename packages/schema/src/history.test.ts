import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { History, type HistoryEntryInput } from './history.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import type { Problem } from './validate.ts'

const sent = (i: number): HistoryEntryInput => ({
  request: { method: 'GET', url: `https://api.test/items/${i}`, headers: [{ key: 'Accept', value: '*/*' }], body: '' },
  status: 200,
  timingMs: 12.5,
  responseSize: 321,
  time: 1_700_000_000_000 + i,
  source: i % 2 ? { collectionId: 'c1', requestId: 'r1' } : null,
})

const history = (seed: number, limit?: number, problems: Problem[] = []): History => {
  const doc = new Y.Doc()
  doc.clientID = seed
  return new History(doc, { random: seededRandom(seed), limit, onProblem: (p) => problems.push(p) })
}

describe('History', () => {
  it('appends entries newest last and reads them back', () => {
    const h = history(1)
    const id = h.append(sent(1))
    h.append(sent(2))
    expect(h.entries()).toEqual([{ ...sent(1), id }, expect.objectContaining(sent(2))])
  })

  it('keeps only the newest `limit` entries', () => {
    const h = history(2, 3)
    for (let i = 0; i < 10; i++) h.append(sent(i))
    expect(h.entries().map((e) => e.time - 1_700_000_000_000)).toEqual([7, 8, 9])
    h.limit = 1
    h.append(sent(10))
    expect(h.entries().map((e) => e.time - 1_700_000_000_000)).toEqual([10])
  })

  it('defaults to 5,000 entries', () => {
    expect(history(3).limit).toBe(5000)
  })

  it('merges entries from two offline devices, then trims back to the limit on the next append', () => {
    const x = history(4, 5)
    const y = history(5, 5)
    for (let i = 0; i < 5; i++) x.append(sent(i))
    syncDocs(x.doc, y.doc)
    x.append(sent(100))
    y.append(sent(200))
    syncDocs(x.doc, y.doc)
    expect(x.entries()).toEqual(y.entries())
    expect(x.entries().map((e) => e.time - 1_700_000_000_000)).toContain(100)
    expect(x.entries().map((e) => e.time - 1_700_000_000_000)).toContain(200)
    x.append(sent(300))
    expect(x.length).toBe(5)
  })

  it('removes one entry, clears all', () => {
    const h = history(6)
    const a = h.append(sent(1))
    h.append(sent(2))
    expect(h.remove(a)).toBe(true)
    expect(h.remove(a)).toBe(false)
    expect(h.entries()).toHaveLength(1)
    h.clear()
    expect(h.entries()).toEqual([])
  })

  it('skips and reports malformed entries', () => {
    const problems: Problem[] = []
    const h = history(7, 10, problems)
    h.append(sent(1))
    const raw = h.doc.getArray('entries')
    raw.push([{ id: 'x', status: 'ok' }, 'junk', { ...sent(2), id: 'y', request: { method: 'GET', url: 'u', headers: [{ key: 1 }], body: '' } }])
    expect(h.entries()).toHaveLength(1)
    expect(problems.map((p) => p.path)).toEqual(['entries/1', 'entries/2', 'entries/3'])
  })
})
