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
