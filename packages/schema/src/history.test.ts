import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { History, HISTORY_BUCKET_SIZE, type HistoryEntryInput } from './history.ts'
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

  it('records which way a request went, and still reads entries written without it', () => {
    const h = history(7)
    h.append({ ...sent(1), via: 'agent' })
    // As an older Ferry wrote them (no `via`), and as a newer one might (a way this one does not know).
    const bucket = [...h.doc.getMap('buckets').values()][0] as Y.Array<unknown>
    bucket.push([{ ...sent(2), id: 'old' }, { ...sent(3), id: 'newer', via: 'pigeon' }])
    const entries = h.entries()
    expect(entries.map((e) => e.via)).toEqual(['agent', undefined, undefined])
    expect(entries[2]).toEqual({ ...sent(3), id: 'newer' })
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

  it('skips and reports malformed entries and buckets', () => {
    const problems: Problem[] = []
    const h = history(7, 10, problems)
    h.append(sent(1))
    const [key, bucket] = [...h.doc.getMap('buckets').entries()][0] as [string, Y.Array<unknown>]
    bucket.push([{ id: 'x', status: 'ok' }, 'junk', { ...sent(2), id: 'y', request: { method: 'GET', url: 'u', headers: [{ key: 1 }], body: '' } }])
    h.doc.getMap('buckets').set('not-an-order-key', new Y.Array())
    h.doc.getMap('buckets').set('a5', 'not an array')
    expect(h.entries()).toHaveLength(1)
    expect(problems.map((p) => p.path).sort()).toEqual(['buckets/a5', 'buckets/not-an-order-key', `buckets/${key}/1`, `buckets/${key}/2`, `buckets/${key}/3`].sort())
  })

  it('spreads entries over buckets and drops whole old buckets when trimming', () => {
    const h = history(8, 1200)
    for (let i = 0; i < 3000; i++) h.append(sent(i))
    const times = h.entries().map((e) => e.time - 1_700_000_000_000)
    expect(times).toEqual(Array.from({ length: 1200 }, (_, i) => 1800 + i))
    expect(h.doc.getMap('buckets').size).toBeLessThanOrEqual(Math.ceil(1200 / HISTORY_BUCKET_SIZE) + 1)
  })

  it('keeps entries from two devices that opened new buckets concurrently', () => {
    const x = history(9, 5000)
    const y = history(10, 5000)
    for (let i = 0; i < HISTORY_BUCKET_SIZE; i++) x.append(sent(i))
    syncDocs(x.doc, y.doc)
    x.append(sent(1000))
    y.append(sent(2000))
    syncDocs(x.doc, y.doc)
    expect(x.entries()).toEqual(y.entries())
    expect(x.entries()).toHaveLength(HISTORY_BUCKET_SIZE + 2)
  })
})
