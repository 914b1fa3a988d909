/**
 * Issue 13's import budget: a Postman v2.1 collection of 10,000 requests, about 20 MB, is
 * parsed (`JSON.parse`) and imported (`importPostman` into a fresh `Collection`) in ≤ 2 s with
 * ≤ 300 MB peak memory. The file (postman-big-collection.ts) is realistic rather than
 * uniform: 50 folders of 4 subfolders of 50 requests, each with scripts, headers, query and
 * path parameters, a JSON body, auth on some, and a saved response.
 *
 * Each measurement runs in a child process of its own (postman-import-child.ts) so that its
 * peak RSS (`process.resourceUsage().maxRSS`) is that of the import alone; the same child doing
 * only `JSON.parse` is the reference measured in the same run. BENCH_ROUNDS (default 3)
 * children of each kind run alternately; the medians are reported.
 */
import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bigPostmanCollection } from './postman-big-collection.ts'
import { median, report, type BenchRow } from './report.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const REQUESTS = 10_000
const BUDGET_MS = 2_000
const BUDGET_MB = 300

interface ChildResult {
  mode: 'import' | 'parse'
  ms: number
  peakRssMB: number
  baselineRssMB: number
  fileMB: number
  requests: number
}

function child(file: string, mode: 'import' | 'parse'): ChildResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'postman-import-child.ts'), file, mode], { encoding: 'utf8', maxBuffer: 1024 * 1024 })
  if (result.status !== 0) throw new Error(`${mode} child failed (${result.status}):\n${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ChildResult
}

const file = join(tmpdir(), `ferry-postman-bench-${process.pid}.json`)
try {
  // Without indentation, as the Postman API returns a collection (~2.1 KB a request).
  const text = JSON.stringify(bigPostmanCollection(REQUESTS))
  writeFileSync(file, text)
  console.log(`  generated ${REQUESTS} requests, ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB`)
  const runs: ChildResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['import', 'parse'] as const) : (['parse', 'import'] as const)) {
      const r = child(file, mode)
      if (mode === 'import' && r.requests !== REQUESTS) throw new Error(`imported ${r.requests} of ${REQUESTS} requests`)
      runs.push(r)
      console.log(`  ${mode}: ${r.ms.toFixed(0)} ms, peak RSS ${r.peakRssMB.toFixed(0)} MB (before reading the file ${r.baselineRssMB.toFixed(0)} MB)`)
    }
  }
  const of = (mode: string, key: 'ms' | 'peakRssMB' | 'baselineRssMB'): number => median(runs.filter((r) => r.mode === mode).map((r) => r[key]))
  const importMs = of('import', 'ms')
  const importMB = of('import', 'peakRssMB')
  const rows: BenchRow[] = [
    { metric: 'JSON.parse + importPostman, 10k requests', ferry: importMs, reference: of('parse', 'ms'), unit: 'ms', against: 'JSON.parse alone' },
    { metric: 'peak RSS of that process', ferry: importMB, reference: of('parse', 'peakRssMB'), unit: 'MB', against: 'JSON.parse alone' },
    { metric: 'JSON.parse + importPostman against the budget', ferry: importMs, reference: BUDGET_MS, unit: 'ms', against: 'issue 13 budget (2 s)', goal: 1 },
    { metric: 'peak RSS against the budget', ferry: importMB, reference: BUDGET_MB, unit: 'MB', against: 'issue 13 budget (300 MB)', goal: 1 },
  ]
  report('postman-import', rows, { rounds: ROUNDS, requests: REQUESTS, fileMB: runs[0]!.fileMB, baselineRssMB: of('import', 'baselineRssMB'), runs })
  if (importMs > BUDGET_MS || importMB > BUDGET_MB) process.exitCode = 1
} finally {
  rmSync(file, { force: true })
}
