/**
 * What the benchmarks read of a server process: its CPU time from outside (/proc, so nothing
 * in the server counts itself) and, from inside, its memory after full garbage collections
 * (the process runs with `--expose-gc`).
 */
import { readFileSync } from 'node:fs'

const CLOCK_TICKS_PER_SECOND = 100

/** User + system CPU time of process `pid` so far, ms (clock-tick resolution). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
}

/** This process's memory after several full collections (weak references and finalizers free more on the next one). */
export function memoryAfterGc(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) globalThis.gc?.()
  return process.memoryUsage()
}

/** This process's heap (JS heap in use plus memory outside it held by JS objects) after full collections. */
export function heapAfterGc(): number {
  const { heapUsed, external } = memoryAfterGc()
  return heapUsed + external
}
