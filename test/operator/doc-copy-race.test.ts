/**
 * `copyDoc` against a files store that appends and compacts the same doc while it copies
 * (in one process, so the copy's reads interleave with the store's renames and deletions at
 * every await): each copy, opened by a store of its own, holds every update the store had
 * acknowledged before that copy started.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { DocName } from '@ferry/protocol'
import { copyDoc } from '../../relay/src/backup/doc-copy.ts'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { MasterKey } from '../../relay/src/storage/keys.ts'

const work = mkdtempSync(join(tmpdir(), 'ferry-doc-copy-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const NAME = 'alice:collection:race' as DocName
const UPDATES = 400
const COMPACT_EVERY = 8

async function entriesOf(files: ReadonlyMap<string, Buffer>, key: Buffer, id: string): Promise<string[]> {
  const root = mkdtempSync(join(work, 'copy-'))
  const dir = join(root, id.slice(0, 2), id)
  for (const [name, bytes] of files) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), bytes)
  }
  const store = await FilesDocStore.open(root, key)
  try {
    const stored = await store.load(NAME)
    const doc = new Y.Doc()
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
    for (const update of stored.updates) Y.applyUpdate(doc, update)
    return doc.getArray<string>('entries').toArray()
  } finally {
    await store.close()
  }
}

it('copies a doc being appended to and compacted without losing an acknowledged update', async () => {
  const key = randomBytes(32)
  const root = join(work, 'live')
  const store = await FilesDocStore.open(root, key)
  const master = new MasterKey(key)
  const id = master.docId(NAME)
  const doc = new Y.Doc()
  let acknowledged = 0
  const writing = (async () => {
    for (let i = 0; i < UPDATES; i++) {
      let update: Uint8Array | null = null
      doc.once('update', (u: Uint8Array) => (update = u))
      doc.getArray<string>('entries').push([`e${i}`])
      const seq = await store.append(NAME, [update!])
      acknowledged = i + 1
      if (acknowledged % COMPACT_EVERY === 0) await store.compact(NAME, Y.encodeStateAsUpdate(doc), seq)
    }
  })()
  const copies: Array<{ before: number; files: ReadonlyMap<string, Buffer> }> = []
  let done = false
  void writing.finally(() => (done = true))
  while (!done) {
    const before = acknowledged
    const copy = await copyDoc(join(root, id.slice(0, 2), id), id, master)
    expect(copy.missing).toEqual([])
    copies.push({ before, files: copy.files })
  }
  await writing
  await store.close()
  expect(copies.length).toBeGreaterThan(5)
  for (const { before, files } of copies) {
    const entries = await entriesOf(files, key, id)
    expect(entries.slice(0, before)).toEqual(Array.from({ length: before }, (_, i) => `e${i}`))
  }
}, 120_000)
