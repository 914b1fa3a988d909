/**
 * `ferry-relay backup <file>` and `ferry-relay restore <file> [--force]`: the operator's
 * backup of the embedded data dir (see `backup/`). On PostgreSQL the database is backed up
 * with PostgreSQL's own tools; both commands say so and what to dump.
 */
import { resolve } from 'node:path'
import { backupDataDir } from '../backup/backup.ts'
import { BackupError } from '../backup/format.ts'
import { restoreDataDir } from '../backup/restore.ts'
import type { Config } from '../config.ts'
import { DocStoreError } from '../storage/doc-store.ts'
import { CommandError } from './command-error.ts'
import { plural } from './plural.ts'

const POSTGRES =
  'this relay keeps its data in PostgreSQL (DATABASE_URL): back it up with pg_dump of the ferry_* tables ' +
  "(pg_dump --table='ferry_*' …; restore with pg_restore or psql), as README.md's \"Backups\" section says"

/** Runs a backup step, turning its explained failures into a sentence for the operator. */
async function explained<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error instanceof BackupError) throw new CommandError(error.message)
    if (error instanceof DocStoreError && error.code === 'corrupt') {
      throw new CommandError(`${error.message}: the configured master key is not the one this data dir's documents are sealed with`)
    }
    throw error
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

export async function backupCommand(config: Config, file: string, withKeys: boolean): Promise<number> {
  if (config.databaseUrl !== null) throw new CommandError(POSTGRES)
  const started = performance.now()
  const target = resolve(file)
  const report = await explained(() => backupDataDir(config, target, withKeys))
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`Backup of ${config.dataDir} written to ${target}: ${plural(report.docs, 'document')}, ${plural(report.files, 'file')}, ${mib(report.bytes)}, in ${seconds} s.`)
  for (const doc of report.damaged) console.warn(`Warning: doc ${doc} already lacks records in the data dir (damage /healthz reports); it is backed up as it is.`)
  console.log(
    report.holdsMasterKey
      ? 'It holds the relay\'s keys (keys/), so it opens every document: keep it as secret as the data dir.'
      : `It does not hold the master key (${config.masterKey === null ? `${config.dataDir}/keys/master.key` : 'FERRY_MASTER_KEY'}): keep that key apart and safe, the documents cannot be read without it.`,
  )
  return 0
}

export async function restoreCommand(config: Config, file: string, force: boolean): Promise<number> {
  if (config.databaseUrl !== null) throw new CommandError(POSTGRES)
  const report = await explained(() => restoreDataDir(config, resolve(file), force))
  console.log(`Restored ${plural(report.files, 'file')} from the backup of ${report.createdAt} into ${config.dataDir}.`)
  if (!report.holdsMasterKey && config.masterKey === null) {
    console.warn(`The backup does not hold a master key: put the original keys/master.key into ${config.dataDir}/keys/ (mode 0600), or set FERRY_MASTER_KEY, before starting the relay.`)
  }
  return 0
}
