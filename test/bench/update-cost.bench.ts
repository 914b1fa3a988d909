/**
 * The update budget (`MAX_UPDATE_DECODED_BYTES`, @ferry/protocol update-cost/) against the
 * honest updates it must never refuse, and what checking costs:
 *
 * - the 10,000-request Postman import (postman-big-collection.ts, one transaction);
 * - every collection of the Postman corpus, imported (the largest reported);
 * - a long typing history: 300,000 keystrokes into request bodies, one transaction each, 15%
 *   of them backspaces, a cursor jump every ~30 keys, a new device every 2,000 keys — the doc's
 *   whole state (what a device sends a relay that lost the doc) and one device's keys merged;
 * - the version-history `heavy` stream (edit-stream.ts) over 30 days: the doc's whole state
 *   and the largest working spell's edits merged (a device offline for a spell).
 *
 * Per update: bytes, structs, bytes per struct, delete-set ranges and the estimated decoded
 * cost, against the default limit (goal: at most a fifth of it), and the real heap
 * `Y.decodeUpdate` took. Then the estimate's weights: for every crafted update of
 * test/helpers/crafted-updates.ts, the heap it really took — decoded, or applied to a doc,
 * whichever is more — against its estimate (goal ≤ 1×: a yjs upgrade that builds larger
 * objects shows here). The check's own time is not measured here: on the 21 MB import it takes
 * ~3 ms once warm, ~3% of the `Y.decodeUpdate` the relay runs after it anyway.
 */
import { readFileSync } from 'node:fs'
import * as Y from 'yjs'
import { checkUpdate, DEFAULT_MAX_UPDATE_DECODED_BYTES, decodedCost, scanUpdate } from '@ferry/protocol'
import { Collection, importPostman } from '@ferry/schema'
import { craftedUpdate, type CraftedKind } from '../../packages/protocol/src/update-cost/testing/crafted-updates.ts'
import { materialiseCorpus } from '../helpers/postman-corpus.ts'
import { editedCollection, prng, STREAMS, work } from './edit-stream.ts'
import { bigPostmanCollection } from './postman-big-collection.ts'
import { report, type BenchRow } from './report.ts'

const KEYSTROKES = 300_000
const MB = 1024 * 1024

function imported(json: unknown): Uint8Array | null {
  const collection = new Collection(new Y.Doc())
  const result = importPostman(collection, json)
  return result.ok ? Y.encodeStateAsUpdate(collection.doc) : null
}

/** Keystrokes into request bodies, each its own transaction; returns the whole state and the largest device's keys merged. */
function typingHistory(): { state: Uint8Array; device: Uint8Array } {
  const random = prng(7)
  const doc = new Y.Doc()
  const c = new Collection(doc)
  const ids = Array.from({ length: 50 }, (_, i) => c.add({ kind: 'request', name: `Request ${i}`, url: 'https://api.example.com/' }))
  let text = c.text(ids[0]!, 'body')!
  let cursor = 0
  let keys: Uint8Array[] = []
  let device: Uint8Array = new Uint8Array()
  doc.on('update', (update: Uint8Array) => keys.push(update))
  for (let k = 0; k < KEYSTROKES; k++) {
    if (k % 2000 === 0) {
      const merged = Y.mergeUpdates(keys)
      if (merged.length > device.length) device = merged
      keys = []
      doc.clientID = Math.floor(random() * 2 ** 31)
    }
    if (random() < 0.03) {
      text = c.text(ids[Math.floor(random() * ids.length)]!, 'body')!
      cursor = Math.floor(random() * (text.length + 1))
    }
    if (random() < 0.15 && cursor > 0) text.delete(--cursor, 1)
    else text.insert(cursor++, 'abcdefghij '[Math.floor(random() * 11)]!)
  }
  return { state: Y.encodeStateAsUpdate(doc), device }
}

/** The heavy stream over 30 days: the whole state, and the largest spell's edits merged. */
async function heavyStream(): Promise<{ state: Uint8Array; spell: Uint8Array }> {
  const stream = STREAMS.find((s) => s.name === 'heavy')!
  const random = prng(15)
  const edited = editedCollection(stream, random)
  let updates: Uint8Array[] = []
  let spell: Uint8Array = new Uint8Array()
  edited.doc.on('update', (update: Uint8Array) => updates.push(update))
  await work(edited, stream, random, 30, Date.UTC(2026, 0, 5), {
    edited: () => undefined,
    spellEnded: () => {
      const merged = Y.mergeUpdates(updates)
      if (merged.length > spell.length) spell = merged
      updates = []
    },
  })
  return { state: Y.encodeStateAsUpdate(edited.doc), spell }
}

