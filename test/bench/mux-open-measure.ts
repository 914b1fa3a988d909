/**
 * A one-off measurement for issue 14 (not a timed test, not run by `npm run bench`): one account
 * of 300 docs (workspace, environments, history, 297 collections of 20 requests each) on a relay
 * process with default settings; after a restart (cold rooms) and with rooms loaded (warm),
 * time and relay CPU (utime + stime from /proc) until every doc is in sync:
 *   - mux: one `/v1/mux` socket, one batched `open` with what the client holds;
 *   - sync: 300 `/v1/sync?ack=1` sockets, each doing the y-websocket handshake (step 1 both ways,
 *     the client's step 2) and waiting for its step 2 and `persisted`.
 * Cases: "up to date" (the client holds what the relay stored) and "new device" (holds nothing).
 *
 *     npx tsx test/bench/mux-open-measure.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import type { DocName } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { processToken, spawnRelay, type RelayProcess } from '../helpers/relay-process.ts'
import { rawClient, syncUrl, updateFrame } from '../helpers/sync-clients.ts'
import { BIG_ACCOUNT_DOCS, bigAccountContent, bigAccountNames } from './big-account.ts'
import { processCpuMs } from './process-measure.ts'

const USER = 'measured'

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300))
}

async function viaMux(relay: RelayProcess, token: string, held: Map<DocName, Y.Doc | null>): Promise<void> {
  const client = await muxClient(muxUrl(relay.wsUrl, token))
  client.open([...held].map(([name, doc]) => openRequest(name, doc ?? undefined)))
  await client.control('opened', 120_000)
  // Every doc has its `persisted` (it may follow `opened` when the room had unstored updates).
  for (const name of held.keys()) await client.doc(name, 'persisted', 60_000)
  client.end()
}

async function viaSync(relay: RelayProcess, token: string, held: Map<DocName, Y.Doc | null>): Promise<void> {
  await Promise.all([...held].map(async ([name, doc]) => {
    const client = await rawClient(syncUrl(relay.wsUrl, name, token, true))
    const local = doc ?? new Y.Doc()
    client.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(local) })
    const step1 = await client.next('sync-step1', 60_000)
    client.send({ type: 'sync-step2', update: Y.encodeStateAsUpdate(local, step1.stateVector) })
    await client.next('sync-step2', 60_000)
    await client.next('persisted', 60_000)
    client.close()
  }))
}

async function measure(label: string, relay: RelayProcess, run: () => Promise<void>): Promise<void> {
  await settle()
  const cpu0 = processCpuMs(relay.child.pid!)
  const t0 = performance.now()
  await run()
  const wall = performance.now() - t0
  await settle()
  console.log(`${label.padEnd(40)} ${wall.toFixed(0).padStart(6)} ms wall ${(processCpuMs(relay.child.pid!) - cpu0).toFixed(0).padStart(6)} ms relay CPU`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'ferry-measure-'))
try {
  const token = await processToken(USER, dataDir)
  const docs = new Map(bigAccountNames(USER).map((name, i) => [name, bigAccountContent(i)]))
  let relay = await spawnRelay(dataDir)
  {
    const client = await muxClient(muxUrl(relay.wsUrl, token))
    client.open([...docs.keys()].map((name) => openRequest(name)))
    await client.control('opened', 120_000)
    for (const [name, doc] of docs) client.send(name, updateFrame(Y.encodeStateAsUpdate(doc)))
    for (const name of docs.keys()) await client.doc(name, 'persisted', 60_000)
    client.end()
  }
  const upToDate = new Map<DocName, Y.Doc | null>(docs)
  const empty = new Map<DocName, Y.Doc | null>([...docs.keys()].map((name) => [name, null]))
  const restart = async (): Promise<void> => {
    relay.child.kill('SIGTERM')
    await relay.exited
    relay = await spawnRelay(dataDir)
  }
  for (const [caseName, held] of [['up to date', upToDate], ['new device', empty]] as const) {
    await restart()
    await measure(`mux, cold, ${caseName}`, relay, () => viaMux(relay, token, held))
    await measure(`mux, warm, ${caseName}`, relay, () => viaMux(relay, token, held))
    await restart()
    await measure(`sync x${BIG_ACCOUNT_DOCS}, cold, ${caseName}`, relay, () => viaSync(relay, token, held))
    await measure(`sync x${BIG_ACCOUNT_DOCS}, warm, ${caseName}`, relay, () => viaSync(relay, token, held))
  }
  relay.child.kill('SIGTERM')
  await relay.exited
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
