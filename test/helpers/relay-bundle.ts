/** The relay built as it ships: `relay/scripts/build.ts` (what `npm run build -w relay` runs) from this checkout. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')

/** Builds the relay's bundle into `outfile` (its imports resolve from the `node_modules` above it); the build's output and status. */
export function buildRelayBundle(outfile: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'relay', 'scripts', 'build.ts'), outfile], { cwd: ROOT, encoding: 'utf8' })
}
