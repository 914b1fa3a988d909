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
import { badRequest, HttpError } from '../errors.ts'
import { checkLimits } from '../limit-check.ts'
import { allowList, targetCheck } from './targets.ts'

export interface SendProxyOptions {
  config: Config
  rateLimitStore: Coordination['rateLimitStore']
}

/** Largest send request (JSON, body included) the proxy takes: it holds it in memory while sending. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024
/**
 * Sends one user may have open at once on this relay. The per-minute limit alone does not bound
 * them: a target that sends a byte just within the timeout (or a caller that stops reading) keeps
 * a send open for ever, so a user could pile up sockets and memory minute after minute.
 */
export const MAX_OPEN_SENDS_PER_USER = 8

export default async function sendProxy(app: FastifyInstance, { config, rateLimitStore }: SendProxyOptions): Promise<void> {
  const settings = config.sendProxy
  const checkAddress = targetCheck(allowList(settings.allow))
  /** Open sends per user id, on this relay process. */
  const openSends = new Map<string, number>()
  await app.register(rateLimit, { global: false, ...rateLimitStore })
  const limiter = app.createRateLimit({ max: settings.perMinute, timeWindow: 60_000, keyGenerator: (request) => `send:${request.userId}` })
  const limitSends = async (request: FastifyRequest) => {
    await checkLimits(request, [limiter], (seconds) => `You sent ${settings.perMinute} requests through the relay this minute, its limit. Try again in ${seconds} s.`)
  }

  app.post('/v1/send', { bodyLimit: MAX_REQUEST_BYTES, preHandler: [requireUser, limitSends] }, async (request, reply) => {
    const parsed = parseSendRequest(request.body)
    if (!parsed.ok) throw badRequest(parsed.error, 'invalid_request')
    const userId = request.userId
    const open = openSends.get(userId) ?? 0
    if (open >= MAX_OPEN_SENDS_PER_USER) {
      throw new HttpError(429, 'too_many_open_sends', `You have ${open} sends open through the relay, the most it allows at once. Wait for one to finish or cancel it.`)
    }
    openSends.set(userId, open + 1)
    // The answer streams for as long as the target sends: Fastify hands the response over.
    reply.hijack()
    try {
      await answerWithFrames(reply.raw, parsed.value, {
        maxResponseBytes: settings.maxResponseBytes,
        maxTimeoutMs: settings.timeoutMs,
        raiseLimitHint: 'The relay operator sets it (SEND_PROXY_MAX_RESPONSE_BYTES); the Ferry agent on your machine has its own.',
        checkAddress,
      })
    } finally {
      const left = (openSends.get(userId) ?? 1) - 1
      if (left > 0) openSends.set(userId, left)
      else openSends.delete(userId)
    }
  })
}
