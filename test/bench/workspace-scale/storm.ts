/**
 * Phases 2 and 3 of the workspace-scale benchmark, on `accounts` devices (one per account, all
 * from 127.0.0.1) that start as new devices and stay connected:
 *   - restart storm: with every device in sync, the server is stopped (SIGTERM, its own graceful
 *     shutdown) and, once every device noticed, started again on the same port and data; timed
 *     from "listening" (and from the stop) until every device is in sync again, with the
 *     server's CPU time and every socket close or refusal the devices saw after it listened;
 *   - memory per idle connected account: the server restarted once more (with `memoryEnv`,
 *     e.g. a short idle-unload setting), its memory after a full GC right after it listens
 *     (baseline) and again once every device is back in sync and `idleWaitMs` passed.
 */
import type { Device } from './ferry-device.ts'
import { openDevice, type ClientKind } from './new-device.ts'
import type { ServerProcess } from './servers.ts'
import type { Refusal } from './socket-log.ts'
import type { ProbeReply } from './probe.ts'
import type { Tokens } from './tokens.ts'

export interface StormResult {
  fromListeningMs: number
  fromStopMs: number
  cpuMs: number
  /** CPU time of the bench process (every device's client) from listening until all in sync. */
  clientCpuMs: number
  closes: number
  refusals: number
  /** Close codes and refused codes seen after the restart, with counts. */
  codes: Record<string, number>
  /** Most sockets one device had open at once: while syncing as a new device, through the storm, through the memory phase's restart. */
  socketsPerAccount: { newDevices: number; storm: number; memoryRestart: number }
  /** Sockets opened over the whole phase, all devices: Ferry's mux ones and the others (per-doc). */
  socketsOpened: { total: number; notMux: number }
}

export interface MemoryResult {
  baseline: ProbeReply
  idle: ProbeReply
  idleWaitMs: number
  rssPerAccount: number
  heapPerAccount: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ALL_IN_SYNC_MS = 300_000

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run))
}

function tally(list: readonly Refusal[], into: Record<string, number>, label: string): void {
  for (const item of list) into[`${label} ${item.code}`] = (into[`${label} ${item.code}`] ?? 0) + 1
}

export async function stormAndMemory(
  kind: ClientKind,
  server: ServerProcess,
  users: readonly string[],
  tokens: Tokens,
  collections: number,
  memory: { env: Record<string, string>; idleWaitMs: number },
  log: (line: string) => void,
): Promise<{ storm: StormResult; memory: MemoryResult }> {
  await server.stop()
  await server.start()
  const devices: Device[] = []
  const t0 = performance.now()
  // New devices, a few at a time (this is not what is measured).
  await inBatches(users, 4, async (user) => {
    const device = await openDevice(kind, server, user, tokens, collections)
    devices.push(device)
    await device.whenInSync(ALL_IN_SYNC_MS)
  })
  log(`    ${devices.length} devices in sync in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  await sleep(1_000)

  const peak = () => Math.max(...devices.map((d) => d.sockets.resetPeak()))
  const newDevicesPeak = peak()
  const stoppedAt = performance.now()
  await server.stop()
  await Promise.all(devices.map((d) => d.whenOutOfSync(30_000)))
  await server.start()
  const listeningAt = performance.now()
  const cpu0 = server.cpuMs()
  const client0 = process.cpuUsage()
  await Promise.all(devices.map((d) => d.whenInSync(ALL_IN_SYNC_MS)))
  const doneAt = performance.now()
  const client = process.cpuUsage(client0)
  await sleep(250)
  const codes: Record<string, number> = {}
  let closes = 0
  let refusals = 0
  for (const device of devices) {
    const seen = device.sockets.since(listeningAt)
    closes += seen.closes.length
    refusals += seen.refusals.length
    tally(seen.closes, codes, 'close')
    tally(seen.refusals.filter((r) => r.what !== 'socket'), codes, 'doc refused')
  }
  const storm: StormResult = {
    fromListeningMs: doneAt - listeningAt,
    fromStopMs: doneAt - stoppedAt,
    cpuMs: server.cpuMs() - cpu0,
    clientCpuMs: (client.user + client.system) / 1000,
    closes,
    refusals,
    codes,
    socketsPerAccount: { newDevices: newDevicesPeak, storm: peak(), memoryRestart: 0 },
    socketsOpened: { total: 0, notMux: 0 },
  }

  await server.stop()
  await Promise.all(devices.map((d) => d.whenOutOfSync(30_000)))
  await server.start(memory.env)
  const baseline = await server.probe()
  await Promise.all(devices.map((d) => d.whenInSync(ALL_IN_SYNC_MS)))
  await sleep(memory.idleWaitMs)
  const idle = await server.probe()
  storm.socketsPerAccount.memoryRestart = peak()
  storm.socketsOpened = devices.reduce((n, d) => ({ total: n.total + d.sockets.opened, notMux: n.notMux + d.sockets.openedOther }), { total: 0, notMux: 0 })
  await Promise.all(devices.map((d) => d.close()))
  const heap = (p: ProbeReply) => p.heapUsed + p.external
  return {
    storm,
    memory: {
      baseline,
      idle,
      idleWaitMs: memory.idleWaitMs,
      rssPerAccount: (idle.rss - baseline.rss) / users.length,
      heapPerAccount: (heap(idle) - heap(baseline)) / users.length,
    },
  }
}
