/**
 * Version history's storage bound (issue 15): 30 simulated days of edits on one collection,
 * versions taken as the relay takes them (`VersionRecorder` on the files version store,
 * default policy: at most one per 5 min of activity, one at every compaction, 30-day
 * retention with thinning), with an injected clock. Reported per stream: the versions' stored
 * bytes against the doc's own size (its encoded state) at the end — goal ≤ 3× — and the time
 * to rebuild the oldest and the newest version.
 *
 * Two streams (edit-stream.ts: `typical` and `heavy`), two devices each reloading twice a day
 * (a new Yjs client each time), 8 working hours a day.
 * `BENCH_DAYS` and `BENCH_STREAM` (one stream's name) shorten a run.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { docName } from '@ferry/protocol'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { FilesVersionStore } from '../../relay/src/storage/versions/files-version-store.ts'
import { rebuild } from '../../relay/src/versions/chain.ts'
import { VersionRecorder } from '../../relay/src/versions/recorder.ts'
import { editedCollection, prng, STREAMS, work, type Stream } from './edit-stream.ts'
import { report, type BenchRow } from './report.ts'

const DAYS = Number(process.env.BENCH_DAYS ?? 30)

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
const COMPACT_AFTER_UPDATES = 1000
const random = prng(15)

async function simulate(stream: Stream): Promise<{ row: BenchRow; extra: Record<string, unknown> }> {
  // On tmpfs when there is one: the bench measures bytes, not fsyncs, and a busy disk would take hours.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ferry-versions-bench-'))
  const masterKey = randomBytes(32)
  const docs = new FilesDocStore(join(dir, 'docs'), masterKey)
  const store = new FilesVersionStore(join(dir, 'docs'), masterKey)
  const name = docName('bench', 'collection', 'c1')
  const start = Date.UTC(2026, 0, 5)
  let now = start
  const log = { error: (o: unknown, m: string) => console.error(m, o) } as unknown as FastifyBaseLogger
  const recorder = new VersionRecorder(store, name, { intervalMs: 5 * MINUTE, retentionMs: 30 * DAY, now: () => now }, log)

  const edited = editedCollection(stream, random)
  const doc = edited.doc
  await docs.append(name, [Y.encodeStateAsUpdate(doc)])
  let logUpdates = 0

  const commit = (compaction: boolean): void => {
    logUpdates++
    recorder.changed(`device-${doc.clientID % 2}`)
    if (compaction || logUpdates >= COMPACT_AFTER_UPDATES) {
      logUpdates = 0
      recorder.stored(true, () => Y.encodeStateAsUpdate(doc))
    } else recorder.stored(false, () => Y.encodeStateAsUpdate(doc))
  }

  const started = performance.now()
  await work(edited, stream, random, DAYS, start, {
    edited: (at) => {
      now = at
      commit(false)
    },
    spellEnded: async (at) => {
      now = at
      commit(true)
      await recorder.settled()
    },
    dayEnded: async (day) => {
      now = start + day * DAY
      if (day % 5 === 0) console.log(`  ${stream.name} day ${day}: ${(await store.list(name)).length} versions, ${await store.size(name)} bytes of versions, doc ${Y.encodeStateAsUpdate(doc).byteLength} bytes`)
    },
  })
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
    row: { metric: `${stream.name} stream: versions' stored bytes after ${DAYS} days (${versions.length} versions, ${edited.edits} edits)`, ferry: versionBytes, reference: docBytes, unit: 'bytes', against: "the doc's own encoded state", goal: 3 },
    extra: { [stream.name]: { edits: edited.edits, versions: versions.length, docBytes, versionBytes, rebuildOldestMs: Math.round(oldestMs), rebuildNewestMs: Math.round(newestMs), simulateMs: Math.round(simulateMs) } },
  }
}

const only = process.env.BENCH_STREAM
const results = []
for (const stream of STREAMS.filter((s) => only === undefined || s.name === only)) results.push(await simulate(stream))
report('version-history', results.map((r) => r.row), { days: DAYS, ...Object.assign({}, ...results.map((r) => r.extra)) })
