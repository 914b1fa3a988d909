/**
 * Sign-in with OpenID Connect against a real provider (oauth2-mock-server 7 on a free port).
 * The test plays the browser: it follows each redirect by hand (manual redirect mode) and
 * carries the relay's state/PKCE cookies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOidc, type TestOidc } from '../helpers/oidc.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

const PUBLIC_URL = 'https://ferry.example.test'
const CLIENT_ID = 'ferry-relay'
let oidc: TestOidc
let relay: TestRelay

beforeAll(async () => {
  oidc = await startOidc()
  relay = await startRelay({
    PUBLIC_URL,
    AUTH_ATTEMPTS_PER_WINDOW: '1000',
    OIDC_PROVIDERS: 'mock',
    OIDC_MOCK_ISSUER: oidc.issuer,
    OIDC_MOCK_CLIENT_ID: CLIENT_ID,
    OIDC_MOCK_CLIENT_SECRET: 'client-secret',
    OIDC_MOCK_NAME: 'Mock ID',
  })
})
afterAll(async () => {
  await relay?.close(true)
  await oidc?.close()
})

function location(response: Response): string {
  expect(response.status, `expected a redirect from ${response.url}`).toBe(302)
  return response.headers.get('location')!
}

/** The relay's public URL stands for the host it runs on; requests go to the real port. */
const onRelay = (url: string) => relay.url + url.slice(PUBLIC_URL.length)

interface Flow {
  authorizeUrl: URL
  /** Where the relay finally sends the browser: `<PUBLIC_URL>/#/oidc?...`. */
  result: URL
  params: URLSearchParams
}

async function signIn(claims: Record<string, unknown>, options: { dropCookies?: boolean } = {}): Promise<Flow> {
  oidc.setClaims(claims)
  const start = await fetch(`${relay.url}/v1/auth/oidc/mock`, { redirect: 'manual' })
  const authorizeUrl = new URL(location(start))
  const cookies = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const callbackUrl = location(await fetch(authorizeUrl, { redirect: 'manual' }))
  expect(callbackUrl.startsWith(`${PUBLIC_URL}/v1/auth/oidc/mock/callback?`)).toBe(true)
  const callback = await fetch(onRelay(callbackUrl), { redirect: 'manual', headers: options.dropCookies ? {} : { cookie: cookies } })
  const result = new URL(location(callback))
  expect(`${result.origin}/${result.hash.slice(0, 7)}`).toBe(`${PUBLIC_URL}/#/oidc?`)
  return { authorizeUrl, result, params: new URLSearchParams(result.hash.slice('#/oidc?'.length)) }
}

async function exchange(code: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${relay.url}/v1/auth/oidc/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  })
  return { status: response.status, body: await response.json() }
}

