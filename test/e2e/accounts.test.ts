/**
 * Password accounts end to end: a real relay mailing through a real SMTP server; the test
 * follows the links in the mails like a user would.
 */
import { describe, expect, it } from 'vitest'
import { useMailingRelay } from '../helpers/mailing-relay.ts'
import { tokenFromLink } from '../helpers/smtp.ts'
import { call as callRelay, type Answer } from '../helpers/http.ts'

const suite = useMailingRelay()

const call = (method: string, path: string, body?: unknown, token?: string): Promise<Answer> => callRelay(suite.relay, method, path, token, body)

const PASSWORD = 'correct horse battery'

describe('sign up, confirm, sign in', () => {
  it('mails a confirmation link that confirms the address once; signing in works before that', async () => {
    const signup = await call('POST', '/v1/auth/signup', { email: 'Ada@Example.test', password: PASSWORD, name: 'Ada Lovelace' })
    expect(signup).toEqual({ status: 201, body: { status: 'confirmation_sent' } })

    const mail = await suite.smtp.waitForMail('ada@example.test')
    expect(mail.from).toContain('ferry@example.test')
    expect(mail.subject).toMatch(/confirm/i)
    const link = mail.links.find((l) => l.includes('#/confirm?token='))
    expect(link).toMatch(/^https:\/\/ferry\.example\.test\/#\/confirm\?token=[A-Za-z0-9_-]{43}$/)

    const login = await call('POST', '/v1/auth/login', { email: 'ada@example.test', password: PASSWORD })
    expect(login.status).toBe(200)
    expect(login.body).toMatchObject({ expiresIn: 900, user: { email: 'ada@example.test', name: 'Ada Lovelace', emailConfirmed: false, avatarUrl: null } })
    expect(login.body.user.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(login.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const token = tokenFromLink(link!)
    expect(await call('POST', '/v1/auth/confirm', { token })).toEqual({ status: 200, body: { status: 'confirmed' } })
    expect((await call('POST', '/v1/auth/confirm', { token })).body.error.code).toBe('invalid_token')
    expect((await call('POST', '/v1/auth/confirm', { token: 'x'.repeat(43) })).status).toBe(400)

    const me = await call('GET', '/v1/me', undefined, login.body.accessToken)
    expect(me).toEqual({ status: 200, body: { ...login.body.user, emailConfirmed: true } })
  })

  it('answers a signup for a taken email exactly like a new one, keeps the password, and tells the owner', async () => {
    await call('POST', '/v1/auth/signup', { email: 'grace@example.test', password: PASSWORD, name: 'Grace' })
    await suite.smtp.waitForMail('grace@example.test')
    const again = await call('POST', '/v1/auth/signup', { email: 'GRACE@example.test', password: 'another password', name: 'Mallory' })
    expect(again).toEqual({ status: 201, body: { status: 'confirmation_sent' } })
    const notice = await suite.smtp.waitForMail('grace@example.test')
    expect(notice.subject).toMatch(/already have/i)
    expect(notice.links).toEqual([])
    expect((await call('POST', '/v1/auth/login', { email: 'grace@example.test', password: 'another password' })).status).toBe(401)
    expect((await call('POST', '/v1/auth/login', { email: 'grace@example.test', password: PASSWORD })).body.user.name).toBe('Grace')
  })

  it('refuses a wrong password and an unknown email with the same answer, in comparable time', async () => {
    const timed = async (email: string) => {
      const started = performance.now()
      const response = await call('POST', '/v1/auth/login', { email, password: 'wrong password' })
      return { response, ms: performance.now() - started }
    }
    const wrongPassword = await timed('ada@example.test')
    const unknown = await timed('nobody@example.test')
    expect(wrongPassword.response).toEqual({ status: 401, body: { error: { code: 'invalid_credentials', message: 'Wrong email or password.' } } })
    expect(unknown.response).toEqual(wrongPassword.response)
    // Both compute a full password hash; without the dummy hash the unknown email would answer in ~1 ms.
    expect(unknown.ms).toBeGreaterThan(wrongPassword.ms / 3)
  })
})

describe('sessions', () => {
  const login = async () => (await call('POST', '/v1/auth/login', { email: 'ada@example.test', password: PASSWORD })).body

  it('rotates refresh tokens; replaying a spent one ends that session but not the others', async () => {
    const session = await login()
    const other = await login()
    const first = await call('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken })
    expect(first.status).toBe(200)
    expect(first.body.refreshToken).not.toBe(session.refreshToken)
    expect((await call('GET', '/v1/me', undefined, first.body.accessToken)).status).toBe(200)

    const replay = await call('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken })
    expect(replay).toEqual({ status: 401, body: { error: { code: 'invalid_refresh_token', message: expect.any(String) } } })
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status).toBe(401)
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(200)
  })

  it('signs out one session with logout', async () => {
    const session = await login()
    expect((await call('POST', '/v1/auth/logout', { refreshToken: session.refreshToken })).status).toBe(204)
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401)
    expect((await call('POST', '/v1/auth/logout', { refreshToken: 'unknown-token' })).status).toBe(204)
  })

  it('requires a valid access token for the profile', async () => {
    expect((await call('GET', '/v1/me')).body.error.code).toBe('invalid_token')
    expect((await call('GET', '/v1/me', undefined, 'not-a-jwt')).status).toBe(401)
    const forged = suite.relay.app.jwt.sign({ sub: 'x' }, { key: 'another-secret-another-secret-123' } as never)
    expect((await call('GET', '/v1/me', undefined, forged)).status).toBe(401)
  })

  it('renames the user with PATCH /v1/me and rejects bad names', async () => {
    const { accessToken } = await login()
    const renamed = await call('PATCH', '/v1/me', { name: '  Countess Ada ' }, accessToken)
    expect(renamed.body).toMatchObject({ name: 'Countess Ada', email: 'ada@example.test' })
    expect((await call('GET', '/v1/me', undefined, accessToken)).body.name).toBe('Countess Ada')
    for (const name of ['', '   ', 'a'.repeat(101), 'two\nlines', 42, null]) {
      const response = await call('PATCH', '/v1/me', { name }, accessToken)
      expect(response.status, JSON.stringify(name)).toBe(400)
      expect(response.body.error.code).toBe('invalid_request')
    }
    expect((await call('PATCH', '/v1/me', { email: 'x@y.z' }, accessToken)).status).toBe(400)
    expect((await call('PATCH', '/v1/me', { name: 'x' })).status).toBe(401)
  })
})

describe('recover and reset', () => {
  it('answers 202 either way, mails the username and a reset link only to an existing account', async () => {
    const unknown = await call('POST', '/v1/auth/recover', { email: 'stranger@example.test' })
    const known = await call('POST', '/v1/auth/recover', { email: 'ADA@example.test' })
    expect(unknown).toEqual({ status: 202, body: { status: 'recovery_sent' } })
    expect(known).toEqual(unknown)
    const mail = await suite.smtp.waitForMail('ada@example.test')
    expect(mail.text).toContain('ada@example.test')
    expect(mail.text).toContain('Countess Ada')
    expect(suite.smtp.mails.some((m) => m.to.includes('stranger@example.test'))).toBe(false)
  })

  it('resets the password with the mailed link once and ends every session', async () => {
    await call('POST', '/v1/auth/signup', { email: 'lin@example.test', password: PASSWORD })
    await suite.smtp.waitForMail('lin@example.test')
    const before = (await call('POST', '/v1/auth/login', { email: 'lin@example.test', password: PASSWORD })).body

    await call('POST', '/v1/auth/recover', { email: 'lin@example.test' })
    const older = tokenFromLink((await suite.smtp.waitForMail('lin@example.test')).links[0]!)
    await call('POST', '/v1/auth/recover', { email: 'lin@example.test' })
    const mail = await suite.smtp.waitForMail('lin@example.test')
    const link = mail.links.find((l) => l.includes('#/reset?token='))!
    expect(link.startsWith('https://ferry.example.test/#/reset?token=')).toBe(true)
    const token = tokenFromLink(link)

    expect((await call('POST', '/v1/auth/reset', { token, password: 'short' })).status).toBe(400)
    expect(await call('POST', '/v1/auth/reset', { token, password: 'a brand new password' })).toEqual({ status: 200, body: { status: 'password_reset' } })
    expect((await call('POST', '/v1/auth/reset', { token, password: 'yet another password' })).body.error.code).toBe('invalid_token')
    // The other pending link was spent by the reset too.
    expect((await call('POST', '/v1/auth/reset', { token: older, password: 'yet another password' })).status).toBe(400)

    expect((await call('POST', '/v1/auth/refresh', { refreshToken: before.refreshToken })).status).toBe(401)
    expect((await call('POST', '/v1/auth/login', { email: 'lin@example.test', password: PASSWORD })).status).toBe(401)
    const after = await call('POST', '/v1/auth/login', { email: 'lin@example.test', password: 'a brand new password' })
    expect(after.status).toBe(200)
    // Following the mailed link proved the address.
    expect(after.body.user.emailConfirmed).toBe(true)
  })
})
