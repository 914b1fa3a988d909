/**
 * A doc held without being loaded (local/lazy-doc.ts) with many rows: what a device pays on a
 * reload for a collection another device edited for weeks while this one kept it held (every
 * change it heard is a row, folded only once the doc is loaded). Holding merges the rows into
 * one update; the reference is applying the same rows into a fresh `Y.Doc` (no IndexedDB).
 * BENCH_ROWS rows (default 20,000 single edits), reads of fake-indexeddb excluded from neither.
 */
import { IDBFactory } from 'fake-indexeddb'
import * as Y from 'yjs'
import type { DocName, UserId } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import { AccountDocs } from '../../packages/client/src/local/account-docs.ts'
import { LazyDoc } from '../../packages/client/src/local/lazy-doc.ts'
import { median, report } from './report.ts'

const ROWS = Number(process.env.BENCH_ROWS ?? 20_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const OWNER = 'heldrows' as UserId
const NAME = `${OWNER}:collection:c1` as DocName

// The other device's edits, one update each: requests added and renamed, a body typed.
const elsewhere = new Y.Doc()
const rows: Uint8Array[] = []
elsewhere.on('update', (update: Uint8Array) => rows.push(update))
const collection = new Collection(elsewhere)
const ids: string[] = []
for (let i = 0; rows.length < ROWS; i++) {
  if (i % 10 === 0) ids.push(collection.add({ kind: 'request', name: `request ${i}`, url: `https://api.test/${i}` }))
  else collection.update(ids[ids.length - 1]!, { name: `request ${i}` })
}

const factory = new IDBFactory()
const store = await AccountStore.open(factory)
const docs = await AccountDocs.open(factory, store, OWNER)
for (const row of rows) docs.append(NAME, row, true)
await docs.flushed()

const held: number[] = []
const floor: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  let start = performance.now()
  const lazy = await LazyDoc.hold(docs, NAME)
  lazy.stateVector()
  held.push(performance.now() - start)
  await lazy.destroy()
  start = performance.now()
  const doc = new Y.Doc()
  Y.transact(doc, () => rows.forEach((row) => Y.applyUpdate(doc, row)))
  floor.push(performance.now() - start)
  doc.destroy()
}
docs.close()
store.close()
report('client-held-rows', [{ metric: `hold a doc of ${ROWS} rows`, ferry: median(held), reference: median(floor), unit: 'ms', against: 'Y.applyUpdate of the rows' }], { rows: ROWS })
