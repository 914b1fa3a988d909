/**
 * Fan-out on one doc (issue 4): 16 stock `y-websocket` providers each write 250 small map
 * updates as fast as they go, until every client holds every update. Ferry (auth, durable
 * `persisted` acks, at-rest encryption all on) against `@y/websocket-server` 0.1.1 and
 * `@hocuspocus/server` 3 (no auth, no persistence), in alternating rounds, medians. Each
 * server runs in its own process, so its CPU time per delivered update is measured apart
 * from the clients. Also: `persisted` latency against a bare fdatasync on the same disk and
 * against the floor a durable ack can reach (a round trip to the same server plus that
 * fdatasync), and
 * heap per loaded idle doc (1,000 docs of ~10 KB) against the reference server.
 */
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { decodeMessage, encodeMessage, MessageType } from '@ferry/protocol'
import { fanoutRound, startServer, type ServerHandle } from './fanout.ts'
import { fdatasyncLatency, openRaw, persistedLatency, roundTripLatency } from './latency.ts'
import { median, percentile, report, type BenchRow } from './report.ts'
import type { ServerKind } from './sync-servers.ts'

const CLIENTS = 16
// Every stock provider adds a process 'exit' listener.
process.setMaxListeners(4 * CLIENTS)
const UPDATES_PER_CLIENT = Number(process.env.BENCH_UPDATES ?? 250)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const IDLE_DOCS = Number(process.env.BENCH_IDLE_DOCS ?? 1000)
const DOC_BYTES = 10 * 1024

async function heapPerIdleDoc(server: ServerHandle): Promise<number> {
  const before = (await server.ask({ type: 'heap' }, 'heap')).bytes
  const clients: WebSocket[] = []
  const source = new Y.Doc()
  source.getText('t').insert(0, 'x'.repeat(DOC_BYTES))
  const update = Y.encodeStateAsUpdate(source)
  const BATCH = 50
  for (let start = 0; start < IDLE_DOCS; start += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, IDLE_DOCS - start) }, async (_, k) => {
        const name = `bench:collection:idle${start + k}`
        const url =
          server.kind === 'ferry'
            ? `ws://127.0.0.1:${server.port}/v1/sync/${name}?token=${server.token}&ack=1`
            : `ws://127.0.0.1:${server.port}/${name}`
        const client = await openRaw(url)
        clients.push(client.ws)
        client.ws.send(encodeMessage({ type: 'sync-update', update }))
        if (server.kind === 'ferry') {
          await client.next(MessageType.Persisted)
        } else {
          const reply = client.next(MessageType.Sync)
          client.ws.send(encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) }))
          // The server's own step 1 arrives first; wait for the step 2 answering ours.
          for (let m = await reply; ; m = await client.next(MessageType.Sync)) {
            const decoded = decodeMessage(m)
            if (decoded.ok && decoded.value.type === 'sync-step2') break
          }
        }
      }),
    )
  }
  const after = (await server.ask({ type: 'heap' }, 'heap')).bytes
  for (const ws of clients) ws.close()
  return (after - before) / IDLE_DOCS
}

async function main(): Promise<void> {
  const kinds: ServerKind[] = ['ferry', 'y-websocket', 'hocuspocus']
  const servers = new Map<ServerKind, ServerHandle>()
  for (const kind of kinds) servers.set(kind, await startServer(kind))
  const results = new Map<ServerKind, { ms: number[]; cpu: number[] }>(kinds.map((k) => [k, { ms: [], cpu: [] }]))
  // One warm-up round each (JIT, first doc load), not counted.
  for (const kind of kinds) await fanoutRound([servers.get(kind)!], -1 - kinds.indexOf(kind), CLIENTS, UPDATES_PER_CLIENT)
  for (let round = 0; round < ROUNDS; round++) {
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!)
    for (const kind of order) {
      const { ms, cpuMicros } = await fanoutRound([servers.get(kind)!], round, CLIENTS, UPDATES_PER_CLIENT)
      results.get(kind)!.ms.push(ms)
      results.get(kind)!.cpu.push(cpuMicros)
      console.log(`  round ${round} ${kind}: ${ms.toFixed(0)} ms, server CPU ${(cpuMicros / 1000).toFixed(0)} ms`)
    }
  }
  const delivered = CLIENTS * UPDATES_PER_CLIENT * (CLIENTS - 1)
  const ms = (k: ServerKind) => median(results.get(k)!.ms)
  const cpu = (k: ServerKind) => median(results.get(k)!.cpu) / delivered

  const ferry = servers.get('ferry')!
  const persisted = await persistedLatency(ferry, 0)
  const paced = await persistedLatency(ferry, 5)
  const fsync = fdatasyncLatency(ferry.dataDir)
  const roundTrip = await roundTripLatency(ferry, 5)
  const floor = (p: number) => percentile(roundTrip, p) + percentile(fsync, p)
  const ferryHeap = await heapPerIdleDoc(ferry)
  const referenceHeap = await heapPerIdleDoc(servers.get('y-websocket')!)
  for (const server of servers.values()) await server.stop()

  const rows: BenchRow[] = [
    { metric: 'fan-out time (16×250)', ferry: ms('ferry'), reference: ms('y-websocket'), unit: 'ms', against: '@y/websocket-server', goal: 1 },
    { metric: 'fan-out time (16×250)', ferry: ms('ferry'), reference: ms('hocuspocus'), unit: 'ms', against: '@hocuspocus/server', goal: 1 },
    { metric: 'server CPU per delivered update', ferry: cpu('ferry'), reference: cpu('y-websocket'), unit: 'µs', against: '@y/websocket-server' },
    { metric: 'server CPU per delivered update', ferry: cpu('ferry'), reference: cpu('hocuspocus'), unit: 'µs', against: '@hocuspocus/server' },
    { metric: 'persisted latency p50', ferry: percentile(persisted, 50), reference: percentile(fsync, 50), unit: 'ms', against: 'bare fdatasync p50' },
    { metric: 'persisted latency p99', ferry: percentile(persisted, 99), reference: percentile(fsync, 99), unit: 'ms', against: 'bare fdatasync p99' },
    { metric: 'persisted latency p50, paced 5 ms', ferry: percentile(paced, 50), reference: percentile(fsync, 50), unit: 'ms', against: 'bare fdatasync p50' },
    { metric: 'persisted latency p99, paced 5 ms', ferry: percentile(paced, 99), reference: percentile(fsync, 99), unit: 'ms', against: 'bare fdatasync p99' },
    { metric: 'persisted latency p50, paced 5 ms', ferry: percentile(paced, 50), reference: floor(50), unit: 'ms', against: 'round trip + bare fdatasync p50' },
    { metric: 'persisted latency p99, paced 5 ms', ferry: percentile(paced, 99), reference: floor(99), unit: 'ms', against: 'round trip + bare fdatasync p99' },
    { metric: 'heap per loaded idle doc (~10 KB)', ferry: ferryHeap, reference: referenceHeap, unit: 'bytes', against: '@y/websocket-server' },
  ]
  report('sync-fanout', rows, {
    workload: { clients: CLIENTS, updatesPerClient: UPDATES_PER_CLIENT, rounds: ROUNDS, deliveredPerRound: delivered, idleDocs: IDLE_DOCS },
    rounds: Object.fromEntries(results),
  })
}

await main()
