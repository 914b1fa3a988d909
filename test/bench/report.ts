/**
 * How a benchmark reports: a table on stdout for people and a JSON summary under
 * `test/bench/results/<name>.json` for machines. Benchmarks print ratios against a reference
 * measured in the same run, never absolute goals alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface BenchRow {
  metric: string
  ferry: number
  reference: number
  /** Unit of `ferry` and `reference` (ms, µs, bytes…). */
  unit: string
  /** Name of the reference this row compares against. */
  against: string
  /** The ratio the issue asks for, if any (ferry / reference must stay at or below it). */
  goal?: number
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** Prints the rows with their ratios and writes `results/<name>.json`. */
export function report(name: string, rows: readonly BenchRow[], extra: Record<string, unknown> = {}): void {
  console.log(`\n${name}`)
  for (const row of rows) {
    const ratio = row.ferry / row.reference
    const goal = row.goal === undefined ? '' : ` (goal ≤ ${row.goal}×: ${ratio <= row.goal ? 'met' : 'NOT met'})`
    console.log(
      `  ${row.metric}: ferry ${row.ferry.toFixed(2)} ${row.unit} vs ${row.against} ${row.reference.toFixed(2)} ${row.unit} → ${ratio.toFixed(2)}×${goal}`,
    )
  }
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  const rowsWithRatio = rows.map((row) => ({ ...row, ratio: row.ferry / row.reference }))
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, date: new Date().toISOString(), rows: rowsWithRatio, ...extra }, null, 2))
}
