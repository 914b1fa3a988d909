/**
 * Version history's storage bound (issue 15): 30 simulated days of edits on one collection,
 * versions taken as the relay takes them (`VersionRecorder` on the files version store,
 * default policy: at most one per 5 min of activity, one at every compaction, 30-day
 * retention with thinning), with an injected clock. Reported per stream: the versions' stored
 * bytes against the doc's own size (its encoded state) at the end — goal ≤ 3× — and the time
 * to rebuild the oldest and the newest version.
 *
 * Two streams, two devices each reloading twice a day (a new Yjs client each time), 8 working
 * hours a day:
 * - `typical`: edits in bursts (a third of the minutes, 1–4 edits each, ~400 a day) that mostly
 *   add — typing into URLs, bodies and descriptions (60%), header rows (15%), a dozen new
 *   requests a day — with small fixes (8%: deleting up to 4 characters), method switches,
 *   renames and about two removed requests a day.
 * - `heavy`: 4–8 edits every working minute (~2,800 a day), a fifth of them deleting runs of up
 *   to 8 characters at random places, so the collection's content is largely rewritten every
 *   few days: history must keep every day's content, the doc only today's.
 * `BENCH_DAYS` and `BENCH_STREAM` (one stream's name) shorten a run.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { Collection } from '@ferry/schema'
import { docName } from '@ferry/protocol'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { FilesVersionStore } from '../../relay/src/storage/versions/files-version-store.ts'
import { rebuild } from '../../relay/src/versions/chain.ts'
import { VersionRecorder } from '../../relay/src/versions/recorder.ts'
import { report, type BenchRow } from './report.ts'

const DAYS = Number(process.env.BENCH_DAYS ?? 30)

interface Stream {
  readonly name: string
  /** Chance that a working minute has edits, and how many it has (min, max). */
  readonly activeMinute: number
  readonly perMinute: readonly [number, number]
  /** Weights of: typing, deleting a run, a header row, a method, a rename, a new request, a removed one. */
  readonly mix: readonly [number, number, number, number, number, number, number]
  /** Longest run a delete removes. */
  readonly deleteRun: number
  readonly maxRequests: number
}

const STREAMS: readonly Stream[] = [
  { name: 'typical', activeMinute: 1 / 3, perMinute: [1, 4], mix: [0.6, 0.08, 0.15, 0.05, 0.085, 0.03, 0.005], deleteRun: 4, maxRequests: 150 },
  { name: 'heavy', activeMinute: 1, perMinute: [4, 8], mix: [0.35, 0.2, 0.2, 0.15, 0.07, 0.015, 0.015], deleteRun: 8, maxRequests: 80 },
]
const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const COMPACT_AFTER_UPDATES = 1000

