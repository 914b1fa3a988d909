/**
 * `npm run bench`: runs every `*.bench.ts` in this folder in its own process, one after the
 * other (they measure CPU; running them side by side would skew each other), and collects the
 * JSON summaries into `results/summary.json`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

const dir = import.meta.dirname
const only = process.argv.slice(2)
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()

const failures: string[] = []
for (const file of benches) {
  console.log(`\n=== ${file}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], { stdio: 'inherit' })
  if (result.status !== 0) failures.push(file)
}

const results = join(dir, 'results')
mkdirSync(results, { recursive: true })
const summary = readdirSync(results)
  .filter((f) => f.endsWith('.json') && f !== 'summary.json')
  .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as unknown)
writeFileSync(join(results, 'summary.json'), JSON.stringify(summary, null, 2))
console.log(`\n${benches.length - failures.length} benchmarks ran; summary in ${join(results, 'summary.json')}`)
if (failures.length > 0) {
  console.error(`Failed: ${failures.join(', ')}`)
  process.exit(1)
}
if (!existsSync(results)) process.exit(1)
