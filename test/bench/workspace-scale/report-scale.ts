/**
 * The workspace-scale benchmark's report: issue 14's ratio goals as `report.ts` rows (printed
 * with their verdicts, written to results/workspace-scale.json), then the goals that are counts
 * rather than ratios (refusals, sockets per account), then a one-line tally. A missed goal is
 * reported, never thrown.
 */
import { median, report, type BenchRow } from '../report.ts'
import type { ClientKind, NewDeviceSamples, Sample } from './new-device.ts'
import type { MemoryResult, StormResult } from './storm.ts'

export interface ScaleResults {
  workload: Record<string, unknown>
  newDevice: ReadonlyMap<ClientKind, NewDeviceSamples>
  /** Ferry's new device on an account holding the same requests in one collection, and its bytes of Yjs. */
  oneDoc: { samples: NewDeviceSamples; bytes: number }
  floor: readonly number[]
  storm: Record<'ferry' | 'hocuspocus', { storm: StormResult; memory: MemoryResult }>
  serverStartMs: Record<'ferry' | 'hocuspocus', readonly number[]>
}

/** "In time close to one doc of the same total bytes" (issue 14), taken as at most half again. */
export const ONE_DOC_GOAL = 1.5
const LOCAL = 'Hocuspocus multiplexed, local-first client (provider + y-indexeddb)'
const MEMORY = 'Hocuspocus multiplexed, in-memory client (stock provider)'

export function reportScale(results: ScaleResults): void {
  const { workload, newDevice, oneDoc, floor, storm } = results
  const of = (kind: ClientKind, when: 'cold' | 'warm', pick: (s: Sample) => number) => median(newDevice.get(kind)![when].map(pick))
  const size = `${String(workload.collections)}×${String(workload.requests)}`
  const rows: BenchRow[] = []
  for (const when of ['cold', 'warm'] as const) {
    const label = `new device (${size}), ${when} docs`
    const ms = (kind: ClientKind) => of(kind, when, (s) => s.ms)
    const cpu = (kind: ClientKind) => of(kind, when, (s) => s.cpuMs)
    rows.push(
      { metric: `${label}: time to all in sync`, ferry: ms('ferry'), reference: ms('hocuspocus-local'), unit: 'ms', against: LOCAL, goal: 1 },
      { metric: `${label}: time to all in sync`, ferry: ms('ferry'), reference: ms('hocuspocus'), unit: 'ms', against: MEMORY, goal: 1 },
      { metric: `${label}: time to all in sync`, ferry: ms('ferry'), reference: median(floor), unit: 'ms', against: 'floor: Y.applyUpdate of the same stored bytes', goal: 4 },
      {
        metric: `${label}: time to all in sync`,
        ferry: ms('ferry'),
        reference: median(oneDoc.samples[when].map((s) => s.ms)),
        unit: 'ms',
        against: `Ferry, the same requests in one collection (${(oneDoc.bytes / 1024).toFixed(0)} KiB)`,
        goal: ONE_DOC_GOAL,
      },
      { metric: `${label}: server CPU`, ferry: cpu('ferry'), reference: cpu('hocuspocus-local'), unit: 'ms', against: `${LOCAL} run`, goal: 1 },
      { metric: `${label}: server CPU`, ferry: cpu('ferry'), reference: cpu('hocuspocus'), unit: 'ms', against: `${MEMORY} run`, goal: 1 },
    )
  }
  const f = storm.ferry
  const h = storm.hocuspocus
  const accounts = `${String(workload.accounts)} accounts`
  rows.push(
    { metric: `restart storm (${accounts}, default config): all in sync, from listening`, ferry: f.storm.fromListeningMs, reference: h.storm.fromListeningMs, unit: 'ms', against: MEMORY, goal: 2 },
    { metric: `restart storm (${accounts}): all in sync, from the stop`, ferry: f.storm.fromStopMs, reference: h.storm.fromStopMs, unit: 'ms', against: MEMORY },
    { metric: `restart storm (${accounts}): server CPU until all in sync`, ferry: f.storm.cpuMs, reference: h.storm.cpuMs, unit: 'ms', against: MEMORY },
    { metric: `memory per idle connected account (RSS after GC, ${String(workload.collections)} collections)`, ferry: f.memory.rssPerAccount / 1024, reference: h.memory.rssPerAccount / 1024, unit: 'KiB', against: '@hocuspocus/server', goal: 0.25 },
    { metric: 'memory per idle connected account (heap + external after GC)', ferry: f.memory.heapPerAccount / 1024, reference: h.memory.heapPerAccount / 1024, unit: 'KiB', against: '@hocuspocus/server', goal: 0.25 },
  )

  const sockets = (kind: 'ferry' | 'hocuspocus') => {
    const phase1 = newDevice.get(kind)!
    const { newDevices, storm: restart, memoryRestart } = storm[kind].storm.socketsPerAccount
    return { newDevice: Math.max(...phase1.cold.map((s) => s.sockets), ...phase1.warm.map((s) => s.sockets)), newDevices, restart, memoryRestart }
  }
  const ferrySockets = Math.max(...Object.values(sockets('ferry')))
  const hocuspocusSockets = Math.max(...Object.values(sockets('hocuspocus')))
  const counts = [
    { goal: `restart storm: 0 refusals (${accounts} from one address)`, ferry: f.storm.refusals, reference: h.storm.refusals, target: 0, detail: { ferry: f.storm.codes, hocuspocus: h.storm.codes } },
    { goal: 'sockets per account per browser: 1 (most open at once, any phase)', ferry: ferrySockets, reference: hocuspocusSockets, target: 1, detail: { ferry: { mostOpenAtOnce: sockets('ferry'), opened: f.storm.socketsOpened }, hocuspocus: { mostOpenAtOnce: sockets('hocuspocus'), opened: h.storm.socketsOpened } } },
  ]
  report('workspace-scale', rows, {
    workload,
    goalsNotRatios: counts.map((c) => ({ ...c, met: c.ferry === c.target })),
    newDevice: Object.fromEntries(newDevice),
    oneDoc,
    floorMs: floor,
    storm,
    serverStartMs: results.serverStartMs,
    fanout: 'measured by sync-fanout.bench.ts (16×250 on /v1/sync and on /v1/mux, delivery p99 against the better reference server)',
  })
  console.log('\n  goals that are counts:')
  for (const c of counts) {
    console.log(`  ${c.goal}: ferry ${c.ferry} vs Hocuspocus ${c.reference} → ${c.ferry === c.target ? 'met' : 'NOT met'}${Object.keys(c.detail).length ? ` ${JSON.stringify(c.detail)}` : ''}`)
  }
  const ratioGoals = rows.filter((r) => r.goal !== undefined)
  const met = ratioGoals.filter((r) => r.ferry / r.reference <= r.goal!).length + counts.filter((c) => c.ferry === c.target).length
  console.log(`\n  ${met} of ${ratioGoals.length + counts.length} goals met (ratios from this run; the CPU is shared, so single figures are noisy)`)
}
