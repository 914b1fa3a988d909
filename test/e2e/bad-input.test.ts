/**
 * Every route answers bad input with a 4xx and `{ error: { code, message } }`, never a 500:
 * missing fields, wrong types, huge strings, extra fields, invalid JSON, wrong content types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { openRelay } from '../../relay/src/app.ts'
import { testConfig } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

let app: FastifyInstance
let accessToken: string

beforeAll(async () => {
  const relay = await openRelay(testConfig({ AUTH_ATTEMPTS_PER_WINDOW: '100000' }))
  app = relay.app
  accessToken = await sessionToken(relay, 'someone')
})
afterAll(async () => {
  await app?.close()
})

const huge = 'x'.repeat(200_000)
const email = 'user@example.test'
const password = 'long enough password'

const jsonRoutes: Record<string, unknown[]> = {
  '/v1/auth/signup': [
    {},
    { email },
    { password },
    { email: 'not-an-email', password },
    { email, password: 'short' },
    { email, password: 123456789012 },
    { email: ['a@b.c'], password },
    { email: `${huge}@example.test`, password },
    { email, password: huge },
    { email, password, name: huge },
    { email, password, name: '' },
    { email, password, name: { first: 'a' } },
    { email, password, admin: true },
    { email: null, password },
  ],
  '/v1/auth/login': [{}, { email }, { password }, { email: 1, password }, { email, password: '' }, { email, password: huge }, { email, password, extra: 1 }],
  '/v1/auth/confirm': [{}, { token: '' }, { token: 1 }, { token: huge }, { token: ['a'] }, { token: 'a', extra: 1 }],
  '/v1/auth/refresh': [{}, { refreshToken: '' }, { refreshToken: 7 }, { refreshToken: huge }, { token: 'a' }],
  '/v1/auth/logout': [{}, { refreshToken: null }, { refreshToken: huge }],
  '/v1/auth/recover': [{}, { email: 'nope' }, { email: huge }, { email: true }],
  '/v1/auth/reset': [{}, { token: 'a' }, { token: 'a', password: 'short' }, { token: huge, password }, { token: 'a', password: huge }],
  '/v1/auth/oidc/exchange': [{}, { code: '' }, { code: 5 }, { code: huge }],
}

const rawBodies: Array<[string, InjectOptions['payload'], Record<string, string>]> = [
  ['invalid JSON', '{"email": ', { 'content-type': 'application/json' }],
  ['empty JSON body', '', { 'content-type': 'application/json' }],
  ['JSON array', '[1,2]', { 'content-type': 'application/json' }],
  ['JSON null', 'null', { 'content-type': 'application/json' }],
  ['JSON string', '"hello"', { 'content-type': 'application/json' }],
  ['plain text', 'email=a@b.c', { 'content-type': 'text/plain' }],
  ['no body at all', undefined, {}],
  ['prototype pollution', '{"__proto__": {"admin": true}, "email": "a@b.c"}', { 'content-type': 'application/json' }],
]

function expectErrorShape(response: { statusCode: number; headers: Record<string, unknown>; json(): any }, label: string): void {
  expect(response.headers['x-content-type-options'], label).toBe('nosniff')
  expect(response.statusCode, label).toBeGreaterThanOrEqual(400)
  expect(response.statusCode, label).toBeLessThan(500)
  const body = response.json()
  expect(body, label).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
}

describe('bad JSON bodies', () => {
  for (const [url, bodies] of Object.entries(jsonRoutes)) {
    it(`${url}: every malformed body is a 400`, async () => {
      for (const payload of bodies) {
        const response = await app.inject({ method: 'POST', url, payload: payload as object })
        const label = `${url} ${JSON.stringify(payload).slice(0, 80)}`
        expect(response.statusCode, label).toBe(400)
        expectErrorShape(response, label)
      }
      for (const [name, payload, headers] of rawBodies) {
        const response = await app.inject({ method: 'POST', url, payload, headers })
        expect(response.statusCode, `${url} ${name}`).toBe(400)
        expectErrorShape(response, `${url} ${name}`)
      }
    })
  }

  it('names the problem: invalid JSON and validation failures have distinct codes', async () => {
    const invalid = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: '{', headers: { 'content-type': 'application/json' } })
    expect(invalid.json().error.code).toBe('invalid_json')
    const missing = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email } })
    expect(missing.json().error).toEqual({ code: 'invalid_request', message: expect.stringContaining('password') })
  })

  it('answers an unsupported content type with 415 and a body over 1 MiB with 413', async () => {
    const xml = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: '<login/>', headers: { 'content-type': 'application/xml' } })
    expect(xml.statusCode).toBe(415)
    expect(xml.json().error.code).toBe('unsupported_media_type')
    const big = await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: JSON.stringify({ email, password, name: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } })
    expect(big.statusCode).toBe(413)
    expectErrorShape(big, 'big body')
  })
})

describe('bad requests elsewhere', () => {
  it('rejects bad profile patches and avatar lookups', async () => {
    const auth = { authorization: `Bearer ${accessToken}` }
    for (const payload of ['{', '[]', '{"name": 1}', '{"name": ""}', '{"other": "x"}']) {
      const response = await app.inject({ method: 'PATCH', url: '/v1/me', payload, headers: { ...auth, 'content-type': 'application/json' } })
      expect(response.statusCode, payload).toBe(400)
      expectErrorShape(response, payload)
    }
    for (const url of ['/v1/avatars/..%2F..%2Fetc%2Fpasswd', `/v1/avatars/${'a'.repeat(65)}`, '/v1/avatars/a.b']) {
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(400)
      expectErrorShape(response, url)
    }
  })

  it('answers unknown routes and methods with a JSON 404', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/v1/auth/login?token=secret' })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.message).not.toContain('secret')
  })

  it('answers bad bearer headers with 401', async () => {
    for (const authorization of ['Bearer', 'Basic abc', `Bearer ${accessToken} extra`, 'Bearer ' + huge]) {
      const response = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } })
      expect(response.statusCode, authorization.slice(0, 30)).toBe(401)
      expectErrorShape(response, authorization.slice(0, 30))
    }
  })
})
