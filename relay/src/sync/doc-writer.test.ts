import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import Fastify from 'fastify'
import { docName, type DocName } from '@ferry/protocol'
import { FilesDocStore } from '../storage/files/files-doc-store.ts'
import { COMPACT_AFTER_BYTES, DocWriter } from './doc-writer.ts'

/** The files store, noting when a compaction finishes. */
class ObservedStore extends FilesDocStore {
  compactionsDone = 0
  override async compact(name: DocName, snapshot: Uint8Array, through: number): Promise<void> {
    await super.compact(name, snapshot, through)
    this.compactionsDone++
  }
}

describe('DocWriter', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('makes settled() wait for the compaction a large commit scheduled, so the store is not released under it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-writer-'))
    dirs.push(dir)
    const masterKey = randomBytes(32)
    const store = new ObservedStore(join(dir, 'docs'), masterKey)
    const name = docName('alice', 'workspace')
    const doc = new Y.Doc()
    const writer = new DocWriter({
      store,
      name,
      groupCommitMs: 0,
      log: Fastify({ logger: false }).log,
      encodeState: () => Y.encodeStateAsUpdate(doc),
      encodeStateVector: () => Y.encodeStateVector(doc),
      loaded: { seq: 0, logUpdates: 0, logBytes: 0 },
    })
    doc.on('update', (update: Uint8Array) => writer.add(update))
    doc.getMap('m').set('big', 'x'.repeat(COMPACT_AFTER_BYTES + 1))

    await writer.flush()
    await writer.settled()
    expect(store.compactionsDone).toBe(1)
    writer.close()
    await store.close()
    const loaded = await new FilesDocStore(join(dir, 'docs'), masterKey).load(name)
    expect(loaded.updates).toHaveLength(0)
  })

  it('stops for good when the store says the doc is gone: no retry, nothing acked, its room told', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-writer-'))
    dirs.push(dir)
    const store = new FilesDocStore(join(dir, 'docs'), randomBytes(32))
    const name = docName('alice', 'collection', 'c1')
    await store.delete(name)
    const append = vi.spyOn(store, 'append')
    const onGone = vi.fn()
    const persisted = vi.fn()
    const writer = new DocWriter({
      store,
      name,
      groupCommitMs: 0,
      log: Fastify({ logger: false }).log,
      encodeState: () => new Uint8Array([0, 0]),
      encodeStateVector: () => new Uint8Array([0]),
      loaded: { seq: 0, logUpdates: 0, logBytes: 0 },
      onGone,
    })
    writer.add(new Uint8Array([1]))
    writer.ackAfter({ persisted })
    await writer.flush()
    expect(onGone).toHaveBeenCalledTimes(1)
    writer.add(new Uint8Array([2]))
    await writer.flush()
    expect(writer.dirty).toBe(false)
    expect(append).toHaveBeenCalledTimes(1)
    expect(persisted).not.toHaveBeenCalled()
    await store.close()
  })
})
