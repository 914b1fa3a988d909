/**
 * Upgrades: a data dir written by the first release (the committed fixture `data-dir-v1/`,
 * see fixtures/make-data-dir-v1.ts) opens in this relay — `ferry-relay migrate` accepts it,
 * and a relay started on it signs its account in with the password it was made with and
 * serves both docs (one from a snapshot plus log records, one from its log) with every entry.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runRelayCli } from '../helpers/relay-cli.ts'
import { startRelay } from '../helpers/relay.ts'
import { readStoredDoc } from '../helpers/sync-clients.ts'
import { FIXTURE_DOCS, FIXTURE_EMAIL, FIXTURE_PASSWORD, fixtureEntries } from './fixtures/data-dir-v1.ts'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'data-dir-v1')
/** A CLI process and a relay start: seconds each on a busy machine. */
const SLOW = 120_000

describe('a data dir written by the first release', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'ferry-upgrade-')), 'data')
  cpSync(FIXTURE, dataDir, { recursive: true })
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }))

  it('is accepted by ferry-relay migrate', async () => {
    const run = await runRelayCli(['migrate'], { FERRY_DATA_DIR: dataDir })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/is at format 1, this relay's|upgraded from format 1/)
  }, SLOW)

  it('opens with its account and every entry of its docs', async () => {
    const relay = await startRelay({}, dataDir)
    try {
      const response = await fetch(`${relay.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: FIXTURE_EMAIL, password: FIXTURE_PASSWORD }),
      })
      expect(response.status).toBe(200)
      const session = (await response.json()) as { accessToken: string; user: { id: string; email: string; name: string } }
      expect(session.user).toMatchObject({ email: FIXTURE_EMAIL, name: 'Fixture' })
      for (const [suffix, count] of Object.entries(FIXTURE_DOCS)) {
        const doc = await readStoredDoc(relay.wsUrl, `${session.user.id}:collection:${suffix}`, session.accessToken)
        expect(doc.getArray<string>('entries').toArray()).toEqual(fixtureEntries(suffix, count))
      }
    } finally {
      await relay.close()
    }
    const format = JSON.parse(readFileSync(join(dataDir, 'format.json'), 'utf8')) as { format: number }
    expect(format.format).toBeGreaterThanOrEqual(1)
  }, SLOW)
})
