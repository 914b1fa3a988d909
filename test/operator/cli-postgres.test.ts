/**
 * `ferry-relay` on PostgreSQL: `check` on an empty database, `migrate` creating the schema and
 * then finding nothing to do, `check` then reporting the schema current and a wrong master key,
 * and `backup` pointing at pg_dump instead of copying anything.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { runRelayCli } from '../helpers/relay-cli.ts'
import { tempDataDir } from '../helpers/relay.ts'

/** Each command is a Node process with tsx: seconds each on a busy machine. */
const SLOW = 240_000

describe.skipIf(skipPostgres)('ferry-relay on PostgreSQL', () => {
  let schema: TestSchema
  let env: Record<string, string>
  beforeAll(async () => {
    schema = await createTestSchema()
    env = {
      DATABASE_URL: schema.url,
      FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
      FERRY_JWT_SECRET: randomBytes(32).toString('base64'),
      FERRY_DATA_DIR: tempDataDir(),
    }
  })
  afterAll(async () => {
    await schema.drop()
    rmSync(env.FERRY_DATA_DIR!, { recursive: true, force: true })
  })

  it('checks, migrates once, and refuses another master key', async () => {
    const fresh = await runRelayCli(['check'], env)
    expect(fresh.stdout).toContain('note     PostgreSQL answers and holds no Ferry tables yet; the first start creates them.')
    expect(fresh.code).toBe(0)

    const first = await runRelayCli(['migrate'], env)
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^PostgreSQL schema is current \(migration versions: accounts \d+, docs \d+/)
    expect(first.code).toBe(0)
    const second = await runRelayCli(['migrate'], env)
    expect(second.stdout).toBe(first.stdout)

    const current = await runRelayCli(['check'], env)
    expect(current.stdout).toMatch(/ok {7}PostgreSQL's docs schema is at version \d+, this relay's\./)
    expect(current.stdout).toContain("ok       The master key is the one PostgreSQL's documents are sealed with.")
    expect(current.code).toBe(0)
    const wrongKey = await runRelayCli(['check'], { ...env, FERRY_MASTER_KEY: randomBytes(32).toString('base64') })
    expect(wrongKey.stdout).toMatch(/PROBLEM {2}The documents in PostgreSQL are sealed with a different master key/)
    expect(wrongKey.code).toBe(1)
  }, SLOW)

  it('sends backups to pg_dump', async () => {
    const run = await runRelayCli(['backup', '/tmp/never-written.tar.gz'], env)
    expect(run.stderr).toMatch(/ferry-relay backup failed: this relay keeps its data in PostgreSQL \(DATABASE_URL\): back it up with pg_dump of the ferry_\* tables/)
    expect(run.code).toBe(1)
  }, SLOW)
})
