import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { docStoreContract } from './doc-store.contract.ts'

docStoreContract('files', async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  return {
    open: async () => new FilesDocStore(join(dir, 'docs'), masterKey),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})
