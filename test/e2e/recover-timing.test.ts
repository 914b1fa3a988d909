/**
 * `/v1/auth/recover` must not tell, by how long it takes, whether an address has an account:
 * known and unknown addresses are asked in alternation and their answer times compared. The
 * known path used to wait for a durable token write (≈ 2–3× the unknown path).
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { median } from '../bench/report.ts'
import { createUser } from '../helpers/links.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

const ROUNDS = 60

describe('account recovery timing', () => {
  let relay: TestRelay
  beforeAll(async () => {
    relay = await startRelay({ AUTH_ATTEMPTS_PER_WINDOW: '10000' })
  })
  afterAll(() => relay.close(true))

  async function timed(email: string): Promise<number> {
    const start = performance.now()
    const answer = await fetch(`${relay.url}/v1/auth/recover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) })
    const ms = performance.now() - start
    expect(answer.status).toBe(202)
    return ms
  }

  it('answers known and unknown addresses in the same time', async () => {
    const user = await createUser(relay)
    const known = (await relay.stores.users.getUser(user.id))!.email
    const times = { known: [] as number[], unknown: [] as number[] }
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate which goes first, so neither profits from warm-up.
      const pair = i % 2 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)
      for (const kind of pair) times[kind].push(await timed(kind === 'known' ? known : `nobody-${i}@example.test`))
    }
    const [k, u] = [median(times.known.slice(10)), median(times.unknown.slice(10))]
    expect(Math.abs(k - u), `median known ${k.toFixed(2)} ms vs unknown ${u.toFixed(2)} ms`).toBeLessThan(Math.max(2, 0.5 * u))
    // The known address still gets its mails, written after the answers.
    const outbox = join(relay.dataDir, 'outbox')
    await vi.waitFor(() => expect(existsSync(outbox) ? readdirSync(outbox).length : 0).toBe(ROUNDS), { timeout: 10_000, interval: 50 })
  })
})
