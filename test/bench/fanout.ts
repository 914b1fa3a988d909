/**
 * The fan-out workload shared by the sync benchmarks: servers in child processes
 * (`sync-servers.ts`), stock `y-websocket` providers as clients, and one round — every client
 * writes its small map updates as fast as it goes until every client holds every update.
 * Clients are dealt round-robin over the servers given, so the same round measures one relay
 * or several relays sharing one doc.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { MessageType } from '@ferry/protocol'
import { hocuspocusSocket } from './hocuspocus-socket.ts'
import type { FromServer, ServerKind, ToServer } from './sync-servers.ts'

export interface ServerHandle {
  kind: ServerKind
  port: number
  token: string
  dataDir: string
  ask<T extends FromServer['type']>(message: ToServer, reply: T): Promise<Extract<FromServer, { type: T }>>
  stop(): Promise<void>
}

/** Starts `kind` in its own process; `env` is added to a Ferry relay's environment. */
export async function startServer(kind: ServerKind, env: Record<string, string> = {}): Promise<ServerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), `ferry-bench-${kind}-`))
  const child: ChildProcess = fork(join(import.meta.dirname, 'sync-servers.ts'), [kind, dataDir, JSON.stringify(env)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const next = <T extends FromServer['type']>(type: T) =>
    new Promise<Extract<FromServer, { type: T }>>((resolve) => {
      const listener = (message: FromServer) => {
        if (message.type !== type) return
        child.off('message', listener)
        resolve(message as Extract<FromServer, { type: T }>)
      }
      child.on('message', listener)
    })
  const ready = await next('ready')
  return {
    kind,
    port: ready.port,
    token: ready.token,
    dataDir,
    ask: (message, reply) => {
      const answer = next(reply)
      child.send(message)
      return answer
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.send({ type: 'stop' } satisfies ToServer)
      await exited
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export function provider(server: ServerHandle, docName: string): WebsocketProvider {
  const url = `ws://127.0.0.1:${server.port}${server.kind === 'ferry' ? '/v1/sync' : ''}`
  const p = new WebsocketProvider(url, docName, new Y.Doc(), {
    disableBc: true,
    params: server.kind === 'ferry' ? { token: server.token, ack: '1' } : {},
    WebSocketPolyfill: server.kind === 'hocuspocus' ? hocuspocusSocket(docName) : (WebSocket as unknown as typeof globalThis.WebSocket),
  })
  // The acks Ferry sends to sockets that opt in; what a Ferry client registers for message 100.
  p.messageHandlers[MessageType.Persisted] = () => undefined
  return p
}

const whenSynced = (p: WebsocketProvider) =>
  p.synced ? Promise.resolve() : new Promise<void>((resolve) => p.once('sync', () => resolve()))

const cpuMicros = async (servers: readonly ServerHandle[]): Promise<number> =>
  (await Promise.all(servers.map((s) => s.ask({ type: 'cpu' }, 'cpu')))).reduce((sum, r) => sum + r.micros, 0)

/**
 * One round on a fresh doc: `clients` providers dealt over `servers`, `updates` each. Returns
 * the wall time until every client holds every update and the servers' CPU time (summed).
 */
export async function fanoutRound(
  servers: readonly ServerHandle[],
  round: number,
  clients: number,
  updates: number,
): Promise<{ ms: number; cpuMicros: number }> {
  const docName = `bench:collection:r${round}`
  const providers = Array.from({ length: clients }, (_, c) => provider(servers[c % servers.length]!, docName))
  await Promise.all(providers.map(whenSynced))
  const total = clients * updates
  const done = Promise.all(
    providers.map(
      (p) =>
        new Promise<void>((resolve) => {
          // Counted from events: Y.Map#size walks the whole map, which would dominate the clients.
          const map = p.doc.getMap('m')
          let held = 0
          const check = (event: Y.YMapEvent<unknown>) => {
            held += event.keysChanged.size
            if (held < total) return
            map.unobserve(check)
            resolve()
          }
          map.observe(check)
        }),
    ),
  )
  const cpuBefore = await cpuMicros(servers)
  const start = performance.now()
  for (let i = 0; i < updates; i++) {
    providers.forEach((p, c) => p.doc.getMap('m').set(`${c}-${i}`, i))
  }
  await done
  const ms = performance.now() - start
  const cpu = (await cpuMicros(servers)) - cpuBefore
  for (const p of providers) {
    p.destroy()
    // The awareness a provider makes has its own interval timer; it ends with its doc.
    p.doc.destroy()
  }
  return { ms, cpuMicros: cpu }
}
