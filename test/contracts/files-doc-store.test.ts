import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
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
  const master = new MasterKey(masterKey)
  const alice = 'alice' as UserId
  const usageDir = join(dir, 'docs', 'usage')
  const names = [docName('alice', 'collection', 'c1'), docName('alice', 'collection', 'c2')]
  let store = new FilesDocStore(join(dir, 'docs'), masterKey)
  try {
    for (const [i, name] of names.entries()) await store.append(name, [new Uint8Array(100 * (i + 1))])
    await store.close()
    // What the previous version wrote: one file, bytes per doc, no tombstone count, no journal.
    const docs: Record<string, number> = {}
    for (const name of names) {
      const id = master.docId(name)
      docs[id] = statSync(join(dir, 'docs', id.slice(0, 2), id, 'log-00000001')).size
    }
    for (const file of readdirSync(usageDir)) rmSync(join(usageDir, file))
    writeFileSync(join(usageDir, accountId(master, alice)), JSON.stringify({ docs }))
    store = new FilesDocStore(join(dir, 'docs'), masterKey)
    const bytes = Object.values(docs).reduce((sum, n) => sum + n, 0)
    expect((await store.usage(alice)).used).toBe(bytes + 2 * DOC_OVERHEAD_BYTES)
    // Opening a doc measures it: the figure stays.
    await store.load(names[0]!)
    expect((await store.usage(alice)).used).toBe(bytes + 2 * DOC_OVERHEAD_BYTES)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

it("stores a doc's creation as a line in the account's usage journal, not a rewrite of every doc's entry; a torn line is skipped", { timeout: 60_000 }, async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  const alice = 'alice' as UserId
  const whole = join(dir, 'docs', 'usage', accountId(new MasterKey(masterKey), alice))
  const journal = () => readdirSync(join(dir, 'docs', 'usage')).filter((file) => file.endsWith('.log')).map((file) => join(dir, 'docs', 'usage', file))
  const store = new FilesDocStore(join(dir, 'docs'), masterKey)
  const stores = [store]
  try {
    // Enough docs for the journal to outgrow its minimum once: the whole file then exists.
    for (let i = 0; i < 1200; i++) await store.append(docName('alice', 'collection', `c${i}`), [new Uint8Array(1)])
    const listing = statSync(whole)
    const [log] = journal()
    const logBytes = statSync(log!).size
    await store.append(docName('alice', 'collection', 'one-more'), [new Uint8Array(1)])
    expect(statSync(whole).ino).toBe(listing.ino)
    expect(statSync(whole).size).toBe(listing.size)
    expect(statSync(log!).size - logBytes).toBeLessThan(200)
    const used = (await store.usage(alice)).used
    expect(used).toBeGreaterThan(1201 * DOC_OVERHEAD_BYTES)
    // Another process reading it (this one never closed): the same figure once the doc written
    // since its entry was stored is opened (it is measured then), also past a torn last line.
    const reader = new FilesDocStore(join(dir, 'docs'), masterKey)
    stores.push(reader)
    await reader.load(docName('alice', 'collection', 'one-more'))
    expect((await reader.usage(alice)).used).toBe(used)
    writeFileSync(log!, '{"docs":{"ab', { flag: 'a' })
    const afterTear = new FilesDocStore(join(dir, 'docs'), masterKey)
    stores.push(afterTear)
    expect((await afterTear.usage(alice)).used).toBe(used)
    // Its next change rewrites the whole file rather than appending after the torn line.
    const c0 = new MasterKey(masterKey).docId(docName('alice', 'collection', 'c0'))
    const c0Bytes = statSync(join(dir, 'docs', c0.slice(0, 2), c0, 'log-00000001')).size
    await afterTear.delete(docName('alice', 'collection', 'c0'))
    expect(statSync(whole).ino).not.toBe(listing.ino)
    const last = new FilesDocStore(join(dir, 'docs'), masterKey)
    stores.push(last)
    expect((await last.usage(alice)).used).toBe(used - c0Bytes)
  } finally {
    for (const open of stores) await open.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

it('does not count docs deleted after its usage file was last written (a crash before the rewrite)', async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  const root = join(dir, 'docs')
  const owner = 'alice' as UserId
  const usageDir = join(root, 'usage')
  const names = ['c1', 'c2', 'c3', 'c4'].map((id) => docName(owner, 'collection', id))
  try {
    let store = new FilesDocStore(root, masterKey)
    for (const [i, name] of names.entries()) await store.append(name, [new Uint8Array(100 * (i + 1))])
    await store.close()
    const before = new Map(readdirSync(usageDir).map((file) => [file, readFileSync(join(usageDir, file))]))

    store = new FilesDocStore(root, masterKey)
    await store.delete(names[1]!)
    await store.delete(names[3]!)
    await store.close()
    store = new FilesDocStore(root, masterKey)
    const afterDeletes = (await store.usage(owner)).used
    await store.close()

    // The usage files as they were before the deletes: the deleted docs' tombstones say otherwise.
    rmSync(usageDir, { recursive: true })
    mkdirSync(usageDir)
    for (const [file, bytes] of before) writeFileSync(join(usageDir, file), bytes)
    store = new FilesDocStore(root, masterKey)
    expect((await store.usage(owner)).used).toBe(afterDeletes)
    await store.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
