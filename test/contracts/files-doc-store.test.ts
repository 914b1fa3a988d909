import { randomBytes } from 'node:crypto'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { docName } from '@ferry/protocol'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { MasterKey } from '../../relay/src/storage/keys.ts'
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
