/**
 * The one place that chooses storage backends from config. The embedded default keeps
 * everything under the data dir; `DATABASE_URL` puts accounts and documents in PostgreSQL,
 * where several relays can share them.
 */
import { join } from 'node:path'
import type { Config } from '../config.ts'
import { portsOf, type AccountPorts, type AccountStore } from './account-store.ts'
import type { UserStore } from './accounts/users.ts'
import { LowdbAccountStore } from './lowdb/lowdb-account-store.ts'
import type { DamageListener, DocDamage, DocStore, QuotaLimit } from './doc-store.ts'
import { migrateDataDir } from './data-dir-format.ts'
import { FilesDocStore } from './files/files-doc-store.ts'
import { loadMasterKey } from './keys.ts'
import { openPool } from './postgres/database.ts'
import { PgAccountStore } from './postgres/pg-account-store.ts'
import { PgDocStore } from './postgres/pg-doc-store.ts'

/** Account data through its ports (`users`, `sessions`, `avatars`, `vault`, `links`), and documents. */
export interface Stores extends AccountPorts {
  /** Document bytes (encrypted log + snapshot files under `<dataDir>/docs` by default). */
  readonly docs: DocStore
  /** Per-store readiness for `/healthz`: `'ok'` or the reason it is not ready. */
  check(): Promise<Record<string, string>>
  /**
   * Stored document bytes that could not be read and are kept for an operator (`/healthz`
   * `damaged`). They do not make the relay unready: every other byte is served.
   */
  damaged(): Promise<readonly DocDamage[]>
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

/** What a backend pair needs closed, after both stores are. */
interface Opened {
  accounts: AccountStore
  docs: DocStore
  release?: () => Promise<void>
}

/**
 * An account's storage quota: `ACCOUNT_QUOTA_BYTES` once its email is confirmed, else
 * `UNCONFIRMED_ACCOUNT_QUOTA_BYTES` (never more than the other; also for a user the account
 * store does not know). 0 means no quota.
 */
export function quotaLimit(config: Config, users: UserStore): QuotaLimit {
  const { accountQuotaBytes: confirmed, unconfirmedAccountQuotaBytes: unconfirmed } = config.limits
  const smaller = confirmed === 0 ? unconfirmed : unconfirmed === 0 ? confirmed : Math.min(confirmed, unconfirmed)
  return async (owner) => {
    if (confirmed === 0 && unconfirmed === 0) return null
    const user = await users.getUser(owner)
    const limit = user?.emailConfirmed ? confirmed : smaller
    return limit === 0 ? null : limit
  }
}

async function openEmbedded(config: Config, onDamage: DamageListener): Promise<Opened> {
  // Under the data dir's lock, which the caller holds (`buildApp`, `ferry-relay migrate`).
  await migrateDataDir(config.dataDir)
  const accounts = await LowdbAccountStore.open({ dir: config.dataDir })
  const quota = quotaLimit(config, accounts)
  return { accounts, docs: await FilesDocStore.open(join(config.dataDir, 'docs'), loadMasterKey(config), { onDamage, quota }) }
}

async function openPostgres(url: string, config: Config, onBackgroundError: (error: Error) => void, onDamage: DamageListener): Promise<Opened> {
  const pool = openPool(url, onBackgroundError)
  try {
    const accounts = await PgAccountStore.open(pool)
    const docs = await PgDocStore.open(pool, loadMasterKey(config), { onDamage, quota: quotaLimit(config, accounts) })
    return { accounts, docs, release: () => pool.end() }
  } catch (error) {
    await pool.end()
    throw error
  }
}

/**
 * Opens the stores `config` selects: PostgreSQL for both when `DATABASE_URL` is set, else the
 * embedded ones. `onBackgroundError` hears errors no request is waiting for (a pooled
 * connection dropped while idle), which must not crash the relay. `onDamage` hears each
 * damaged record or snapshot the document store finds (it is skipped and kept, not deleted).
 */
export async function createStores(
  config: Config,
  onBackgroundError: (error: Error) => void,
  onDamage: DamageListener = () => undefined,
): Promise<Stores> {
  const { accounts, docs, release } =
    config.databaseUrl === null
      ? await openEmbedded(config, onDamage)
      : await openPostgres(config.databaseUrl, config, onBackgroundError, onDamage)
  return {
    ...portsOf(accounts),
    docs,
    async check() {
      return Object.fromEntries(
        await Promise.all([readiness('accounts', () => accounts.ping()), readiness('docs', () => docs.ping())]),
      )
    },
    async damaged() {
      return (await docs.damaged?.()) ?? []
    },
    async close() {
      await docs.close()
      await accounts.close()
      await release?.()
    },
  }
}
