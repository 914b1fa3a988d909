/**
 * History trimming vs tombstones: 100,000 appends to a `History` that keeps the newest 5,000,
 * then the encoded doc size against a fresh doc holding only those 5,000 entries (what
 * re-creating the doc would give). Goal ≤ 2×. Two workloads: one device, and three devices
 * appending in strict turn while live-synced — the worst case for tombstones, since no two
 * consecutive entries come from the same device.
 */
import { History, type HistoryEntryInput } from '@ferry/schema'
import * as Y from 'yjs'
import { report, type BenchRow } from './report.ts'

const APPENDS = 100_000
const KEEP = 5_000

function entry(i: number): HistoryEntryInput {
  return {
    request: {
      method: i % 3 === 0 ? 'POST' : 'GET',
      url: `https://api.example.com/v1/orders/${i}?expand=items&page=${i % 7}`,
      headers: [
        { key: 'Accept', value: 'application/json' },
        { key: 'Authorization', value: 'Bearer eyJhbGciOiJIUzI1NiJ9.redacted' },
        { key: 'X-Request-Id', value: `req-${i}` },
      ],
      body: i % 3 === 0 ? `{"orderId":${i},"items":[{"sku":"A-${i % 100}","qty":${1 + (i % 4)}}]}` : '',
    },
    status: i % 50 === 0 ? 500 : 200,
    timingMs: 20 + (i % 180),
    responseSize: 512 + (i % 4096),
    time: 1_767_225_600_000 + i * 1000,
    source: i % 2 ? { collectionId: 'c7Xb2lQe0Rr8Dq3sWm1Zpg', requestId: 'r9Kc4mTf1Ss7Ep2tXn0Yqh' } : null,
  }
}

/** Size of a fresh doc holding exactly what `history` kept. */
function freshSize(history: History): number {
  const fresh = new History(new Y.Doc(), { limit: KEEP })
  for (const { id: _, ...entry } of history.entries()) fresh.append(entry)
  return Y.encodeStateAsUpdate(fresh.doc).byteLength
}

function run(devices: number): { size: number; fresh: number; ms: number; kept: number } {
  const histories = Array.from({ length: devices }, (_, i) => {
    const doc = new Y.Doc()
    doc.clientID = i + 1
    return new History(doc, { limit: KEEP })
  })
  // Live sync: every local update is applied to the other devices at once.
  for (const h of histories) {
    h.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'remote') return
      for (const other of histories) if (other !== h) Y.applyUpdate(other.doc, update, 'remote')
    })
  }
  const start = performance.now()
  for (let i = 0; i < APPENDS; i++) histories[i % devices]!.append(entry(i))
  const ms = performance.now() - start
  const first = histories[0]!
  return { size: Y.encodeStateAsUpdate(first.doc).byteLength, fresh: freshSize(first), ms, kept: first.length }
}

const rows: BenchRow[] = []
const extra: Record<string, unknown> = {}
for (const devices of [1, 3]) {
  const r = run(devices)
  rows.push({ metric: `encoded size after ${APPENDS} appends keeping ${KEEP}, ${devices} device(s)`, ferry: r.size, reference: r.fresh, unit: 'bytes', against: 'fresh doc with the kept entries', goal: 2 })
  extra[`devices${devices}`] = { appendMsTotal: Math.round(r.ms), appendUsEach: (r.ms * 1000) / APPENDS, kept: r.kept }
  console.log(`  ${devices} device(s): ${APPENDS} appends in ${Math.round(r.ms)} ms (${((r.ms * 1000) / APPENDS).toFixed(1)} µs each), ${r.kept} kept`)
}
report('history-trim', rows, extra)
if (rows.some((r) => r.ferry / r.reference > r.goal!)) process.exitCode = 1
