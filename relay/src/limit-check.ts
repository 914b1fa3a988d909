/**
 * Runs `@fastify/rate-limit` limiters made with `app.createRateLimit` as a pre-handler step:
 * over a limit → 429 with Retry-After; a limit store that cannot answer (Redis away, when
 * limits are shared between relays) → 503, since letting attempts through unlimited would
 * open the door to password guessing and refusing with a 500 would not say what to do.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpError } from './errors.ts'

export type Limiter = ReturnType<FastifyInstance['createRateLimit']>

/** Seconds a client is asked to wait when the limit store cannot answer. */
const UNAVAILABLE_RETRY_SECONDS = 5

export async function checkLimits(request: FastifyRequest, limiters: readonly Limiter[], tooMany: (seconds: number) => string): Promise<void> {
  for (const limiter of limiters) {
    let outcome: Awaited<ReturnType<Limiter>>
    try {
      outcome = await limiter(request)
    } catch (error) {
      request.log.error({ err: error }, 'rate limits unavailable')
      throw new HttpError(503, 'unavailable', 'This is briefly unavailable. Try again in a moment.', {
        'retry-after': String(UNAVAILABLE_RETRY_SECONDS),
      })
    }
    if (!outcome.isAllowed && outcome.isExceeded) {
      throw new HttpError(429, 'rate_limited', tooMany(outcome.ttlInSeconds), { 'retry-after': String(outcome.ttlInSeconds) })
    }
  }
}
