/**
 * PostgreSQL for the scaled-out suites: `TEST_DATABASE_URL` or the local `test` database.
 * Each suite gets a schema of its own (through the URL's `search_path`), dropped afterwards,
 * so suites running in parallel never see each other's rows.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { skipUnless } from './services.ts'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Null when PostgreSQL answers; otherwise why not, for the skip message. */
export async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return null
  } catch (error) {
    return `PostgreSQL at ${TEST_DATABASE_URL} is not reachable (${error instanceof Error ? error.message : String(error)}); set TEST_DATABASE_URL`
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** True when the PostgreSQL suites must skip (never under CI: there a missing server throws). */
export const skipPostgres = skipUnless('PostgreSQL', await postgresUnavailable())

export interface TestSchema {
  /** A `DATABASE_URL` whose connections see only this schema. */
  readonly url: string
  drop(): Promise<void>
}

export async function createTestSchema(): Promise<TestSchema> {
  const schema = `ferry_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const url = new URL(TEST_DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await client.end()
    },
  }
}

/** Where a test relay keeps its data: its own data dir (files), or a fresh schema of the test database. */
export interface RelayBackend {
  readonly name: 'files' | 'postgres'
  readonly skip: boolean
  /** Environment for a relay on this backend, the database URL (PostgreSQL), and what to remove afterwards. */
  env(): Promise<{ env: Record<string, string>; url: string | null; cleanup(): Promise<void> }>
}

/** Both storage backends, for suites that must hold on each. */
export const RELAY_BACKENDS: readonly RelayBackend[] = [
  { name: 'files', skip: false, env: async () => ({ env: {}, url: null, cleanup: async () => undefined }) },
  {
    name: 'postgres',
    skip: skipPostgres,
    async env() {
      const schema = await createTestSchema()
      return {
        env: { DATABASE_URL: schema.url, FERRY_MASTER_KEY: randomBytes(32).toString('base64'), FERRY_JWT_SECRET: randomBytes(32).toString('base64') },
        url: schema.url,
        cleanup: () => schema.drop(),
      }
    },
  },
]
