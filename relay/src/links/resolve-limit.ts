/**
 * Resolving link tokens is rate limited per client IP (`LINK_RESOLVES_PER_MINUTE_PER_IP`), so
 * nobody can probe for tokens at speed — on top of tokens being 256-bit random. Over the
 * limit: 429 with Retry-After, like the auth routes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.ts'
import { checkLimits } from '../limit-check.ts'

/** A pre-handler; `@fastify/rate-limit` must be registered (not globally) in `app` first. */
export function resolveLimit(app: FastifyInstance, config: Config) {
  const limiter = app.createRateLimit({
    max: config.limits.linkResolvesPerMinutePerIp,
    timeWindow: 60_000,
    keyGenerator: (request) => `link-resolve:${request.ip}`,
  })
  return async function limitResolves(request: FastifyRequest): Promise<void> {
    await checkLimits(request, [limiter], (seconds) => `Too many link look-ups. Try again in ${seconds} s.`)
  }
}
