/**
 * Resolving link tokens is rate limited per client IP (`LINK_RESOLVES_PER_MINUTE_PER_IP`), so
 * nobody can probe for tokens at speed — on top of tokens being 256-bit random. Over the
 * limit: 429 with Retry-After, like the auth routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { HttpError } from '../errors.ts'

/** A pre-handler; `@fastify/rate-limit` must be registered (not globally) in `app` first. */
export function resolveLimit(app: FastifyInstance, config: Config) {
  const limiter = app.createRateLimit({
    max: config.limits.linkResolvesPerMinutePerIp,
    timeWindow: 60_000,
    keyGenerator: (request) => `link-resolve:${request.ip}`,
  })
  return async function limitResolves(request: FastifyRequest): Promise<void> {
    const outcome = await limiter(request)
    if (!outcome.isAllowed && outcome.isExceeded) {
      throw new HttpError(429, 'rate_limited', `Too many link look-ups. Try again in ${outcome.ttlInSeconds} s.`, {
        'retry-after': String(outcome.ttlInSeconds),
      })
    }
  }
}
