/**
 * The send proxy, `POST /v1/send` (only when the operator turned it on, `SEND_PROXY=on`): a
 * signed-in user's send request (`@ferry/protocol` send-request), sent from the relay and
 * answered as send frames, streamed. For APIs that do not allow browsers (CORS), when the user
 * runs no Ferry agent. Never to the relay's own network (targets.ts) unless allow-listed —
 * checked for every address a name resolves to, on every redirect hop, with the connection
 * pinned to the checked address. Limited per user per minute; timeouts and size per config.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { parseSendRequest } from '@ferry/protocol'
import { answerWithFrames } from '@ferry/agent/outbound'
import { requireUser } from '../auth/access-tokens.ts'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import { badRequest } from '../errors.ts'
import { checkLimits } from '../limit-check.ts'
import { allowList, targetCheck } from './targets.ts'

export interface SendProxyOptions {
  config: Config
  rateLimitStore: Coordination['rateLimitStore']
}

/** Largest send request (JSON, body included) the proxy takes: it holds it in memory while sending. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024

export default async function sendProxy(app: FastifyInstance, { config, rateLimitStore }: SendProxyOptions): Promise<void> {
  const settings = config.sendProxy
  const checkAddress = targetCheck(allowList(settings.allow))
  await app.register(rateLimit, { global: false, ...rateLimitStore })
  const limiter = app.createRateLimit({ max: settings.perMinute, timeWindow: 60_000, keyGenerator: (request) => `send:${request.userId}` })
  const limitSends = async (request: FastifyRequest) => {
    await checkLimits(request, [limiter], (seconds) => `You sent ${settings.perMinute} requests through the relay this minute, its limit. Try again in ${seconds} s.`)
  }

  app.post('/v1/send', { bodyLimit: MAX_REQUEST_BYTES, preHandler: [requireUser, limitSends] }, async (request, reply) => {
    const parsed = parseSendRequest(request.body)
    if (!parsed.ok) throw badRequest(parsed.error, 'invalid_request')
    // The answer streams for as long as the target sends: Fastify hands the response over.
    reply.hijack()
    await answerWithFrames(reply.raw, parsed.value, {
      maxResponseBytes: settings.maxResponseBytes,
      maxTimeoutMs: settings.timeoutMs,
      raiseLimitHint: 'The relay operator sets it (SEND_PROXY_MAX_RESPONSE_BYTES); the Ferry agent on your machine has its own.',
      checkAddress,
    })
  })
}
