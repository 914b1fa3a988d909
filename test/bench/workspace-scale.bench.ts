/**
 * Issue 14's goals at workspace scale: Ferry's relay (as `npm start` runs it, files store,
 * default configuration) against `@hocuspocus/server` 3 (file persistence, a token checked per
 * doc), each in its own child process, on the same accounts of BENCH_COLLECTIONS collections
 * × BENCH_REQUESTS requests (default 300 × 20). Ferry is driven by its real client (a
 * `Workspace` per device on fake-indexeddb, one `/v1/mux` socket per account), Hocuspocus by
 * `@hocuspocus/provider` 3 with one shared websocket per account. Measured in one run:
 *   1. a new device until in sync, its account's docs cold (not loaded) and warm (loaded),
 *      with the server's CPU time, against
 *      Hocuspocus with a local-first client (y-indexeddb, like Ferry's), against a stock
 *      in-memory Hocuspocus client, against the floor (`Y.applyUpdate` of the same bytes), and
 *      against a Ferry device of an account holding the same requests in one collection;
 *   2. a restart storm: BENCH_ACCOUNTS (default 20) devices from 127.0.0.1, each server stopped
 *      and started again, time until all are in sync again, refusals and closes;
 *   3. memory per idle connected account (RSS and heap after a full GC, minus the baseline);
 *   4. sockets per account.
 * BENCH_SERVER_NODE_ARGS adds node flags to both servers (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
 * to profile them). See workspace-scale/ for each part. Prints ratios and goal verdicts, writes
 * results/workspace-scale.json; exits non-zero only when something crashed, never for a goal.
 *
 * BENCH_ROUNDS (5) rounds of phase 1, each on an account of its own. For phase 3 the relay gets
 * a short idle-unload setting (ROOM_IDLE_UNLOAD_MS=2000) when its configuration has one, else
 * it runs as configured and the report says so; BENCH_FERRY_MEMORY_ENV ("KEY=value,…")
 * replaces that, BENCH_IDLE_WAIT_MS (default: the unload delay + 3 s, or 5 s) is how long the
 * accounts stay idle before the measurement.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from './report.ts'
import { floorMs, newDeviceRound, openDevice, type ClientKind, type NewDeviceSamples, type Sample } from './workspace-scale/new-device.ts'
import { reportScale } from './workspace-scale/report-scale.ts'
import { buildAccount, seedFerry, seedHocuspocus } from './workspace-scale/seed.ts'
import { freePort, ServerProcess } from './workspace-scale/servers.ts'
import { stormAndMemory } from './workspace-scale/storm.ts'
import { createSessions } from './workspace-scale/tokens.ts'

const COLLECTIONS = Number(process.env.BENCH_COLLECTIONS ?? 300)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20)
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const UNLOAD_SETTING = 'ROOM_IDLE_UNLOAD_MS'
const relayHasUnload = readFileSync(join(import.meta.dirname, '..', '..', 'relay', 'src', 'config.ts'), 'utf8').includes(`'${UNLOAD_SETTING}'`)
const MEMORY_ENV: Record<string, string> =
  process.env.BENCH_FERRY_MEMORY_ENV !== undefined
    ? Object.fromEntries(
        process.env.BENCH_FERRY_MEMORY_ENV.split(',')
          .filter((pair) => pair.includes('='))
          .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
      )
    : relayHasUnload
      ? { [UNLOAD_SETTING]: '2000' }
      : {}
const IDLE_WAIT_MS = Number(process.env.BENCH_IDLE_WAIT_MS ?? (MEMORY_ENV[UNLOAD_SETTING] ? Number(MEMORY_ENV[UNLOAD_SETTING]) + 3_000 : 5_000))
const MEMORY_NOTE =
  Object.keys(MEMORY_ENV).length > 0
    ? `relay started with ${JSON.stringify(MEMORY_ENV)} for the memory phase`
    : `the relay has no ${UNLOAD_SETTING} setting: memory measured before the idle-unload work, as configured by default`
const SEED_IDLE_MS = 500
const KINDS: ClientKind[] = ['ferry', 'hocuspocus-local', 'hocuspocus']

const log = (line: string) => console.log(line)
const started = performance.now()
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`

const ferryDir = mkdtempSync(join(tmpdir(), 'ferry-bench-scale-'))
const hocuspocusDir = mkdtempSync(join(tmpdir(), 'hocuspocus-bench-scale-'))
const ferry = new ServerProcess('ferry', ferryDir, await freePort())
const hocuspocus = new ServerProcess('hocuspocus', hocuspocusDir, await freePort())
const serverOf = (kind: ClientKind) => (kind === 'ferry' ? ferry : hocuspocus)

try {
  const users = Array.from({ length: ACCOUNTS }, (_, i) => `bench${i}`)
  // Phase 1 opens each round's account cold: one account per round, untouched before.
  const fresh = Array.from({ length: ROUNDS }, (_, i) => `fresh${i}`)
  // The same requests in one collection, for "close to one doc of the same total bytes" (Ferry only).
  const oneDocUsers = Array.from({ length: ROUNDS }, (_, i) => `onedoc${i}`)
  const tokens = await createSessions(ferryDir, [...users, ...fresh, ...oneDocUsers])
  const docs = await buildAccount(COLLECTIONS, REQUESTS)
  const oneDoc = await buildAccount(1, COLLECTIONS * REQUESTS)
  const bytes = [...docs.values()].reduce((n, u) => n + u.length, 0)
  const oneDocBytes = [...oneDoc.values()].reduce((n, u) => n + u.length, 0)
  log(`  account: ${COLLECTIONS} collections × ${REQUESTS} requests + index, environments, history (${docs.size} docs, ${(bytes / 1024).toFixed(0)} KiB of Yjs); ${ACCOUNTS} accounts`)
  log(`  one-doc account: 1 collection × ${COLLECTIONS * REQUESTS} requests + the same three docs (${(oneDocBytes / 1024).toFixed(0)} KiB of Yjs)`)
  // Seeding only: rooms unload (and compact their log into a snapshot) soon after each account
  // was written, as an account idle for a while is stored; then the relay restarts with the
  // default configuration, so later loads and unloads do no compaction work in the background.
  await ferry.start({ ROOM_IDLE_MS: String(SEED_IDLE_MS) })
  const everyone = [...users, ...fresh]
  for (let i = 0; i < everyone.length; i += 4) {
    await Promise.all(everyone.slice(i, i + 4).map(async (user) => seedFerry(ferry.wsUrl, await tokens(user), user, docs)))
  }
  for (const user of oneDocUsers) await seedFerry(ferry.wsUrl, await tokens(user), user, oneDoc)
  await new Promise((resolve) => setTimeout(resolve, SEED_IDLE_MS + 1_000))
  await ferry.stop()
  await ferry.start()
  for (const user of everyone) seedHocuspocus(hocuspocusDir, user, docs)
  await hocuspocus.start()
  log(`  seeded both servers (${elapsed()})`)

  // The floor's bytes: each doc of the account as one update, as both servers store it and a new
  // device receives it. (Read from a device's IndexedDB right after it was in sync, as this bench
  // did before, they missed the rows still queued for writing: a floor of 39–124 ms, not ~155.)
  const floorBytes = [...docs.values()].map((update) => [update])
  // Warm-up, not counted: one new device per client kind (JIT, first loads). In a function of
  // its own: a device held in this module's top-level frame stays reachable for the whole run
  // (the last one, a Hocuspocus client's 303 docs, kept 67 MiB alive, and a heap that size
  // doubled the client CPU of the devices measured after it).
  const warmUp = async (kind: ClientKind): Promise<void> => {
    const device = await openDevice(kind, serverOf(kind), users[0]!, tokens, COLLECTIONS)
    await device.whenInSync(180_000)
    await device.close()
  }
  for (const kind of KINDS) await warmUp(kind)

  // Phase 1: new device, rounds in rotating order.
  const samples = new Map<ClientKind, NewDeviceSamples>(KINDS.map((k) => [k, { cold: [], warm: [] }]))
  const oneDocSamples: NewDeviceSamples = { cold: [], warm: [] }
  const floor: number[] = []
  const show = (x: Sample) => `${x.ms.toFixed(0)} ms (CPU: server ${x.cpuMs.toFixed(0)} ms, clients ${x.clientCpuMs.toFixed(0)} ms; bench heap ${x.clientHeapMiB.toFixed(0)} MiB)`
  for (let round = 0; round < ROUNDS; round++) {
    const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!)
    if (round % 2 === 0) floor.push(floorMs(floorBytes))
    for (const kind of order) {
      await newDeviceRound(kind, serverOf(kind), fresh[round]!, tokens, COLLECTIONS, samples.get(kind)!)
      const s = samples.get(kind)!
      log(`  round ${round} ${kind.padEnd(16)} cold ${show(s.cold[s.cold.length - 1]!)}, warm ${show(s.warm[s.warm.length - 1]!)}`)
    }
    await newDeviceRound('ferry', ferry, oneDocUsers[round]!, tokens, 1, oneDocSamples)
    log(`  round ${round} ferry, one doc    cold ${show(oneDocSamples.cold.at(-1)!)}, warm ${show(oneDocSamples.warm.at(-1)!)}`)
    if (round % 2 === 1) floor.push(floorMs(floorBytes))
  }
  log(`  floor (Y.applyUpdate of each doc's stored bytes): ${median(floor).toFixed(0)} ms (${elapsed()})`)
  for (const kind of KINDS) {
    for (const when of ['cold', 'warm'] as const) {
      const timelines = samples.get(kind)![when].map((s) => s.timeline)
      const keys = [...new Set(timelines.flatMap((t) => Object.keys(t)))]
      const medians = keys.map((k) => [k, median(timelines.filter((t) => k in t).map((t) => t[k]!))] as const).sort((a, b) => a[1] - b[1])
      log(`  timeline, ${kind} ${when} (median ms): ${medians.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' · ')}`)
    }
  }

  // Phases 2 and 3: restart storm and idle memory, Ferry with its real client, Hocuspocus with the in-memory one.
  const memory = { env: MEMORY_ENV, idleWaitMs: IDLE_WAIT_MS }
  log(`  restart storm, ${ACCOUNTS} accounts: ferry (${MEMORY_NOTE})`)
  const ferryStorm = await stormAndMemory('ferry', ferry, users, tokens, COLLECTIONS, memory, log)
  log(`  restart storm, ${ACCOUNTS} accounts: hocuspocus`)
  const hocuspocusStorm = await stormAndMemory('hocuspocus', hocuspocus, users, tokens, COLLECTIONS, { env: {}, idleWaitMs: IDLE_WAIT_MS }, log)
  log(`  server start (spawn to listening), median: ferry ${median(ferry.startMs).toFixed(0)} ms, hocuspocus ${median(hocuspocus.startMs).toFixed(0)} ms`)
  for (const [kind, { storm, memory: m }] of [['ferry', ferryStorm], ['hocuspocus', hocuspocusStorm]] as const) {
    log(
      `  ${kind.padEnd(10)} storm: all in sync ${storm.fromListeningMs.toFixed(0)} ms after listening (CPU: server ${storm.cpuMs.toFixed(0)} ms, clients ${storm.clientCpuMs.toFixed(0)} ms), ` +
        `${storm.refusals} refusals; idle: RSS ${(m.baseline.rss / 2 ** 20).toFixed(0)} → ${(m.idle.rss / 2 ** 20).toFixed(0)} MiB, heap+external ${((m.baseline.heapUsed + m.baseline.external) / 2 ** 20).toFixed(0)} → ${((m.idle.heapUsed + m.idle.external) / 2 ** 20).toFixed(0)} MiB`,
    )
  }

  reportScale({
    workload: { collections: COLLECTIONS, requests: REQUESTS, accounts: ACCOUNTS, rounds: ROUNDS, docsPerAccount: docs.size, yjsBytesPerAccount: bytes, memoryEnv: MEMORY_ENV, memoryNote: MEMORY_NOTE, idleWaitMs: IDLE_WAIT_MS },
    newDevice: samples,
    oneDoc: { samples: oneDocSamples, bytes: oneDocBytes },
    floor,
    storm: { ferry: ferryStorm, hocuspocus: hocuspocusStorm },
    serverStartMs: { ferry: ferry.startMs, hocuspocus: hocuspocus.startMs },
  })
  log(`  total ${elapsed()}`)
} catch (error) {
  console.error(error)
  console.error(`ferry relay output:\n${ferry.output().slice(-4000)}\nhocuspocus output:\n${hocuspocus.output().slice(-4000)}`)
  process.exitCode = 1
} finally {
  await Promise.allSettled([ferry.stop(), hocuspocus.stop()])
  rmSync(ferryDir, { recursive: true, force: true })
  rmSync(hocuspocusDir, { recursive: true, force: true })
}
// Clients' timers (liveness, awareness) would keep the process alive.
process.exit(process.exitCode ?? 0)
