/**
 * The fan-out workload shared by the sync benchmarks: servers in child processes
 * (`sync-servers.ts`), stock `y-websocket` providers as clients (or, for Ferry's relay, a thin
 * client of its multiplexed endpoint `/v1/mux`, the path Ferry's own client takes), and one
 * round — every client writes its small map updates as fast as it goes until every client holds
 * every update. Clients are dealt round-robin over the servers given, so the same round measures
 * one relay or several relays sharing one doc. Each delivery's latency (from the writer's `set`
 * to a reader's map event, all in this process) is kept too.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { MessageType } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { hocuspocusSocket } from './hocuspocus-socket.ts'
import { percentile } from './report.ts'
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

/** How a round's clients reach the server: a stock provider on `/v1/sync` (or the reference servers' own path), or Ferry's `/v1/mux`. */
export type FanoutPath = 'sync' | 'mux'

interface FanoutClient {
  readonly doc: Y.Doc
  readonly synced: Promise<void>
  destroy(): void
}

function providerClient(server: ServerHandle, docName: string): FanoutClient {
  const p = provider(server, docName)
  return {
    doc: p.doc,
    synced: p.synced ? Promise.resolve() : new Promise<void>((resolve) => p.once('sync', () => resolve())),
    destroy: () => {
      p.destroy()
      // The awareness a provider makes has its own interval timer; it ends with its doc.
      p.doc.destroy()
    },
  }
}

/** One doc on its own `/v1/mux` socket (test/helpers/mux-client.ts): updates out, the relay's frames applied. */
function muxFanoutClient(server: ServerHandle, docName: string): FanoutClient {
  if (server.kind !== 'ferry') throw new Error('/v1/mux is Ferry’s')
  const doc = new Y.Doc()
  let client: MuxClient | null = null
  const synced = (async () => {
    client = await muxClient(muxUrl(`ws://127.0.0.1:${server.port}`, server.token))
    client.bind(docName, doc)
    client.open([openRequest(docName, doc)])
    await client.control('opened', 30_000)
  })()
  return {
    doc,
    synced,
    destroy: () => {
      client?.end()
      doc.destroy()
    },
  }
}

const cpuMicros = async (servers: readonly ServerHandle[]): Promise<number> =>
  (await Promise.all(servers.map((s) => s.ask({ type: 'cpu' }, 'cpu')))).reduce((sum, r) => sum + r.micros, 0)

/**
 * One round on a fresh doc: `clients` clients dealt over `servers`, `updates` each. Returns
 * the wall time until every client holds every update, the servers' CPU time (summed) and the
 * delivery latency of every update to every other client (p50, p99).
 */
export async function fanoutRound(
  servers: readonly ServerHandle[],
  round: number,
  clients: number,
  updates: number,
  path: FanoutPath = 'sync',
): Promise<{ ms: number; cpuMicros: number; deliveryMs: { p50: number; p99: number } }> {
  const docName = `bench:collection:r${round}${path === 'mux' ? 'm' : ''}`
  const open = path === 'mux' ? muxFanoutClient : providerClient
  const all = Array.from({ length: clients }, (_, c) => open(servers[c % servers.length]!, docName))
  await Promise.all(all.map((client) => client.synced))
  const total = clients * updates
  // When update i of every client was set (they are set together, one per client per step).
  const sentAt = new Float64Array(updates)
  const latencies: number[] = []
  const done = Promise.all(
    all.map(
      (client) =>
        new Promise<void>((resolve) => {
          // Counted from events: Y.Map#size walks the whole map, which would dominate the clients.
          const map = client.doc.getMap('m')
          let held = 0
          const check = (event: Y.YMapEvent<unknown>) => {
            held += event.keysChanged.size
            if (!event.transaction.local) {
              const now = performance.now()
              for (const key of event.keysChanged) latencies.push(now - sentAt[Number(key.slice(key.indexOf('-') + 1))]!)
            }
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
    sentAt[i] = performance.now()
    all.forEach((client, c) => client.doc.getMap('m').set(`${c}-${i}`, i))
  }
  await done
  const ms = performance.now() - start
  const cpu = (await cpuMicros(servers)) - cpuBefore
  for (const client of all) client.destroy()
  return { ms, cpuMicros: cpu, deliveryMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) } }
}
