/**
 * What an account's docs cost a tab while they sync without being loaded (local/lazy-doc.ts)
 * against the same docs loaded with their schema views, as the client kept every doc before:
 * heap after a full GC, the account of workspace-scale (BENCH_COLLECTIONS × BENCH_REQUESTS,
 * default 300 × 20) stored in one account database on fake-indexeddb. Also the time to hold
 * them all (what a new device or a reload pays before its one `open`) against loading them all.
 */
import { IDBFactory } from 'fake-indexeddb'
import type * as Y from 'yjs'
import type { DocName, UserId } from '@ferry/protocol'
import { Collection, Environments, History, WorkspaceIndex } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import { AccountDocs } from '../../packages/client/src/local/account-docs.ts'
import { LazyDoc } from '../../packages/client/src/local/lazy-doc.ts'
import { median, report } from './report.ts'
import { buildAccount } from './workspace-scale/seed.ts'

const COLLECTIONS = Number(process.env.BENCH_COLLECTIONS ?? 300)
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const OWNER = 'lazybench' as UserId

function heap(): number {
  globalThis.gc?.()
  globalThis.gc?.()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

const viewOf = (name: string) => (doc: Y.Doc) => {
  if (name.endsWith(':workspace')) new WorkspaceIndex(doc)
  else if (name.endsWith(':environments')) new Environments(doc)
  else if (name.endsWith(':history')) new History(doc)
  else new Collection(doc)
}

const account = await buildAccount(COLLECTIONS, REQUESTS)
const factory = new IDBFactory()
const store = await AccountStore.open(factory)
const seeding = await AccountDocs.open(factory, store, OWNER)
const names: DocName[] = []
for (const [suffix, update] of account) {
  const name = `${OWNER}:${suffix}` as DocName
  names.push(name)
  seeding.append(name, update)
}
await seeding.flushed()
seeding.close()

const held: number[] = []
const loaded: number[] = []
const holdMs: number[] = []
const loadMs: number[] = []
// Round 0 warms up (JIT, fake-indexeddb's caches) and is not counted. Each figure is the heap
// while the docs are held (or loaded) minus the heap once they are all gone again: garbage of
// earlier steps that a GC only frees later cannot make a figure smaller than it is.
for (let round = 0; round <= ROUNDS; round++) {
  const docs = await AccountDocs.open(factory, store, OWNER)
  let start = performance.now()
  const lazies = await Promise.all(names.map((name) => LazyDoc.hold(docs, name)))
  const holding = performance.now() - start
  const whileHeld = heap()
  start = performance.now()
  for (const lazy of lazies) lazy.wake(viewOf(lazy.docName))
  const waking = performance.now() - start
  const whileLoaded = heap()
  await Promise.all(lazies.map((lazy) => lazy.destroy()))
  docs.close()
  lazies.length = 0
  await new Promise((resolve) => setTimeout(resolve, 50))
  const after = heap()
  if (round === 0) continue
  holdMs.push(holding)
  loadMs.push(holding + waking)
  held.push(whileHeld - after)
  loaded.push(whileLoaded - after)
}

const MiB = 2 ** 20
report(
  'client-lazy-memory',
  [
    { metric: `heap of ${names.length} docs held, syncing without being loaded`, ferry: median(held) / MiB, reference: median(loaded) / MiB, unit: 'MiB', against: 'the same docs loaded with their views' },
    { metric: `time to hold ${names.length} docs from IndexedDB`, ferry: median(holdMs), reference: median(loadMs), unit: 'ms', against: 'holding and loading them with their views' },
  ],
  { collections: COLLECTIONS, requests: REQUESTS, rounds: ROUNDS },
)
store.close()
