/**
 * `ferry-relay <command>` as its own process, from the sources as `npm run relay -- <command>`
 * runs it (or any entry file, e.g. a built bundle), for tests of the operator's commands.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
export const RELAY_SOURCES_ENTRY = ['--import', 'tsx', join(ROOT, 'relay', 'src', 'main.ts')]

export interface CliRun {
  code: number | string
  stdout: string
  stderr: string
}

/** Runs the CLI with `args` and only `env` (plus PATH) as its environment; resolves when it exits. */
export function runRelayCli(args: readonly string[], env: Record<string, string>, entry: readonly string[] = RELAY_SOURCES_ENTRY, cwd = ROOT): Promise<CliRun> {
  const child = spawn(process.execPath, [...entry, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }))
  })
}
