/**
 * Cold open of an account from IndexedDB (fake-indexeddb) — 50 collections × 40 requests and
 * 5,000 history entries — and a switch between two such accounts, against the floor measured
 * in the same run: `Y.applyUpdate` of the very bytes stored in those databases into fresh docs
 * (no IndexedDB, no schema, no bookkeeping). Goal: within 1.5× of that floor.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import * as Y from 'yjs'
import type { UserId } from '@ferry/protocol'
import type { TreeNode } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import { storedRows } from '../helpers/local-doc.ts'
import { Workspace } from '../../packages/client/src/workspace.ts'
import { median, report, type BenchRow } from './report.ts'

;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

const COLLECTIONS = 50
const REQUESTS = 40
const HISTORY = 5_000
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

async function seed(factory: IDBFactory, store: AccountStore, owner: UserId): Promise<void> {
  const workspace = await Workspace.open({ owner, indexedDB: factory, store, sync: null })
  for (let c = 0; c < COLLECTIONS; c++) {
    const id = await workspace.createCollection(`Collection ${c}`)
    const collection = await workspace.collection(id)
    const folder = collection.add({ kind: 'folder', name: 'folder' })
    for (let r = 0; r < REQUESTS; r++) {
      const requestId = collection.add(
        { kind: 'request', name: `Request ${r}`, method: r % 3 ? 'GET' : 'POST', url: `https://api.example.com/v1/things/${c}/${r}?page=1` },
        r % 2 ? { parentId: folder } : {},
      )
      collection.text(requestId, 'body')!.insert(0, JSON.stringify({ collection: c, request: r, note: 'x'.repeat(40) }))
    }
  }
  const history = await workspace.history()
  for (let i = 0; i < HISTORY; i++) {
    history.append({
      request: { method: 'GET', url: `https://api.example.com/v1/things/${i}`, headers: [{ key: 'accept', value: 'application/json' }], body: '' },
      status: 200,
      timingMs: 12 + (i % 50),
      responseSize: 512 + i,
      time: 1_700_000_000_000 + i * 1000,
      source: null,
    })
  }
  await workspace.destroy()
}

/** Every row stored for `owner`, per doc, read once outside any timing. */
async function storedBytes(factory: IDBFactory, store: AccountStore, owner: UserId): Promise<Uint8Array[][]> {
  return [...(await storedRows(factory, store, owner)).values()]
}

function floor(bytes: readonly Uint8Array[][]): number {
  const start = performance.now()
  for (const rows of bytes) {
    const doc = new Y.Doc()
    Y.transact(doc, () => rows.forEach((row) => Y.applyUpdate(doc, row)))
    doc.destroy()
  }
  return performance.now() - start
}

const firstView: number[] = []

/** Opens the account (the index first: what the first view needs), then every other doc. */
async function openAll(factory: IDBFactory, store: AccountStore, owner: UserId): Promise<Workspace> {
  const start = performance.now()
  const workspace = await Workspace.open({ owner, indexedDB: factory, store, sync: null })
  firstView.push(performance.now() - start)
  await workspace.loadAll()
  return workspace
}

/** Fails the bench when an open did not load everything (a fast wrong answer is no result). */
async function check(workspace: Workspace): Promise<void> {
  const ids = workspace.index.collections().map((c) => c.id)
  let requests = 0
  const count = (nodes: readonly TreeNode[]): number => nodes.reduce((n, node) => n + 1 + (node.kind === 'folder' ? count(node.children) : 0), 0)
  for (const id of ids) requests += count((await workspace.collection(id)).tree())
  const history = (await workspace.history()).length
  if (ids.length !== COLLECTIONS || requests !== COLLECTIONS * (REQUESTS + 1) || history !== HISTORY) {
    throw new Error(`incomplete open: ${ids.length} collections, ${requests} items, ${history} history entries`)
  }
}

const factory = new IDBFactory()
const store = await AccountStore.open(factory)
const [alice, bob] = ['alicebench' as UserId, 'bobbench' as UserId]
await seed(factory, store, alice)
await seed(factory, store, bob)
const aliceBytes = await storedBytes(factory, store, alice)
const bobBytes = await storedBytes(factory, store, bob)
const storedTotal = aliceBytes.flat().reduce((n, b) => n + b.length, 0)

const open: number[] = []
const openFloor: number[] = []
const switching: number[] = []
const switchFloor: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first, so warm-up and GC debt do not favour either side.
  const floorFirst = round % 2 === 0
  globalThis.gc?.()
  if (floorFirst) openFloor.push(floor(aliceBytes))
  let start = performance.now()
  const first = await openAll(factory, store, alice)
  open.push(performance.now() - start)
  if (!floorFirst) openFloor.push(floor(aliceBytes))
  await check(first)

  globalThis.gc?.()
  if (floorFirst) switchFloor.push(floor(bobBytes))
  start = performance.now()
  await first.destroy()
  const second = await openAll(factory, store, bob)
  switching.push(performance.now() - start)
  if (!floorFirst) switchFloor.push(floor(bobBytes))
  await check(second)
  await second.destroy()
}

const rows: BenchRow[] = [
  { metric: `cold open (${COLLECTIONS}×${REQUESTS} requests, ${HISTORY} history)`, ferry: median(open), reference: median(openFloor), unit: 'ms', against: 'Y.applyUpdate floor', goal: 1.5 },
  { metric: 'switch between two such accounts', ferry: median(switching), reference: median(switchFloor), unit: 'ms', against: 'Y.applyUpdate floor', goal: 1.5 },
]
report('client-open', rows, { rounds: ROUNDS, databases: aliceBytes.length, storedBytes: storedTotal, firstViewMs: median(firstView) })
console.log(`  first view (index loaded, the rest still loading): ${median(firstView).toFixed(1)} ms`)
store.close()
