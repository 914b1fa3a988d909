/** Type-checks every workspace with its own tsconfig (browser packages get DOM, the relay Node). */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const projects = ['packages/protocol', 'packages/agent', 'packages/crypto', 'packages/schema', 'packages/client', 'relay', 'demo', 'test']
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

let failed = false
for (const project of projects) {
  if (!existsSync(join(root, project, 'tsconfig.json'))) continue
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error(`Type check failed in ${project}`)
    failed = true
  }
}
if (failed) process.exit(1)
console.log('Type check passed.')
