/**
 * The routes that take a token can be called by anyone with made-up tokens. Such calls must
 * cost no write (the embedded store used to rewrite and fsync the whole account file for
 * each), and one address gets a bounded number of them per minute, whichever route it tries.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

const ROUTES: [string, Record<string, string>][] = [
  ['/v1/auth/confirm', { token: 'made-up' }],
  ['/v1/auth/reset', { token: 'made-up', password: 'a-long-enough-password' }],
  ['/v1/auth/refresh', { refreshToken: 'made-up' }],
  ['/v1/auth/logout', { refreshToken: 'made-up' }],
  ['/v1/auth/oidc/exchange', { code: 'made-up' }],
]

describe('token-taking routes with made-up tokens', () => {
  let relay: TestRelay
  afterEach(() => relay.close(true))

  const post = (path: string, body: unknown) =>
    fetch(`${relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  it('write nothing to the account file', async () => {
    relay = await startRelay()
    // A real write first, so the file exists and its identity can be compared.
    await post('/v1/auth/signup', { email: 'someone@example.test', password: 'a-long-enough-password' })
    const file = join(relay.dataDir, 'accounts.json')
    const before = statSync(file)
    for (let i = 0; i < 10; i++) {
      for (const [path, body] of ROUTES) {
        const answer = await post(path, Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === 'made-up' ? `made-up-${i}` : v])))
        // Sign-out answers 204 whatever the token (it says nothing about tokens).
        expect([204, 400, 401], path).toContain(answer.status)
      }
    }
    const after = statSync(file)
    expect([after.ino, after.mtimeMs, after.size]).toEqual([before.ino, before.mtimeMs, before.size])
  })

  it('answer 429 with Retry-After past the per-address budget, shared by all of them', async () => {
    relay = await startRelay({ TOKEN_CALLS_PER_MINUTE_PER_IP: '12' })
    const statuses: number[] = []
    for (let i = 0; i < 15; i++) {
      const [path, body] = ROUTES[i % ROUTES.length]!
      const answer = await post(path, body)
      statuses.push(answer.status)
      if (answer.status === 429) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    expect(statuses.slice(0, 12).every((s) => s !== 429)).toBe(true)
    expect(statuses.slice(12)).toEqual([429, 429, 429])
  })
})
