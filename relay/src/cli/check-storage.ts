/**
 * The storage half of `ferry-relay check`: the data dir, the keys, PostgreSQL and Redis, each
 * looked at read-only. Every problem says what to do about it.
 */
import { constants, existsSync } from 'node:fs'
import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Redis } from 'ioredis'
import type { Config } from '../config.ts'
import { ConfigError } from '../config.ts'
import { readKeyFile } from '../key-file.ts'
import { DATA_DIR_FORMAT, DataDirFormatError, readDataDirFormat } from '../storage/data-dir-format.ts'
import { masterKeyMatches } from '../storage/files/master-key-check.ts'
import { loadMasterKey, MasterKey } from '../storage/keys.ts'
import { openPool } from '../storage/postgres/database.ts'
import { ACCOUNT_MIGRATIONS } from '../storage/postgres/pg-account-migrations.ts'
import { DOC_MIGRATIONS } from '../storage/postgres/pg-doc-migrations.ts'

export interface Findings {
  ok(text: string): void
  note(text: string): void
  problem(text: string): void
}

const TIMEOUT_MS = 5_000
const WRONG_KEY = 'sealed with a different master key than the one configured: start with the key they were written with (FERRY_MASTER_KEY, or the original keys/master.key from your backup).'

const writable = (path: string): Promise<boolean> => access(path, constants.R_OK | constants.W_OK).then(() => true, () => false)

export async function checkDataDir(config: Config, findings: Findings): Promise<void> {
  const dir = config.dataDir
  if (!existsSync(dir)) {
    let parent = dirname(dir)
    while (!existsSync(parent)) parent = dirname(parent)
    if (await writable(parent)) findings.note(`Data dir ${dir} does not exist yet; it is created at first start.`)
    else findings.problem(`Data dir ${dir} does not exist and cannot be created: ${parent} is not writable by this user.`)
    return
  }
  if (!(await writable(dir))) {
    findings.problem(`Data dir ${dir} is not readable and writable by this user: fix its owner or mode (the relay creates it 0700).`)
    return
  }
  if (existsSync(join(dir, 'relay.lock'))) findings.note(`Data dir ${dir} has a relay.lock: a relay is using it, or one stopped without cleaning up (the next start takes a stale lock over).`)
  try {
    const format = await readDataDirFormat(dir)
    if (format === null) findings.ok(`Data dir ${dir} is writable and holds no data yet.`)
    else if (format > DATA_DIR_FORMAT) findings.problem(`Data dir ${dir} was written by a newer relay (format ${format}; this one reads up to ${DATA_DIR_FORMAT}): run the newer relay.`)
    else if (format < DATA_DIR_FORMAT) findings.note(`Data dir ${dir} is at format ${format}; \`ferry-relay migrate\` (or the next start) upgrades it to ${DATA_DIR_FORMAT}.`)
    else findings.ok(`Data dir ${dir} is writable, at format ${format}.`)
  } catch (error) {
    if (!(error instanceof DataDirFormatError)) throw error
    findings.problem(error.message)
  }
}

/** Checks the master key and the access-token secret; answers the master key when there is one to compare with stored data. */
export function checkKeys(config: Config, findings: Findings): MasterKey | null {
  let master: MasterKey | null = null
  if (config.masterKey !== null) {
    try {
      master = new MasterKey(loadMasterKey(config))
      findings.ok('FERRY_MASTER_KEY is a 32-byte key.')
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      findings.problem(`${error.message}.`)
    }
  } else {
    const path = join(config.dataDir, 'keys', 'master.key')
    const key = readKeyFile(path)
    if (key === null) {
      if (existsSync(join(config.dataDir, 'docs'))) findings.problem(`The data dir holds documents but ${path} is missing: restore it from your backup (a new key cannot read them).`)
      else findings.note(`No master key yet: ${path} is generated at first start. Back it up; without it no document can be read.`)
    } else if (key.length !== 32) {
      findings.problem(`${path} does not hold a 32-byte base64 key (it decodes to ${key.length} bytes): restore it from your backup.`)
    } else {
      master = new MasterKey(key)
      findings.ok(`Master key ${path} is a 32-byte key.`)
    }
  }
  if (config.jwtSecret !== null) findings.ok('FERRY_JWT_SECRET is set.')
  else {
    const path = join(config.dataDir, 'keys', 'jwt.key')
    const key = readKeyFile(path)
    if (key === null) findings.note(`No access-token key yet: ${path} is generated at first start.`)
    else if (key.length < 32) findings.problem(`${path} holds ${key.length} bytes; it needs 32. Delete it to have a new one generated (everyone signs in again within 15 minutes).`)
    else findings.ok(`Access-token key ${path} is set.`)
  }
  return master
}

/** The embedded store's half of the master-key check (the files store's verifier). */
export async function checkMasterKeyOnDisk(config: Config, master: MasterKey, findings: Findings): Promise<void> {
  const match = await masterKeyMatches(join(config.dataDir, 'docs'), master)
  if (match === 'no') findings.problem(`The documents in ${config.dataDir} are ${WRONG_KEY}`)
  else if (match === 'yes') findings.ok('The master key opens the stored documents.')
}

export async function checkPostgres(url: string, master: MasterKey | null, findings: Findings): Promise<void> {
  const pool = openPool(url, () => undefined)
  try {
    await pool.query(`SET statement_timeout = ${TIMEOUT_MS}`)
    const known: Record<string, number> = { accounts: ACCOUNT_MIGRATIONS.length, docs: DOC_MIGRATIONS.length }
    const { rows } = await pool.query<{ component: string; version: number }>(
      `SELECT component, max(version) AS version FROM ferry_migrations GROUP BY component`,
    ).catch((error: { code?: string }) => {
      if (error.code === '42P01') return { rows: [] }
      throw error
    })
    if (rows.length === 0) findings.note('PostgreSQL answers and holds no Ferry tables yet; the first start creates them.')
    for (const row of rows) {
      const mine = known[row.component]
      if (mine === undefined) findings.note(`PostgreSQL has migrations of a component this relay does not know ("${row.component}").`)
      else if (row.version > mine) findings.problem(`PostgreSQL's ${row.component} schema is at version ${row.version}, newer than this relay's ${mine}: run the newer relay.`)
      else if (row.version < mine) findings.note(`PostgreSQL's ${row.component} schema is at version ${row.version}; \`ferry-relay migrate\` (or the next start) brings it to ${mine}.`)
      else findings.ok(`PostgreSQL's ${row.component} schema is at version ${row.version}, this relay's.`)
    }
    if (master && rows.some((row) => row.component === 'docs')) {
      const stored = (await pool.query<{ verifier: Buffer }>('SELECT verifier FROM ferry_master_key')).rows[0]?.verifier
      if (stored && !stored.equals(master.verifier())) findings.problem(`The documents in PostgreSQL are ${WRONG_KEY}`)
      else if (stored) findings.ok('The master key is the one PostgreSQL\'s documents are sealed with.')
    }
  } catch (error) {
    findings.problem(`PostgreSQL (DATABASE_URL) does not answer: ${(error as Error).message}.`)
  } finally {
    await pool.end()
  }
}

export async function checkRedis(url: string, findings: Findings): Promise<void> {
  let lastError = ''
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', (error: Error) => (lastError = error.message))
  try {
    await redis.connect()
    await redis.ping()
    findings.ok('Redis (REDIS_URL) answers.')
  } catch (error) {
    findings.problem(`Redis (REDIS_URL) does not answer: ${lastError || (error as Error).message}.`)
  } finally {
    redis.disconnect()
  }
}
