/**
 * What one doc load costs the store: file system calls (files store) and round trips
 * (PostgreSQL) per `load` of a doc that is not open yet, as a relay restart or an unloaded
 * room loading again meets it. A load reads each doc's data once: its key, its log segments
 * and its snapshot (when there is one) — nothing twice.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import pg from 'pg'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import type { DocStore } from '../../relay/src/storage/doc-store.ts'
import { CallbackDirReads } from '../../relay/src/storage/files/dir-reads.ts'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { openPool } from '../../relay/src/storage/postgres/database.ts'
import { PgDocStore } from '../../relay/src/storage/postgres/pg-doc-store.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'
import { createTestSchema, skipPostgres } from '../helpers/postgres.ts'
import { tempDataDir } from '../helpers/relay.ts'

const DOCS = 20
const names = Array.from({ length: DOCS }, (_, i) => docName('reader', 'collection', `c${i}`))

function edit(i: number, round: number): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = 1000 + round
  doc.getText('t').insert(0, `doc ${i} round ${round};`)
  return Y.encodeStateAsUpdate(doc)
}

/** Half the docs compacted with a log after the snapshot, half a log only (two segments: a restart between). */
async function fill(open: () => Promise<DocStore>): Promise<void> {
  for (const round of [0, 1]) {
    const store = await open()
    for (const [i, name] of names.entries()) {
      const seq = await store.append(name, [edit(i, round)])
      if (round === 0 && i % 2 === 0) {
        const doc = new Y.Doc()
        applyUpdates(doc, [edit(i, 0)])
        await store.compact(name, Y.encodeStateAsUpdate(doc), seq)
      }
    }
    await store.close()
  }
}

async function loadAll(store: DocStore): Promise<void> {
  for (const [i, name] of names.entries()) {
    const doc = new Y.Doc()
    applyUpdates(doc, storedUpdates(await store.load(name)))
    expect(doc.getText('t').toString()).toContain(`doc ${i} round 1;`)
    expect(doc.getText('t').toString()).toContain(`doc ${i} round 0;`)
  }
}

/** Counts calls to the fs functions the files store reads with, promise-based or not (named imports see the patch). */
function countFs(): { readonly calls: Map<string, number>; stop(): void } {
  const calls = new Map<string, number>()
  const patched = [
    ...(['readFile', 'readdir', 'access', 'stat', 'open'] as const).map((name) => [fsp as Record<string, unknown>, name] as const),
    ...(['readFile', 'readdir', 'access', 'stat', 'open'] as const).map((name) => [fs as unknown as Record<string, unknown>, name] as const),
  ]
  const originals = patched.map(([module, name]) => module[name])
  for (const [i, [module, name]] of patched.entries()) {
    const original = originals[i] as (...args: unknown[]) => unknown
    module[name] = (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1)
      return original(...args)
    }
  }
  syncBuiltinESMExports()
  return {
    calls,
    stop() {
      patched.forEach(([module, name], i) => (module[name] = originals[i]))
      syncBuiltinESMExports()
    },
  }
}

const total = (calls: Map<string, number>): number => [...calls.values()].reduce((a, b) => a + b, 0)

describe('reads per doc load', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('files: each doc load reads its key, segments and snapshot once', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    const masterKey = randomBytes(32)
    // In-thread, where the calls can be counted; the worker runs the same reads (dir-reads.ts).
    const open = async (): Promise<DocStore> => FilesDocStore.open(join(dir, 'docs'), masterKey, { dirReads: new CallbackDirReads() })
    await fill(open)
    const store = await open()
    // The account's usage file is read on the first doc of the account: not per doc.
    await store.usage('reader' as never)
    const counted = countFs()
    try {
      await loadAll(store)
    } finally {
      counted.stop()
    }
    await store.close()
    const perDoc = total(counted.calls) / DOCS
    console.log(`files store: ${perDoc.toFixed(1)} fs calls per doc load`, Object.fromEntries(counted.calls))
    // Per doc: one listing (it shows the tombstone, key, segments and snapshot), the key, its
    // two segments, and the snapshot for the half that has one. It was 12 calls (7 reads, the
    // log and a missing snapshot tried twice, plus an existence check and sizes).
    // Each file is opened (non-blocking, so a FIFO cannot hang the read) and read once through its descriptor.
    expect(Object.fromEntries(counted.calls)).toEqual({ readdir: DOCS, open: DOCS * 3 + DOCS / 2, readFile: DOCS * 3 + DOCS / 2 })
  })

  it('files: docs loaded together are read in the worker, the directories of a turn in one message', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    const masterKey = randomBytes(32)
    const open = async (): Promise<DocStore> => FilesDocStore.open(join(dir, 'docs'), masterKey)
    await fill(open)
    const store = await open()
    await store.usage('reader' as never)
    const counted = countFs()
    const posted = vi.spyOn(Worker.prototype, 'postMessage')
    let batches: number[]
    try {
      const loaded = await Promise.all(names.map((name) => store.load(name)))
      loaded.forEach((stored, i) => {
        const doc = new Y.Doc()
        applyUpdates(doc, storedUpdates(stored))
        expect(doc.getText('t').toString()).toContain(`doc ${i} round 1;`)
      })
      batches = posted.mock.calls.map(([message]) => (message as { dirs: string[] }).dirs.length)
    } finally {
      counted.stop()
      posted.mockRestore()
    }
    await store.close()
    expect(batches).toEqual([DOCS])
    expect(Object.fromEntries(counted.calls)).toEqual({})
  })

  it.skipIf(skipPostgres)('PostgreSQL: each doc load is one round trip', async () => {
    const schema = await createTestSchema()
    const masterKey = randomBytes(32)
    const pools: pg.Pool[] = []
    const open = async (): Promise<DocStore> => {
      const pool = openPool(schema.url, () => undefined)
      pools.push(pool)
      return PgDocStore.open(pool, masterKey)
    }
    try {
      await fill(open)
      const store = await open()
      let queries = 0
      const original = pg.Client.prototype.query
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        queries++
        return (original as (...a: unknown[]) => unknown).apply(this, args)
      } as typeof original
      try {
        await loadAll(store)
      } finally {
        pg.Client.prototype.query = original
      }
      await store.close()
      console.log(`PostgreSQL store: ${(queries / DOCS).toFixed(1)} queries per doc load`)
      // It was 6: BEGIN, SET TRANSACTION, three SELECTs, COMMIT.
      expect(queries / DOCS).toBe(1)
    } finally {
      await Promise.all(pools.map((pool) => pool.end()))
      await schema.drop()
    }
  })
})
