/**
 * The embedded data dir's format version, recorded in `<dataDir>/format.json`, and the
 * migrations that bring an older data dir up to the version this relay writes. They run once,
 * by `ferry-relay migrate` or at the start of `serve`, always while the caller holds the data
 * dir's lock (`lockDataDir`), so no relay writes while a migration runs. The version is
 * rewritten (atomically) after each migration: a crash in the middle resumes at the migration
 * that did not finish, so each must be safe to run again over its own partial work.
 *
 * PostgreSQL keeps its own record (`ferry_migrations`, see `postgres/database.ts`).
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readFileIfThere } from './files/fs-util.ts'
import { writeFileAtomic } from './lowdb/atomic-file.ts'

/** The format this relay reads and writes. Version 1: the layout of the first release. */
export const DATA_DIR_FORMAT = 1
const FORMAT_FILE = 'format.json'
/** Present while `ferry-relay restore` writes into the data dir: a relay must not start on half a restore. */
export const RESTORE_MARKER = 'restore-incomplete'

export interface DataDirMigration {
  /** The version the data dir has once this migration ran. */
  readonly to: number
  /** What it changes, for the log ("documents: version byte in every frame"). */
  readonly describe: string
  run(dataDir: string): Promise<void>
}

/** Migrations to versions past 1, in order. None yet: version 1 is the first format. */
export const DATA_DIR_MIGRATIONS: readonly DataDirMigration[] = []

export class DataDirFormatError extends Error {
  override name = 'DataDirFormatError'
}

/**
 * The data dir's recorded format: `null` when it holds no data yet. A data dir with data but
 * no `format.json` was written before the file existed, by the first release: version 1.
 */
export async function readDataDirFormat(dataDir: string): Promise<number | null> {
  if (await readFileIfThere(join(dataDir, RESTORE_MARKER))) {
    throw new DataDirFormatError(`A restore into the data dir ${dataDir} did not finish: run \`ferry-relay restore <file> --force\` again before starting a relay on it.`)
  }
  const bytes = await readFileIfThere(join(dataDir, FORMAT_FILE))
  if (bytes === null) {
    const entries = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[]
      throw error
    })
    return entries.includes('accounts.json') || entries.includes('docs') ? 1 : null
  }
  let version: unknown
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { format?: unknown }).format
  } catch (error) {
    throw new DataDirFormatError(`${join(dataDir, FORMAT_FILE)} is not valid JSON (${(error as Error).message}); restore it from a backup.`)
  }
  if (!Number.isInteger(version) || (version as number) < 1) {
    throw new DataDirFormatError(`${join(dataDir, FORMAT_FILE)} does not hold a format version (a positive integer under "format").`)
  }
  return version as number
}

async function recordFormat(dataDir: string, version: number): Promise<void> {
  await writeFileAtomic(join(dataDir, FORMAT_FILE), JSON.stringify({ format: version }) + '\n')
}

export interface MigrationReport {
  /** The version found (null: a data dir without data) and the one it has now. */
  readonly from: number | null
  readonly to: number
  /** The migrations that ran, in order. */
  readonly ran: readonly string[]
}

/**
 * Brings the data dir to `current`, running each migration it lacks once, in order. Refuses a
 * data dir a newer relay wrote. The caller must hold the data dir's lock.
 */
export async function migrateDataDir(
  dataDir: string,
  migrations: readonly DataDirMigration[] = DATA_DIR_MIGRATIONS,
  current: number = DATA_DIR_FORMAT,
): Promise<MigrationReport> {
  const from = await readDataDirFormat(dataDir)
  if (from !== null && from > current) {
    throw new DataDirFormatError(
      `The data dir ${dataDir} was written by a newer Ferry relay (format ${from}); this relay reads format ${current} and older. ` +
        'Run the newer relay, or restore a backup taken before the upgrade into an empty data dir.',
    )
  }
  const ran: string[] = []
  if (from === null) {
    await recordFormat(dataDir, current)
    return { from, to: current, ran }
  }
  for (const migration of migrations) {
    if (migration.to <= from || migration.to > current) continue
    await migration.run(dataDir)
    await recordFormat(dataDir, migration.to)
    ran.push(migration.describe)
  }
  if ((await readDataDirFormat(dataDir)) !== current) await recordFormat(dataDir, current)
  return { from, to: current, ran }
}
