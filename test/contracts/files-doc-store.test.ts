import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { MasterKey } from '../../relay/src/storage/keys.ts'
import { accountId, DOC_OVERHEAD_BYTES } from '../../relay/src/storage/usage.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { docStoreContract } from './doc-store.contract.ts'

docStoreContract('files', async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  return {
    open: async (options) => new FilesDocStore(join(dir, 'docs'), masterKey, options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

it("deletes a doc's key, log and snapshot files, keeping only the tombstone", async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  const store = new FilesDocStore(join(dir, 'docs'), masterKey)
  const doomed = docName('alice', 'collection', 'c1')
  const kept = docName('alice', 'collection', 'c2')
  const docDir = (name: typeof doomed) => {
    const id = new MasterKey(masterKey).docId(name)
    return join(dir, 'docs', id.slice(0, 2), id)
  }
  try {
    await store.append(doomed, [new Uint8Array([1])])
    await store.compact(doomed, new Uint8Array([7]), 1)
    await store.append(doomed, [new Uint8Array([2])])
    await store.append(kept, [new Uint8Array([3])])
    expect(readdirSync(docDir(doomed)).sort()).toEqual(['key', 'log-00000001', 'log-00000002', 'snapshot'])
    await store.delete(doomed)
    expect(readdirSync(docDir(doomed))).toEqual(['deleted'])
    expect(readdirSync(docDir(kept)).sort()).toEqual(['key', 'log-00000001'])
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

it('drops the segments a snapshot covers when a doc is released, the last one appended to too; numbering goes on', async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  const store = new FilesDocStore(join(dir, 'docs'), masterKey)
  const name = docName('alice', 'collection', 'idle')
  const id = new MasterKey(masterKey).docId(name)
  const docDir = join(dir, 'docs', id.slice(0, 2), id)
  try {
    await store.append(name, [new Uint8Array([1])])
    const seq = await store.append(name, [new Uint8Array([2])])
    await store.compact(name, new Uint8Array([9]), seq)
    // Compaction keeps the segment appends go to: one may be in flight.
    expect(readdirSync(docDir).sort()).toEqual(['key', 'log-00000001', 'snapshot'])
    await store.release(name)
    expect(readdirSync(docDir).sort()).toEqual(['key', 'snapshot'])
    const loaded = await store.load(name)
    expect([[...loaded.snapshot!], loaded.updates, loaded.seq]).toEqual([[9], [], seq])
    expect(await store.append(name, [new Uint8Array([3])])).toBe(seq + 1)
    expect((await store.load(name)).updates.map((u) => [...u])).toEqual([[3]])
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

it("counts the overhead of the docs listed by a usage file written before it was counted", async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  const alice = 'alice' as UserId
  const usageFile = join(dir, 'docs', 'usage', accountId(new MasterKey(masterKey), alice))
  let store = new FilesDocStore(join(dir, 'docs'), masterKey)
  try {
    await store.append(docName('alice', 'collection', 'c1'), [new Uint8Array(100)])
    await store.append(docName('alice', 'collection', 'c2'), [new Uint8Array(200)])
    await store.close()
    // What the previous version wrote: bytes per doc, no tombstone count.
    const { docs } = JSON.parse(readFileSync(usageFile, 'utf8')) as { docs: Record<string, number> }
    writeFileSync(usageFile, JSON.stringify({ docs }))
    const bytes = Object.values(docs).reduce((sum, n) => sum + n, 0)
    store = new FilesDocStore(join(dir, 'docs'), masterKey)
    expect((await store.usage(alice)).used).toBe(bytes + 2 * DOC_OVERHEAD_BYTES)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
