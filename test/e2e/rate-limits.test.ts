/**
 * Login, recover and signup are limited per IP and per account: the next attempt past the
 * limit is a 429 with Retry-After, whether or not the account exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../relay/src/app.ts'
import { testConfig } from '../helpers/relay.ts'

let app: FastifyInstance

beforeAll(async () => {
  app = await buildApp(testConfig({ AUTH_ATTEMPTS_PER_WINDOW: '2', AUTH_WINDOW_SECONDS: '600' }))
})
afterAll(async () => {
  await app?.close()
})

const attempt = (url: string, email: string, ip: string) =>
  app.inject({ method: 'POST', url, remoteAddress: ip, payload: url.endsWith('login') ? { email, password: 'wrong password' } : { email } })

describe('attempt limits', () => {
  it('limits login per IP across different accounts', async () => {
    expect((await attempt('/v1/auth/login', 'a1@example.test', '10.0.0.1')).statusCode).toBe(401)
    expect((await attempt('/v1/auth/login', 'a2@example.test', '10.0.0.1')).statusCode).toBe(401)
    const limited = await attempt('/v1/auth/login', 'a3@example.test', '10.0.0.1')
    expect(limited.statusCode).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(600)
    expect(limited.json().error.code).toBe('rate_limited')
    // Another IP is not affected.
    expect((await attempt('/v1/auth/login', 'a4@example.test', '10.0.0.2')).statusCode).toBe(401)
  })

  it('limits login per account across IPs, case-insensitively', async () => {
    expect((await attempt('/v1/auth/login', 'target@example.test', '10.1.0.1')).statusCode).toBe(401)
    expect((await attempt('/v1/auth/login', 'TARGET@example.test', '10.1.0.2')).statusCode).toBe(401)
    const limited = await attempt('/v1/auth/login', 'target@example.test', '10.1.0.3')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
  })

  it('limits recover per account and per IP, answering 202 until then', async () => {
    expect((await attempt('/v1/auth/recover', 'r@example.test', '10.2.0.1')).statusCode).toBe(202)
    expect((await attempt('/v1/auth/recover', 'r@example.test', '10.2.0.2')).statusCode).toBe(202)
    expect((await attempt('/v1/auth/recover', 'r@example.test', '10.2.0.3')).statusCode).toBe(429)
    expect((await attempt('/v1/auth/recover', 's1@example.test', '10.3.0.1')).statusCode).toBe(202)
    expect((await attempt('/v1/auth/recover', 's2@example.test', '10.3.0.1')).statusCode).toBe(202)
    const limited = await attempt('/v1/auth/recover', 's3@example.test', '10.3.0.1')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBeDefined()
  })

  it('keeps the limits of login and recover apart', async () => {
    expect((await attempt('/v1/auth/recover', 'apart@example.test', '10.4.0.1')).statusCode).toBe(202)
    expect((await attempt('/v1/auth/recover', 'apart@example.test', '10.4.0.1')).statusCode).toBe(202)
    expect((await attempt('/v1/auth/login', 'apart@example.test', '10.4.0.1')).statusCode).toBe(401)
  })
})

describe('behind a trusted proxy', () => {
  it('limits per client address from X-Forwarded-For, not per proxy', async () => {
    const proxied = await buildApp(testConfig({ AUTH_ATTEMPTS_PER_WINDOW: '1', TRUST_PROXY: '127.0.0.1' }))
    try {
      const recover = (client: string, email: string) =>
        proxied.inject({ method: 'POST', url: '/v1/auth/recover', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client }, payload: { email } })
      expect((await recover('203.0.113.1', 'p1@example.test')).statusCode).toBe(202)
      expect((await recover('203.0.113.2', 'p2@example.test')).statusCode).toBe(202)
      expect((await recover('203.0.113.1', 'p3@example.test')).statusCode).toBe(429)
    } finally {
      await proxied.close()
    }
  })
})
