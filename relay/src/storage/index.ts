/**
 * The one place that chooses storage backends from config. The embedded default keeps
 * everything under the data dir; `DATABASE_URL` will select PostgreSQL once that backend exists.
 */
import { join } from 'node:path'
import type { Config } from '../config.ts'
import type { AccountStore } from './account-store.ts'
import { LowdbAccountStore } from './lowdb/lowdb-account-store.ts'
import type { DocStore } from './doc-store.ts'
import { FilesDocStore } from './files/files-doc-store.ts'
import { loadMasterKey } from './keys.ts'

export interface Stores {
  readonly accounts: AccountStore
  /** Document bytes (encrypted log + snapshot files under `<dataDir>/docs` by default). */
  readonly docs: DocStore
  /** Per-store readiness for `/healthz`: `'ok'` or the reason it is not ready. */
  check(): Promise<Record<string, string>>
  /** Closes every store (after the server stopped taking requests). */
  close(): Promise<void>
}

async function readiness(name: string, ping: () => Promise<void>): Promise<[string, string]> {
  try {
    await ping()
    return [name, 'ok']
  } catch (error) {
    return [name, error instanceof Error ? error.message : String(error)]
  }
}

/** Opens the stores `config` selects. */
export async function createStores(config: Config): Promise<Stores> {
  if (config.databaseUrl !== null) {
    throw new Error('DATABASE_URL is set, but the PostgreSQL account store is not available in this build')
  }
  const accounts = await LowdbAccountStore.open({ dir: config.dataDir })
  const docs = new FilesDocStore(join(config.dataDir, 'docs'), loadMasterKey(config))
  return {
    accounts,
    docs,
    async check() {
      return Object.fromEntries(
        await Promise.all([readiness('accounts', () => accounts.ping()), readiness('docs', () => docs.ping())]),
      )
    },
    async close() {
      await docs.close()
      await accounts.close()
    },
  }
}
