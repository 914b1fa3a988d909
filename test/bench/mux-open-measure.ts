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
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { processToken, spawnRelay, type RelayProcess } from '../helpers/relay-process.ts'
import { rawClient, syncUrl, updateFrame } from '../helpers/sync-clients.ts'

const USER = 'measured'
const DOCS = 300

function names(): DocName[] {
  const fixed = [docName(USER, 'workspace'), docName(USER, 'environments'), docName(USER, 'history')]
  return [...fixed, ...Array.from({ length: DOCS - fixed.length }, (_, i) => docName(USER, 'collection', `c${i}`))]
}

function content(i: number): Y.Doc {
  const doc = new Y.Doc()
  const items = doc.getMap('items')
  for (let r = 0; r < 20; r++) {
    const item = new Y.Map<unknown>()
    item.set('name', new Y.Text(`Request ${r} of ${i}`))
    item.set('url', new Y.Text(`https://api.example.test/v1/things/${r}?page=1`))
    item.set('method', 'GET')
    items.set(`r${r}`, item)
  }
  ;(items.get('r0') as Y.Map<Y.Text>).get('url')!.delete(0, 8) // some deletions
  items.delete('r19')
  return doc
}

const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

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
  const cpu0 = cpuMs(relay.child.pid!)
  const t0 = performance.now()
  await run()
  const wall = performance.now() - t0
  await settle()
  console.log(`${label.padEnd(40)} ${wall.toFixed(0).padStart(6)} ms wall ${(cpuMs(relay.child.pid!) - cpu0).toFixed(0).padStart(6)} ms relay CPU`)
}

const dataDir = mkdtempSync(join(tmpdir(), 'ferry-measure-'))
try {
  const token = await processToken(USER, dataDir)
  const docs = new Map(names().map((name, i) => [name, content(i)]))
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
    await measure(`sync x${DOCS}, cold, ${caseName}`, relay, () => viaSync(relay, token, held))
    await measure(`sync x${DOCS}, warm, ${caseName}`, relay, () => viaSync(relay, token, held))
  }
  relay.child.kill('SIGTERM')
  await relay.exited
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
