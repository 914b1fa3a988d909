/**
 * The container's contract, without Docker: the relay is built (`relay/scripts/build.ts`) into
 * a clean directory that then holds only that build and the production dependencies the
 * Dockerfile installs (`npm ci --omit=dev --workspace relay`: here the same packages, the ones
 * `npm ls --omit=dev --workspace relay` lists, copied from this install, since a network
 * install is slow and not always possible here), without the @ferry workspace packages or
 * TypeScript. The Dockerfile's own CMD and HEALTHCHECK commands are then run there: the relay
 * serves (sign-up, sign-in, an acknowledged update), the health check passes, `check` and
 * `backup` work, and SIGTERM stops it cleanly.
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { buildRelayBundle } from '../helpers/relay-bundle.ts'
import { runRelayCli } from '../helpers/relay-cli.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'

const ROOT = join(import.meta.dirname, '..', '..')

/** The JSON-array command of the Dockerfile instruction `name` (the last one: the run stage's). */
function dockerfileCommand(name: 'CMD' | 'HEALTHCHECK'): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ')
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${name} `))
  const json = /CMD (\[.*\])\s*$/.exec(lines.at(-1) ?? '')?.[1]
  if (!json) throw new Error(`the Dockerfile has no ${name} in exec form`)
  return JSON.parse(json) as string[]
}

/** Copies the relay's production dependencies (as installed here) into `clean`, without the workspace links. */
function copyProductionDependencies(clean: string): number {
  const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspace', 'relay'], { cwd: ROOT, encoding: 'utf8' })
  // npm prints real paths: node_modules may be a link to another checkout's.
  const roots = [ROOT, dirname(realpathSync(join(ROOT, 'node_modules')))]
  let copied = 0
  for (const path of listed.stdout.split('\n')) {
    const root = roots.find((candidate) => path.startsWith(candidate + '/'))
    if (root === undefined) continue
    const inside = relative(root, path)
    // Top-level packages only (nested node_modules come with their package); @ferry is bundled.
    const match = /^(relay\/)?node_modules\/((@[^/]+\/)?[^/]+)$/.exec(inside)
    if (!match || match[2]!.startsWith('@ferry/')) continue
    cpSync(path, join(clean, inside), { recursive: true, verbatimSymlinks: true })
    copied++
  }
  return copied
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) })
}

describe('the built relay in a clean directory with production dependencies only', () => {
  const clean = mkdtempSync(join(tmpdir(), 'ferry-clean-'))
  afterAll(() => rmSync(clean, { recursive: true, force: true }))

  it('serves, passes its health check, checks, backs up and stops, as the Dockerfile runs it', async () => {
    const build = buildRelayBundle(join(clean, 'relay', 'dist', 'ferry-relay.js'))
    expect(build.stderr).toBe('')
    expect(build.status).toBe(0)
    mkdirSync(join(clean, 'node_modules'))
    expect(copyProductionDependencies(clean)).toBeGreaterThan(20)
    // No compiler, no test tools, no workspace sources. (tsx itself is there: @ferry/agent, which
    // the relay bundles for its send proxy, lists it as a dependency of its own CLI; the relay never loads it.)
    for (const absent of ['typescript', 'vitest', '@ferry/protocol', '@ferry/agent']) expect(existsSync(join(clean, 'node_modules', absent))).toBe(false)

    const port = await freePort()
    const env = { HOST: '127.0.0.1', PORT: String(port), FERRY_DATA_DIR: join(clean, 'data'), LOG_LEVEL: 'warn', NODE_ENV: 'production' }
    const [command, ...args] = dockerfileCommand('CMD')
    expect(command).toBe('node')
    const relay = spawn(process.execPath, args, { cwd: clean, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    relay.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    relay.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | string>((resolve) => relay.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the relay did not start:\n${output}`)), 60_000)
        relay.stdout.on('data', () => {
          if (output.includes('listening on')) {
            clearTimeout(timer)
            resolve()
          }
        })
        void exited.then(() => reject(new Error(`the relay exited:\n${output}`)))
      })
      const url = `http://127.0.0.1:${port}`

      const [, ...healthArgs] = dockerfileCommand('HEALTHCHECK')
      const health = spawnSync(process.execPath, healthArgs, { cwd: clean, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
      expect(health.status).toBe(0)

      expect((await post(`${url}/v1/auth/signup`, { email: 'clean@ferry.test', password: 'clean install password', name: 'Clean' })).status).toBe(201)
      const login = await post(`${url}/v1/auth/login`, { email: 'clean@ferry.test', password: 'clean install password' })
      expect(login.status).toBe(200)
      const session = (await login.json()) as { accessToken: string; user: { id: string } }
      const client = await rawClient(syncUrl(`ws://127.0.0.1:${port}`, `${session.user.id}:collection:clean`, session.accessToken, true))
      await client.next('sync-step1', 30_000)
      const doc = new Y.Doc()
      doc.on('update', (update: Uint8Array) => client.send({ type: 'sync-update', update }))
      doc.getArray<string>('entries').push(['stored by the built relay'])
      const { stateVector } = await client.next('persisted', 30_000)
      expect(Y.decodeStateVector(stateVector).get(doc.clientID)).toBe(1)
      client.close()

      const entry = ['relay/dist/ferry-relay.js']
      const check = await runRelayCli(['check'], env, entry, clean)
      expect(check.stdout).toContain('No problems found.')
      expect(check.code).toBe(0)
      const backup = await runRelayCli(['backup', join(clean, 'backup.tar.gz')], env, entry, clean)
      expect(backup.stderr).toBe('')
      expect(backup.stdout).toMatch(/: 1 document, /)
      expect(backup.code).toBe(0)
    } finally {
      relay.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  }, 180_000)
})
