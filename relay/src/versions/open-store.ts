/**
 * Opens the version store beside the document store `config` selects: the files store under
 * `<dataDir>/docs` (inside each doc's directory), or PostgreSQL (`DATABASE_URL`) on a small
 * pool of its own, after the document store created its tables.
 */
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { loadMasterKey } from '../storage/keys.ts'
import { openPool } from '../storage/postgres/database.ts'
import { FilesVersionStore } from '../storage/versions/files-version-store.ts'
import { PgVersionStore } from '../storage/versions/pg-version-store.ts'
import type { VersionStore } from '../storage/versions/version-store.ts'

export interface OpenedVersionStore {
  readonly store: VersionStore
  close(): Promise<void>
}

export async function openVersionStore(config: Config, onIdleError: (error: Error) => void): Promise<OpenedVersionStore> {
  const masterKey = loadMasterKey(config)
  if (config.databaseUrl === null) return { store: new FilesVersionStore(join(config.dataDir, 'docs'), masterKey), close: async () => undefined }
  const pool = openPool(config.databaseUrl, onIdleError)
  try {
    return { store: await PgVersionStore.open(pool, masterKey), close: () => pool.end() }
  } catch (error) {
    await pool.end()
    throw error
  }
}