describe('OpenID Connect sign-in', () => {
  it('lists the configured provider', async () => {
    const response = await fetch(`${relay.url}/v1/auth/providers`)
    expect(await response.json()).toEqual({ providers: [{ id: 'mock', name: 'Mock ID' }] })
  })

  it('signs a new user in with state and PKCE and hands over a one-time code, never a token', async () => {
    const flow = await signIn({ sub: 'alice-sub', email: 'Alice@Example.test', email_verified: true, name: 'Alice' })
    expect(flow.authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
    expect(flow.authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(flow.authorizeUrl.searchParams.get('state')).toBeTruthy()
    expect(flow.authorizeUrl.searchParams.get('client_id')).toBe(CLIENT_ID)
    expect(flow.authorizeUrl.searchParams.get('scope')).toContain('openid')
    expect([...flow.params.keys()]).toEqual(['code'])

    const login = await exchange(flow.params.get('code')!)
    expect(login.status).toBe(200)
    expect(login.body).toMatchObject({ user: { email: 'alice@example.test', name: 'Alice', emailConfirmed: true, avatarUrl: null } })
    const me = await fetch(`${relay.url}/v1/me`, { headers: { authorization: `Bearer ${login.body.accessToken}` } })
    expect(((await me.json()) as { id: string }).id).toBe(login.body.user.id)
    const refreshed = await fetch(`${relay.url}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: login.body.refreshToken }),
    })
    expect(refreshed.status).toBe(200)

    // Single use.
    expect((await exchange(flow.params.get('code')!)).body.error.code).toBe('invalid_code')
    // The same identity comes back to the same account.
    const again = await signIn({ sub: 'alice-sub', email: 'alice@example.test', email_verified: true })
    expect((await exchange(again.params.get('code')!)).body.user.id).toBe(login.body.user.id)
  })

  it('links to an existing password account only when both sides vouch for the email', async () => {
    const signup = (email: string) =>
      fetch(`${relay.url}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a long password' }),
      })
    await signup('bob@example.test')
    const bob = await relay.stores.users.findUserByEmail('bob@example.test')

    // Unconfirmed account: could have been registered by anyone with Bob's address.
    const refused = await signIn({ sub: 'bob-sub', email: 'bob@example.test', email_verified: true })
    expect(refused.params.get('error')).toBe('account_not_confirmed')
    expect(refused.params.has('code')).toBe(false)

    await relay.stores.users.updateUser(bob!.id, { emailConfirmed: true })
    const unverified = await signIn({ sub: 'bob-sub', email: 'bob@example.test', email_verified: false })
    expect(unverified.params.get('error')).toBe('email_not_verified')

    const linked = await signIn({ sub: 'bob-sub', email: 'bob@example.test', email_verified: true })
    expect((await exchange(linked.params.get('code')!)).body.user.id).toBe(bob!.id)
  })

  it('refuses a new account from an unverified or missing email', async () => {
    expect((await signIn({ sub: 'carol-sub', email: 'carol@example.test', email_verified: false })).params.get('error')).toBe('email_not_verified')
    expect((await signIn({ sub: 'dave-sub', email: undefined })).params.get('error')).toBe('email_missing')
    expect(await relay.stores.users.findUserByEmail('carol@example.test')).toBeNull()
  })

  it('refuses ID tokens for another audience, from another issuer or expired', async () => {
    const base = { sub: 'eve-sub', email: 'eve@example.test', email_verified: true }
    const now = Math.floor(Date.now() / 1000)
    for (const claims of [{ aud: 'another-client' }, { iss: 'https://evil.example.test' }, { exp: now - 3600, iat: now - 7200 }]) {
      const flow = await signIn({ ...base, ...claims })
      expect(flow.params.get('error'), JSON.stringify(claims)).toBe('oidc_failed')
    }
    expect(await relay.stores.users.findUserByEmail('eve@example.test')).toBeNull()
  })

  it('refuses a callback without the state cookie (login CSRF)', async () => {
    const flow = await signIn({ sub: 'frank-sub', email: 'frank@example.test', email_verified: true }, { dropCookies: true })
    expect(flow.params.get('error')).toBe('oidc_failed')
  })

  it('passes on a refusal at the provider and sends unknown providers back with an error', async () => {
    const denied = await fetch(`${relay.url}/v1/auth/oidc/mock/callback?error=access_denied&state=x`, { redirect: 'manual' })
    expect(location(denied)).toBe(`${PUBLIC_URL}/#/oidc?error=access_denied`)
    const unknown = await fetch(`${relay.url}/v1/auth/oidc/nope`, { redirect: 'manual' })
    expect(location(unknown)).toBe(`${PUBLIC_URL}/#/oidc?error=unknown_provider`)
  })
})

describe('an unreachable provider', () => {
  it('does not stop the relay; its sign-in answers provider_unavailable', async () => {
    const lonely = await startRelay({
      PUBLIC_URL,
      OIDC_PROVIDERS: 'gone',
      OIDC_GONE_ISSUER: 'http://127.0.0.1:1',
      OIDC_GONE_CLIENT_ID: 'x',
    })
    try {
      expect(await (await fetch(`${lonely.url}/v1/auth/providers`)).json()).toEqual({ providers: [] })
      const start = await fetch(`${lonely.url}/v1/auth/oidc/gone`, { redirect: 'manual' })
      expect(location(start)).toBe(`${PUBLIC_URL}/#/oidc?error=provider_unavailable`)
    } finally {
      await lonely.close(true)
    }
  })
})
