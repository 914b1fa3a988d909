/**
 * Fan-out across relays: the `sync-fanout` workload (16 stock providers × 250 updates on one
 * doc) with the clients split over two Ferry relays sharing one Redis (`REDIS_URL`, one
 * prefix, the same keys), against one Ferry relay and the single-instance reference servers
 * (`@y/websocket-server` 0.1.1, `@hocuspocus/server` 3) in alternating rounds, medians. Server
 * CPU is summed over both relays: the price of hearing each other through Redis.
 *
 * Needs Redis (`TEST_REDIS_URL`, default redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto'
import { fanoutRound, startServer, type ServerHandle } from './fanout.ts'
import { median, report, type BenchRow } from './report.ts'
import { TEST_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.ts'

const CLIENTS = 16
// Every stock provider adds a process 'exit' listener.
process.setMaxListeners(4 * CLIENTS)
const UPDATES_PER_CLIENT = Number(process.env.BENCH_UPDATES ?? 250)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

type Setup = 'ferry ×2 on Redis' | 'ferry' | 'y-websocket' | 'hocuspocus'

async function main(): Promise<void> {
  const shared = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniqueRedisPrefix(),
    FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
    FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
  }
  const setups = new Map<Setup, ServerHandle[]>([
    ['ferry ×2 on Redis', [await startServer('ferry', shared), await startServer('ferry', shared)]],
    ['ferry', [await startServer('ferry')]],
    ['y-websocket', [await startServer('y-websocket')]],
    ['hocuspocus', [await startServer('hocuspocus')]],
  ])
  const names = [...setups.keys()]
  const results = new Map<Setup, { ms: number[]; cpu: number[] }>(names.map((n) => [n, { ms: [], cpu: [] }]))
  // One warm-up round each (JIT, first doc load), not counted.
  for (const name of names) await fanoutRound(setups.get(name)!, -1 - names.indexOf(name), CLIENTS, UPDATES_PER_CLIENT)
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!)
    for (const name of order) {
      const { ms, cpuMicros } = await fanoutRound(setups.get(name)!, round, CLIENTS, UPDATES_PER_CLIENT)
      results.get(name)!.ms.push(ms)
      results.get(name)!.cpu.push(cpuMicros)
      console.log(`  round ${round} ${name}: ${ms.toFixed(0)} ms, server CPU ${(cpuMicros / 1000).toFixed(0)} ms`)
    }
  }
  for (const servers of setups.values()) for (const server of servers) await server.stop()

  const delivered = CLIENTS * UPDATES_PER_CLIENT * (CLIENTS - 1)
  const ms = (n: Setup) => median(results.get(n)!.ms)
  const cpu = (n: Setup) => median(results.get(n)!.cpu) / delivered
  const scaled: Setup = 'ferry ×2 on Redis'
  const rows: BenchRow[] = [
    { metric: 'fan-out time (16×250, 2 relays)', ferry: ms(scaled), reference: ms('y-websocket'), unit: 'ms', against: '@y/websocket-server' },
    { metric: 'fan-out time (16×250, 2 relays)', ferry: ms(scaled), reference: ms('hocuspocus'), unit: 'ms', against: '@hocuspocus/server' },
    { metric: 'fan-out time (16×250, 2 relays)', ferry: ms(scaled), reference: ms('ferry'), unit: 'ms', against: 'one Ferry relay' },
    { metric: 'server CPU per delivered update (2 relays)', ferry: cpu(scaled), reference: cpu('y-websocket'), unit: 'µs', against: '@y/websocket-server' },
    { metric: 'server CPU per delivered update (2 relays)', ferry: cpu(scaled), reference: cpu('ferry'), unit: 'µs', against: 'one Ferry relay' },
  ]
  report('scaled-out-fanout', rows, {
    workload: { clients: CLIENTS, relays: 2, updatesPerClient: UPDATES_PER_CLIENT, rounds: ROUNDS, deliveredPerRound: delivered },
    rounds: Object.fromEntries(results),
  })
}

await main()
