/**
 * Phase 1 of the workspace-scale benchmark: a new device of one account (an empty IndexedDB)
 * until it is in sync, with the account's docs cold (not loaded: an account nobody opened since
 * the server started; the server process itself is warm) and then warm (a second new device
 * while the first stays connected, so every doc is loaded). Also the server's CPU time over the
 * same span (read 250 ms after the end, so trailing work counts) and the bench process's own
 * (the clients'). The floor, in the same rounds: `Y.applyUpdate` of each doc's stored bytes
 * into a fresh doc.
 */
import * as Y from 'yjs'
import { openFerryDevice, type Device } from './ferry-device.ts'
import { openHocuspocusDevice } from './hocuspocus-device.ts'
import type { ServerProcess } from './servers.ts'
import type { Tokens } from './tokens.ts'

export type ClientKind = 'ferry' | 'hocuspocus-local' | 'hocuspocus'

export interface Sample {
  ms: number
  cpuMs: number
  /** CPU time of the bench process (the client side) over the same span. */
  clientCpuMs: number
  /** The bench process's heap (after a full GC when run with --expose-gc) just before the device started, MiB. */
  clientHeapMiB: number
  /** Most sockets the device had open at once. */
  sockets: number
  /** What happened when, ms after the device started (see `Device.timeline`). */
  timeline: Record<string, number>
}

export interface NewDeviceSamples {
  cold: Sample[]
  warm: Sample[]
}

const SETTLE_MS = 250
const IN_SYNC_TIMEOUT_MS = 180_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function openDevice(kind: ClientKind, server: ServerProcess, user: string, tokens: Tokens, collections: number): Promise<Device> {
  return kind === 'ferry' ? openFerryDevice(server, user, tokens, collections) : openHocuspocusDevice(server, user, tokens, collections, kind === 'hocuspocus-local')
}

async function measured(server: ServerProcess, open: () => Promise<Device>): Promise<{ device: Device; sample: Sample }> {
  await sleep(SETTLE_MS)
  globalThis.gc?.()
  const clientHeapMiB = process.memoryUsage().heapUsed / 2 ** 20
  const cpu0 = server.cpuMs()
  const client0 = process.cpuUsage()
  const device = await open()
  await device.whenInSync(IN_SYNC_TIMEOUT_MS)
  const ms = performance.now() - device.startedAt
  const client = process.cpuUsage(client0)
  await sleep(SETTLE_MS)
  return { device, sample: { ms, clientHeapMiB, cpuMs: server.cpuMs() - cpu0, clientCpuMs: (client.user + client.system) / 1000, sockets: device.sockets.peak, timeline: { ...device.timeline(), 'all in sync': Math.round(ms) } } }
}

/** One round for `kind` on `user`, whose docs `server` has not loaded: a new device (cold), then a second one beside it (warm). */
export async function newDeviceRound(kind: ClientKind, server: ServerProcess, user: string, tokens: Tokens, collections: number, into: NewDeviceSamples): Promise<void> {
  const open = () => openDevice(kind, server, user, tokens, collections)
  const cold = await measured(server, open)
  const warm = await measured(server, open)
  into.cold.push(cold.sample)
  into.warm.push(warm.sample)
  await warm.device.close()
  await cold.device.close()
}

/** The floor: each doc's updates applied to a fresh doc, in one transaction each. */
export function floorMs(rows: readonly Uint8Array[][]): number {
  const start = performance.now()
  for (const doc of rows) {
    const ydoc = new Y.Doc()
    Y.transact(ydoc, () => doc.forEach((row) => Y.applyUpdate(ydoc, row)))
    ydoc.destroy()
  }
  return performance.now() - start
}
