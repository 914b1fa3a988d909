import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { FilesVersionStore } from '../../relay/src/storage/versions/files-version-store.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { versionStoreContract } from './version-store.contract.ts'

/** Every file under `dir`, concatenated. */
function allBytes(dir: string): Buffer {
  const parts: Buffer[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    parts.push(statSync(path).isDirectory() ? allBytes(path) : readFileSync(path))
  }
  return Buffer.concat(parts)
}

versionStoreContract('files', async () => {
  const dir = tempDataDir()
  const masterKey = randomBytes(32)
  return {
    open: async () => ({ docs: new FilesDocStore(join(dir, 'docs'), masterKey), versions: new FilesVersionStore(join(dir, 'docs'), masterKey) }),
    rawBytes: async () => allBytes(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})
