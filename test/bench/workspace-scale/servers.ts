/**
 * The two servers of the workspace-scale benchmark, each its own child process of the bench:
 *   - Ferry's relay as `npm start` runs it: the bundle `relay/scripts/build.ts` makes, built
 *     once per bench process into `relay/dist/bench/` (plain JavaScript, as it ships; run from
 *     its TypeScript sources through tsx, every closure the relay makes also paid a name
 *     definition, which the build does not add), without the demo, files store in a temp dir,
 *     default configuration: only the address, the data dir, a JWT secret (so the bench can
 *     mint access tokens instead of signing in) and the log level are set, plus whatever a
 *     phase adds;
 *   - `@hocuspocus/server` 3 (`hocuspocus-server.ts`): token checked per doc, docs kept in files.
 * Both keep a fixed port across restarts (the clients reconnect to the same URL), run with
 * `--expose-gc` and `probe.ts` preloaded (GC + memory over IPC), and are measured from outside:
 * CPU time from /proc/<pid>/stat, so nothing in the server counts itself.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { buildRelayBundle } from '../../helpers/relay-bundle.ts'
import { processCpuMs } from '../process-measure.ts'
import type { ProbeReply } from './probe.ts'

export type ServerKind = 'ferry' | 'hocuspocus'

const ROOT = join(import.meta.dirname, '..', '..', '..')
export const BENCH_JWT_SECRET = 'workspace-scale-bench-secret-0123456789'
const FERRY_BUNDLE = join(ROOT, 'relay', 'dist', 'bench', 'ferry-relay.js')
const SCRIPT: Record<ServerKind, string> = {
  ferry: FERRY_BUNDLE,
  hocuspocus: join(import.meta.dirname, 'hocuspocus-server.ts'),
}

let built = false
/** Builds the relay's bundle from the sources of this checkout, once per bench process. */
function buildFerry(): void {
  if (built) return
  const result = buildRelayBundle(FERRY_BUNDLE)
  if (result.status !== 0) throw new Error(`building the relay failed:\n${result.stdout}${result.stderr}`)
  built = true
}
const READY = /listening on https?:\/\/[^:]+:(\d+)/

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Extra node flags for the servers (e.g. `--cpu-prof` to profile them), space-separated. */
const NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)

export class ServerProcess {
  readonly kind: ServerKind
  readonly dataDir: string
  readonly port: number
  #child: ChildProcess | null = null
  #exited: Promise<unknown> = Promise.resolve()
  #output = ''
  /** Milliseconds each start took, from spawning to listening. */
  readonly startMs: number[] = []

  constructor(kind: ServerKind, dataDir: string, port: number) {
    this.kind = kind
    this.dataDir = dataDir
    this.port = port
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`
  }

  get pid(): number {
    if (!this.#child?.pid) throw new Error(`${this.kind} is not running`)
    return this.#child.pid
  }

  /** Starts the server; resolves once it listens. `env` is added to its environment. */
  async start(env: Record<string, string> = {}): Promise<void> {
    if (this.kind === 'ferry') buildFerry()
    const spawnedAt = performance.now()
    const child = spawn(process.execPath, [...NODE_ARGS, '--expose-gc', '--import', 'tsx', '--import', join(import.meta.dirname, 'probe.ts'), SCRIPT[this.kind]], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'warn',
        FERRY_DATA_DIR: this.dataDir,
        FERRY_JWT_SECRET: BENCH_JWT_SECRET,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    this.#child = child
    this.#output = ''
    const collect = (chunk: Buffer) => {
      this.#output += chunk.toString()
      if (this.#output.length > 200_000) this.#output = this.#output.slice(-100_000)
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    this.#exited = new Promise((resolve) => child.once('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.kind} did not start:\n${this.#output}`)), 60_000)
      const check = () => {
        if (!READY.test(this.#output)) return
        clearTimeout(timer)
        child.stdout!.off('data', check)
        this.startMs.push(performance.now() - spawnedAt)
        resolve()
      }
      child.stdout!.on('data', check)
      void this.#exited.then(() => {
        clearTimeout(timer)
        reject(new Error(`${this.kind} exited during start:\n${this.#output}`))
      })
    })
  }

  /** Stops it (SIGTERM: each server's own graceful shutdown) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child
    if (!child) return
    child.kill(signal)
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    await this.#exited
    clearTimeout(killer)
    this.#child = null
  }

  /** User + system CPU time of the server process so far, ms (clock-tick resolution). */
  cpuMs(): number {
    return processCpuMs(this.pid)
  }

  /** Memory of the server process after a full GC inside it. */
  probe(): Promise<ProbeReply> {
    const child = this.#child
    if (!child) throw new Error(`${this.kind} is not running`)
    return new Promise((resolve) => {
      const listener = (message: ProbeReply) => {
        if (message?.type !== 'probe') return
        child.off('message', listener)
        resolve(message)
      }
      child.on('message', listener)
      child.send({ type: 'probe' })
    })
  }

  /** What the server printed (warnings, errors), for the report when something goes wrong. */
  output(): string {
    return this.#output
  }
}