/** A small seeded PRNG (mulberry32), so every run edits alike. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(15)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
const words = ['users', 'orders', 'items', 'v2', 'search', 'token', 'id', 'page', 'limit', 'expand', 'status', 'created']
const typed = (n: number): string => Array.from({ length: n }, () => pick(words)).join(pick(['/', '&', '=', ' ', '-']))

async function simulate(stream: Stream): Promise<{ row: BenchRow; extra: Record<string, unknown> }> {
  // On tmpfs when there is one: the bench measures bytes, not fsyncs, and a busy disk would take hours.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ferry-versions-bench-'))
  const masterKey = randomBytes(32)
  const docs = new FilesDocStore(join(dir, 'docs'), masterKey)
  const store = new FilesVersionStore(join(dir, 'docs'), masterKey)
  const name = docName('bench', 'collection', 'c1')
  let now = Date.UTC(2026, 0, 5, 0, 0)
  const log = { error: (o: unknown, m: string) => console.error(m, o) } as unknown as FastifyBaseLogger
  const recorder = new VersionRecorder(store, name, { intervalMs: 5 * MINUTE, retentionMs: 30 * DAY, now: () => now }, log)

  const doc = new Y.Doc()
  const c = new Collection(doc)
  const requests: string[] = []
  for (let f = 0; f < 8; f++) {
    const folder = c.add({ kind: 'folder', name: `Folder ${f}` })
    for (let r = 0; r < 6; r++) {
      requests.push(c.add({ kind: 'request', name: `Request ${f}.${r}`, url: `https://api.example.com/${typed(3)}`, headers: [{ key: 'Accept', value: 'application/json' }] }, { parentId: folder }))
    }
  }
  await docs.append(name, [Y.encodeStateAsUpdate(doc)])
  let logUpdates = 0
  let edits = 0

  const weights = stream.mix.map((_, i) => stream.mix.slice(0, i + 1).reduce((sum, w) => sum + w, 0))
  const edit = (): void => {
    const id = pick(requests)
    const roll = random() * weights.at(-1)!
    const kind = weights.findIndex((w) => roll < w)
    if (kind === 0) {
      const text = c.text(id, pick(['url', 'body', 'description'] as const))!
      const at = Math.floor(random() * (text.length + 1))
      // Typing: one transaction per few characters, as an editor sends them.
      const run = typed(1 + Math.floor(random() * 3))
      for (let i = 0; i < run.length; i += 3) text.insert(at + i, run.slice(i, i + 3))
    } else if (kind === 1) {
      const text = c.text(id, pick(['url', 'body'] as const))!
      if (text.length > 10) text.delete(Math.floor(random() * (text.length - stream.deleteRun)), 1 + Math.floor(random() * stream.deleteRun))
    } else if (kind === 2) {
      const headers = c.list(id, 'headers')!
      const rows = headers.rows()
      if (rows.length < 8 && random() < 0.4) headers.insert({ key: `X-${pick(words)}`, value: typed(1) })
      else if (rows.length > 0) headers.update(Math.floor(random() * rows.length), { value: typed(1) })
    } else if (kind === 3) {
      c.update(id, { method: pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) })
    } else if (kind === 4) {
      c.update(id, { name: `${pick(words)} ${pick(words)}` })
    } else if (kind === 5 && requests.length < stream.maxRequests) {
      requests.push(c.add({ kind: 'request', name: `New ${edits}`, url: `https://api.example.com/${typed(2)}` }))
    } else if (kind === 6 && requests.length > 30) {
      c.remove(requests.splice(requests.indexOf(id), 1)[0]!)
    }
    edits++
  }

  const commit = (compaction: boolean): void => {
    logUpdates++
    recorder.changed(`device-${doc.clientID % 2}`)
    if (compaction || logUpdates >= COMPACT_AFTER_UPDATES) {
      logUpdates = 0
      recorder.stored(true, () => Y.encodeStateAsUpdate(doc))
    } else recorder.stored(false, () => Y.encodeStateAsUpdate(doc))
  }

  const started = performance.now()
  for (let day = 0; day < DAYS; day++) {
    const dayStart = now - (now % DAY)
    for (const [from, to] of [[9, 12.5], [13.5, 18]] as const) {
      // Each working spell: a device reloads (a new client), edits, then the doc goes idle (compaction).
      doc.clientID = Math.floor(random() * 2 ** 31)
      for (let minute = from * 60; minute < to * 60; minute++) {
        now = dayStart + minute * MINUTE
        if (random() >= stream.activeMinute) continue
        const [least, most] = stream.perMinute
        const count = least + Math.floor(random() * (most - least + 1))
        for (let i = 0; i < count; i++) {
          edit()
          commit(false)
        }
      }
      commit(true)
      await recorder.settled()
    }
    now = dayStart + DAY
    if ((day + 1) % 5 === 0) console.log(`  ${stream.name} day ${day + 1}: ${(await store.list(name)).length} versions, ${await store.size(name)} bytes of versions, doc ${Y.encodeStateAsUpdate(doc).byteLength} bytes`)
  }
  await recorder.settled()
  const simulateMs = performance.now() - started

  const docBytes = Y.encodeStateAsUpdate(doc).byteLength
  const versionBytes = await store.size(name)
  const versions = await store.list(name)
  const time = async (id: number): Promise<number> => {
    const t = performance.now()
    const built = await rebuild(store, name, id)
    built.destroy()
    return performance.now() - t
  }
  const oldestMs = await time(versions[0]!.id)
  const newestMs = await time(versions.at(-1)!.id)
  console.log(`  ${stream.name}: rebuild oldest ${oldestMs.toFixed(0)} ms, newest ${newestMs.toFixed(0)} ms; simulated in ${(simulateMs / 1000).toFixed(1)} s`)
  await docs.close()
  rmSync(dir, { recursive: true, force: true })
  return {
    row: { metric: `${stream.name} stream: versions' stored bytes after ${DAYS} days (${versions.length} versions, ${edits} edits)`, ferry: versionBytes, reference: docBytes, unit: 'bytes', against: "the doc's own encoded state", goal: 3 },
    extra: { [stream.name]: { edits, versions: versions.length, docBytes, versionBytes, rebuildOldestMs: Math.round(oldestMs), rebuildNewestMs: Math.round(newestMs), simulateMs: Math.round(simulateMs) } },
  }
}

const only = process.env.BENCH_STREAM
const results = []
for (const stream of STREAMS.filter((s) => only === undefined || s.name === only)) results.push(await simulate(stream))
report('version-history', results.map((r) => r.row), { days: DAYS, ...Object.assign({}, ...results.map((r) => r.extra)) })
