/**
 * Attempt limits for login, recovery and signup: per client IP and per account (the email in
 * the body), each `authAttemptsPerWindow` per `authWindowSeconds`. The per-account limit
 * stops one password being guessed from many IPs; it keys on the email as typed, so it
 * behaves the same whether or not the account exists. Over the limit: 429 with Retry-After.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'
import { normalizeEmail } from './secrets.ts'

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

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
    for (const limiter of limiters) {
      const outcome = await limiter(request)
      if (!outcome.isAllowed && outcome.isExceeded) {
        throw new HttpError(429, 'rate_limited', `Too many attempts. Try again in ${outcome.ttlInSeconds} s.`, {
          'retry-after': String(outcome.ttlInSeconds),
        })
      }
    }
  }
}
