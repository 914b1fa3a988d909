/**
 * Attempt limits for login, recovery and signup, and a per-IP limit for the routes that take a
 * token (made-up tokens cost no write, but nobody gets to try them without bound).
 * Login, recovery and signup are limited per client IP and per account (the email in
 * the body), each `authAttemptsPerWindow` per `authWindowSeconds`. The per-account limit
 * stops one password being guessed from many IPs; it keys on the email as typed, so it
 * behaves the same whether or not the account exists. Over the limit: 429 with Retry-After
 * (503 while a shared limit store cannot answer, see `limit-check.ts`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { checkLimits, type Limiter } from '../limit-check.ts'
import { normalizeEmail } from './secrets.ts'

/** Builds a pre-handler limiting the route `scope` (after body validation, so `email` is there). */
export function attemptLimit(app: FastifyInstance, config: Config, scope: string) {
  const window = { max: config.limits.authAttemptsPerWindow, timeWindow: config.limits.authWindowSeconds * 1000 }
  const limiters: Limiter[] = [
    app.createRateLimit({ ...window, keyGenerator: (request) => `${scope}:ip:${request.ip}` }),
    app.createRateLimit({
      ...window,
      keyGenerator: (request) => `${scope}:account:${normalizeEmail((request.body as { email: string }).email)}`,
    }),
  ]
  return async function limitAttempts(request: FastifyRequest): Promise<void> {
    await checkLimits(request, limiters, (seconds) => `Too many attempts. Try again in ${seconds} s.`)
  }
}

/** One limiter per relay: each `createRateLimit` counts on its own. */
const tokenLimiters = new WeakMap<Config, Limiter>()

/** Builds a pre-handler limiting the token-taking routes per client IP (one budget for all of them). */
export function tokenCallLimit(app: FastifyInstance, config: Config) {
  let limiter = tokenLimiters.get(config)
  if (!limiter) {
    limiter = app.createRateLimit({ max: config.limits.tokenCallsPerMinutePerIp, timeWindow: 60_000, keyGenerator: (request) => `token:ip:${request.ip}` })
    tokenLimiters.set(config, limiter)
  }
  const shared = limiter
  return async function limitTokenCalls(request: FastifyRequest): Promise<void> {
    await checkLimits(request, [shared], (seconds) => `Too many attempts. Try again in ${seconds} s.`)
  }
}
