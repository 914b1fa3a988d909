/**
 * `ferry-relay migrate`: brings the storage up to this relay's version and exits. The
 * embedded data dir migrates under its lock (a running relay on it makes this refuse);
 * PostgreSQL under its advisory lock (relays may keep running on a database that only gains
 * tables and columns). `serve` runs the same migrations at start, so this is for upgrading
 * ahead of a restart, or for checking what an upgrade will do.
 */
import type { Config } from '../config.ts'
import { lockDataDir } from '../data-dir.ts'
import { migrateDataDir } from '../storage/data-dir-format.ts'
import { createStores } from '../storage/index.ts'
import { openPool } from '../storage/postgres/database.ts'

async function postgresVersions(url: string): Promise<string> {
  const pool = openPool(url, () => undefined)
  try {
    const { rows } = await pool.query<{ component: string; version: number }>(
      'SELECT component, max(version) AS version FROM ferry_migrations GROUP BY component ORDER BY component',
    )
    return rows.map((row) => `${row.component} ${row.version}`).join(', ')
  } finally {
    await pool.end()
  }
}

export async function migrate(config: Config): Promise<number> {
  if (config.databaseUrl === null) {
    const release = lockDataDir(config.dataDir)
    try {
      const report = await migrateDataDir(config.dataDir)
      // Opening the stores checks what they check at start (accounts.json's version, the master key).
      await (await createStores(config, () => undefined)).close()
      if (report.from === null) console.log(`Data dir ${config.dataDir} had no data; it is set up at format ${report.to}.`)
      else if (report.ran.length === 0) console.log(`Data dir ${config.dataDir} is at format ${report.to}, this relay's: nothing to do.`)
      else console.log(`Data dir ${config.dataDir} upgraded from format ${report.from} to ${report.to}:\n${report.ran.map((step) => `  - ${step}`).join('\n')}`)
    } finally {
      release()
    }
    return 0
  }
  const errors: Error[] = []
  const stores = await createStores(config, (error) => errors.push(error))
  await stores.close()
  if (errors.length > 0) throw errors[0]!
  console.log(`PostgreSQL schema is current (migration versions: ${await postgresVersions(config.databaseUrl)}).`)
  return 0
}
