/**
 * What making every typed string a `Y.Text` costs (issue: merge without loss), against the
 * v1 layout (the same content as plain strings, written by `writeV1Items`) in the same run:
 * - cold open of the 50×40 workspace's collections: apply the stored update into a fresh doc
 *   and read the whole tree (what opening a collection and showing it does);
 * - the same for one 10,000-request collection imported from a Postman file;
 * - stored bytes of both.
 * Goal: ≤ 1.3× the open time and ≤ 1.5× the stored bytes of the v1 string fields.
 */
import * as Y from 'yjs'
import { Collection, fromPostman, type NodeInput } from '@ferry/schema'
import { seededRandom } from '../../packages/schema/src/test-random.ts'
import { writeV1Items } from '../../packages/schema/src/test-v1.ts'
import { median, report, type BenchRow } from './report.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)

function request(c: number, r: number): NodeInput {
  return {
    kind: 'request',
    name: `Request ${r}`,
    method: r % 3 ? 'GET' : 'POST',
    url: `https://api.example.com/v1/things/${c}/${r}?page=1`,
    params: [{ key: 'page', value: '1' }],
    headers: [{ key: 'Accept', value: 'application/json' }, { key: 'X-Trace', value: `${c}-${r}`, enabled: r % 2 === 0 }],
    auth: r % 4 ? { type: 'inherit' } : { type: 'bearer', token: '{{token}}' },
    body: { mode: 'raw', language: 'json', raw: JSON.stringify({ collection: c, request: r, note: 'x'.repeat(40) }) },
  }
}

/** A Postman v2.1 file of `n` requests in folders of 100, as a vendor would publish. */
function postmanFile(n: number): unknown {
  const folders = []
  for (let f = 0; f < n / 100; f++) {
    const item = []
    for (let r = 0; r < 100; r++) {
      item.push({
        name: `Get thing ${f}-${r}`,
        request: {
          method: 'GET',
          header: [{ key: 'Accept', value: 'application/json' }],
          url: { raw: `{{baseUrl}}/things/${f}/${r}?verbose=true`, host: ['{{baseUrl}}'], path: ['things', `${f}`, `${r}`], query: [{ key: 'verbose', value: 'true' }] },
          description: `Returns thing ${r} of group ${f}.`,
        },
      })
    }
    folders.push({ name: `Group ${f}`, item })
  }
  return { info: { name: 'Big API', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: folders }
}

function build(inputs: readonly NodeInput[], layout: 'v1' | 'v2', seed: number): Uint8Array {
  const doc = new Y.Doc()
  if (layout === 'v2') new Collection(doc, { random: seededRandom(seed) }).addAll(inputs)
  else writeV1Items(doc, inputs, seededRandom(seed))
  const bytes = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return bytes
}

function openAll(updates: readonly Uint8Array[], expectedItems: number): number {
  const start = performance.now()
  let items = 0
  for (const update of updates) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, update)
    const stack = [...new Collection(doc).tree()]
    while (stack.length > 0) {
      const node = stack.pop()!
      items++
      if (node.kind === 'folder') stack.push(...node.children)
    }
    doc.destroy()
  }
  const ms = performance.now() - start
  if (items !== expectedItems) throw new Error(`incomplete open: ${items} of ${expectedItems} items`)
  return ms
}

const workspace = (layout: 'v1' | 'v2'): Uint8Array[] =>
  Array.from({ length: 50 }, (_, c) => build([{ kind: 'folder', name: 'folder', children: Array.from({ length: 40 }, (_, r) => request(c, r)) }], layout, c + 1))
const parsed = fromPostman(postmanFile(10_000))
if (!parsed.ok) throw new Error(parsed.error.message)
const imported = (layout: 'v1' | 'v2'): Uint8Array[] => [build(parsed.value.items, layout, 99)]

const cases = [
  { name: 'workspace 50×40', v1: workspace('v1'), v2: workspace('v2'), items: 50 * 41 },
  { name: 'Postman import 10k requests', v1: imported('v1'), v2: imported('v2'), items: 10_000 + 100 },
]
const rows: BenchRow[] = []
const extra: Record<string, unknown> = { rounds: ROUNDS }
for (const c of cases) {
  const times = { v1: [] as number[], v2: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so warm-up and GC debt favour neither.
    const order = round % 2 === 0 ? (['v1', 'v2'] as const) : (['v2', 'v1'] as const)
    for (const layout of order) {
      globalThis.gc?.()
      times[layout].push(openAll(c[layout], c.items))
    }
  }
  const bytes = (u: Uint8Array[]) => u.reduce((n, b) => n + b.length, 0)
  rows.push({ metric: `cold open, ${c.name}`, ferry: median(times.v2), reference: median(times.v1), unit: 'ms', against: 'v1 string fields', goal: 1.3 })
  rows.push({ metric: `stored bytes, ${c.name}`, ferry: bytes(c.v2), reference: bytes(c.v1), unit: 'bytes', against: 'v1 string fields', goal: 1.5 })
}
report('text-fields', rows, extra)
