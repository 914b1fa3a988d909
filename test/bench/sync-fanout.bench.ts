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
 *
 * Since issue 14 Ferry's client carries its docs on `/v1/mux`: the same rounds run a fourth
 * time on Ferry's relay through that endpoint (16 thin mux clients, one socket each), and the
 * `persisted` latency is measured there too. Every round also records each delivery's latency;
 * its p99 is compared with the better of the two reference servers (issue 14: ≤ 1.0×).
 */
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { decodeMessage, encodeMessage, MessageType } from '@ferry/protocol'
import { fanoutRound, startServer, type FanoutPath, type ServerHandle } from './fanout.ts'
import { fdatasyncLatency, openRaw, persistedLatency, persistedLatencyMux, roundTripLatency } from './latency.ts'
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

/** Who takes part in the rounds: each server on its own path, and Ferry's relay a second time through `/v1/mux`. */
type Entrant = ServerKind | 'ferry-mux'
const PATHS: Record<Entrant, [ServerKind, FanoutPath]> = {
  ferry: ['ferry', 'sync'],
  'y-websocket': ['y-websocket', 'sync'],
  hocuspocus: ['hocuspocus', 'sync'],
  'ferry-mux': ['ferry', 'mux'],
}

async function main(): Promise<void> {
  const kinds: ServerKind[] = ['ferry', 'y-websocket', 'hocuspocus']
  const entrants: Entrant[] = [...kinds, 'ferry-mux']
  const servers = new Map<ServerKind, ServerHandle>()
  for (const kind of kinds) servers.set(kind, await startServer(kind))
  const results = new Map<Entrant, { ms: number[]; cpu: number[]; p50: number[]; p99: number[] }>(entrants.map((k) => [k, { ms: [], cpu: [], p50: [], p99: [] }]))
  const run = (entrant: Entrant, round: number) => fanoutRound([servers.get(PATHS[entrant][0])!], round, CLIENTS, UPDATES_PER_CLIENT, PATHS[entrant][1])
  // One warm-up round each (JIT, first doc load), not counted.
  for (const entrant of entrants) await run(entrant, -1 - entrants.indexOf(entrant))
  for (let round = 0; round < ROUNDS; round++) {
    const order = entrants.map((_, i) => entrants[(i + round) % entrants.length]!)
    for (const entrant of order) {
      const { ms, cpuMicros, deliveryMs } = await run(entrant, round)
      const into = results.get(entrant)!
      into.ms.push(ms)
      into.cpu.push(cpuMicros)
      into.p50.push(deliveryMs.p50)
      into.p99.push(deliveryMs.p99)
      console.log(`  round ${round} ${entrant}: ${ms.toFixed(0)} ms, server CPU ${(cpuMicros / 1000).toFixed(0)} ms, delivery p50 ${deliveryMs.p50.toFixed(0)} ms, p99 ${deliveryMs.p99.toFixed(0)} ms`)
    }
  }
  const delivered = CLIENTS * UPDATES_PER_CLIENT * (CLIENTS - 1)
  const ms = (k: Entrant) => median(results.get(k)!.ms)
  const cpu = (k: Entrant) => median(results.get(k)!.cpu) / delivered
  const p99 = (k: Entrant) => median(results.get(k)!.p99)
  const betterPeer: ServerKind = p99('y-websocket') <= p99('hocuspocus') ? 'y-websocket' : 'hocuspocus'
  const peerName = (k: ServerKind) => (k === 'y-websocket' ? '@y/websocket-server' : '@hocuspocus/server')

  const ferry = servers.get('ferry')!
  const persisted = await persistedLatency(ferry, 0)
  const paced = await persistedLatency(ferry, 5)
  const pacedMux = await persistedLatencyMux(ferry, 5)
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
    { metric: 'fan-out time (16×250), Ferry on /v1/mux', ferry: ms('ferry-mux'), reference: ms('y-websocket'), unit: 'ms', against: '@y/websocket-server', goal: 1 },
    { metric: 'fan-out time (16×250), Ferry on /v1/mux', ferry: ms('ferry-mux'), reference: ms('hocuspocus'), unit: 'ms', against: '@hocuspocus/server', goal: 1 },
    { metric: 'server CPU per delivered update, Ferry on /v1/mux', ferry: cpu('ferry-mux'), reference: cpu('hocuspocus'), unit: 'µs', against: '@hocuspocus/server' },
    { metric: 'fan-out delivery latency p99 (16×250)', ferry: p99('ferry'), reference: p99(betterPeer), unit: 'ms', against: `the better peer, ${peerName(betterPeer)}`, goal: 1 },
    { metric: 'fan-out delivery latency p99 (16×250), Ferry on /v1/mux', ferry: p99('ferry-mux'), reference: p99(betterPeer), unit: 'ms', against: `the better peer, ${peerName(betterPeer)}`, goal: 1 },
    { metric: 'persisted latency p50, paced 5 ms, on /v1/mux', ferry: percentile(pacedMux, 50), reference: floor(50), unit: 'ms', against: 'round trip + bare fdatasync p50' },
    { metric: 'persisted latency p99, paced 5 ms, on /v1/mux', ferry: percentile(pacedMux, 99), reference: floor(99), unit: 'ms', against: 'round trip + bare fdatasync p99' },
  ]
  report('sync-fanout', rows, {
    workload: { clients: CLIENTS, updatesPerClient: UPDATES_PER_CLIENT, rounds: ROUNDS, deliveredPerRound: delivered, idleDocs: IDLE_DOCS },
    rounds: Object.fromEntries(results),
  })
}

await main()