/** Heap what `make` returns holds, once built. */
function heldHeap(make: () => unknown): number {
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  const held = [make()]
  globalThis.gc?.()
  const bytes = process.memoryUsage().heapUsed - before
  held.length = 0
  return bytes
}

const decodedHeap = (update: Uint8Array): number => heldHeap(() => Y.decodeUpdate(update))

/** Heap a doc takes after `update` is applied to it; delete ranges land on a text of client 5 they split. */
function appliedHeap(kind: CraftedKind, n: number, update: Uint8Array): number {
  const doc = new Y.Doc()
  if (kind === 'delete-ranges') {
    doc.clientID = 5
    doc.getText('text').insert(0, 'x'.repeat(2 * n))
  }
  return heldHeap(() => {
    Y.applyUpdate(doc, update)
    return doc
  })
}

const honest: Array<{ name: string; update: Uint8Array }> = []
const big = imported(bigPostmanCollection(10_000))
if (!big) throw new Error('the 10k import was refused')
honest.push({ name: 'Postman import, 10k requests', update: big })

let corpusBytes = 0
let corpusStructs = 0
let largestCorpus: { update: Uint8Array; cost: number } = { update: new Uint8Array(), cost: -1 }
for (const entry of await materialiseCorpus({ kinds: ['collection'] })) {
  const update = imported(JSON.parse(readFileSync(entry.file, 'utf8')))
  if (!update) continue
  const counted = scanUpdate(update)
  if (!counted.ok) throw new Error(`${entry.name}: ${counted.error.message}`)
  corpusBytes += update.length
  corpusStructs += counted.value.structs
  const cost = decodedCost(counted.value)
  if (cost > largestCorpus.cost) largestCorpus = { update, cost }
}
honest.push({ name: 'Postman corpus, costliest collection', update: largestCorpus.update })
const typing = typingHistory()
honest.push({ name: `typing history, ${KEYSTROKES / 1000}k keys: whole doc`, update: typing.state }, { name: 'typing history: one device’s 2,000 keys', update: typing.device })
const heavy = await heavyStream()
honest.push({ name: 'heavy stream, 30 days: whole doc', update: heavy.state }, { name: 'heavy stream: largest spell', update: heavy.spell })

const rows: BenchRow[] = []
const figures: Record<string, unknown> = { corpus: { bytes: corpusBytes, structs: corpusStructs, bytesPerStruct: corpusBytes / corpusStructs } }
for (const { name, update } of honest) {
  const checked = checkUpdate(update)
  if (!checked.ok) throw new Error(`${name} was refused: ${checked.error.message}`)
  const counts = checked.value
  const cost = decodedCost(counts)
  const heap = decodedHeap(update)
  figures[name] = { bytes: update.length, ...counts, bytesPerStruct: update.length / counts.structs, estimatedMB: cost / MB, decodedHeapMB: heap / MB }
  console.log(`  ${name}: ${(update.length / MB).toFixed(2)} MB, ${counts.structs} structs (${(update.length / counts.structs).toFixed(1)} bytes each), ${counts.deleteRanges} deleted ranges; estimated ${(cost / MB).toFixed(1)} MB, decoded heap ${(heap / MB).toFixed(1)} MB`)
  rows.push({ metric: `estimated decoded cost, ${name}`, ferry: cost / MB, reference: DEFAULT_MAX_UPDATE_DECODED_BYTES / MB, unit: 'MB', against: 'the default limit', goal: 0.2 })
}

const CRAFTED: readonly CraftedKind[] = ['gc', 'skip', 'deleted-items', 'root-names', 'binary-chain', 'type-items', 'subdocs', 'any-items', 'any-values', 'json-arrays', 'clients', 'delete-ranges', 'delete-clients']
const CRAFTED_N = 100_000
for (const kind of CRAFTED) {
  const update = craftedUpdate(kind, CRAFTED_N)
  const counted = scanUpdate(update)
  if (!counted.ok) throw new Error(`${kind}: ${counted.error.message}`)
  const heap = Math.max(decodedHeap(update), appliedHeap(kind, CRAFTED_N, update))
  const cost = decodedCost(counted.value)
  figures[`crafted ${kind}`] = { bytes: update.length, heapPerUnit: heap / CRAFTED_N, estimatePerUnit: cost / CRAFTED_N }
  rows.push({ metric: `heap of ${CRAFTED_N} crafted ${kind} (${(update.length / CRAFTED_N).toFixed(1)} bytes each)`, ferry: heap / MB, reference: cost / MB, unit: 'MB', against: 'its estimate', goal: 1 })
}

report('update-cost', rows, { limitMB: DEFAULT_MAX_UPDATE_DECODED_BYTES / MB, figures })
