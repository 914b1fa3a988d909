/**
 * Every token expires: confirm links after 24 h, reset links after 30 min, the OIDC hand-off
 * code after 60 s, access tokens after 15 min. The relay's clock is moved with fake `Date`
 * only; timers and I/O stay real.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startOidc, type TestOidc } from '../helpers/oidc.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { startSmtp, tokenFromLink, type TestSmtp } from '../helpers/smtp.ts'
import { sessionToken } from '../helpers/sessions.ts'

const MINUTE = 60_000
let relay: TestRelay
let smtp: TestSmtp
let oidc: TestOidc

beforeAll(async () => {
  smtp = await startSmtp()
  oidc = await startOidc()
  relay = await startRelay({
    SMTP_URL: smtp.url,
    AUTH_ATTEMPTS_PER_WINDOW: '1000',
    OIDC_PROVIDERS: 'mock',
    OIDC_MOCK_ISSUER: oidc.issuer,
    OIDC_MOCK_CLIENT_ID: 'ferry',
  })
})
afterEach(() => {
  vi.useRealTimers()
})
afterAll(async () => {
  await relay?.close(true)
  await smtp?.close()
  await oidc?.close()
})

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(relay.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json().catch(() => null) }
}

function later(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(Date.now() + ms)
}

describe('token lifetimes', () => {
  it('a confirm link stops working after 24 hours, a reset link after 30 minutes', async () => {
    expect((await post('/v1/auth/signup', { email: 'late@example.test', password: 'a long password' })).status).toBe(201)
    const confirm = tokenFromLink((await smtp.waitForMail('late@example.test')).links[0]!)
    await post('/v1/auth/recover', { email: 'late@example.test' })
    const reset = tokenFromLink((await smtp.waitForMail('late@example.test')).links[0]!)

    later(31 * MINUTE)
    expect((await post('/v1/auth/reset', { token: reset, password: 'another long password' })).body.error.code).toBe('invalid_token')
    expect((await post('/v1/auth/confirm', { token: confirm })).status).toBe(200)

    await post('/v1/auth/signup', { email: 'later@example.test', password: 'a long password' })
    const expiring = tokenFromLink((await smtp.waitForMail('later@example.test')).links[0]!)
    vi.setSystemTime(Date.now() + 24 * 60 * MINUTE + MINUTE)
    expect((await post('/v1/auth/confirm', { token: expiring })).body.error.code).toBe('invalid_token')
  })

  it('an OIDC hand-off code stops working after 60 seconds; an access token after 15 minutes', async () => {
    oidc.setClaims({ sub: 'slow-sub', email: 'slow@example.test', email_verified: true })
    const start = await fetch(`${relay.url}/v1/auth/oidc/mock`, { redirect: 'manual' })
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
    const callback = (await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!
    const publicUrl = relay.config.publicUrl
    const done = await fetch(relay.url + callback.slice(publicUrl.length), { redirect: 'manual', headers: { cookie } })
    const code = new URLSearchParams(new URL(done.headers.get('location')!).hash.slice('#/oidc?'.length)).get('code')!
    expect(code).toBeTruthy()

    later(61_000)
    expect((await post('/v1/auth/oidc/exchange', { code })).body.error.code).toBe('invalid_code')
    vi.useRealTimers()

    const token = await sessionToken(relay, 'someone')
    expect(relay.app.accessTokens.verify(token)).toMatchObject({ userId: 'someone' })
    later(15 * MINUTE + 1000)
    expect(relay.app.accessTokens.verify(token)).toBeNull()
    expect((await fetch(`${relay.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
  })
})
