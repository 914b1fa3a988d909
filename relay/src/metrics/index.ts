/**
 * `GET /metrics` in Prometheus text format (see `relay-metrics.ts` for what is measured). Off
 * unless `METRICS_TOKEN` is set (the route does not exist: 404); then it answers only requests
 * with `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time), so a relay exposed
 * to the internet does not publish its figures. Point Prometheus's `authorization` (bearer
 * credentials) at the same token. Registered first, without encapsulation, so it counts the
 * 429s of every route.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { unauthorized } from '../errors.ts'
import type { RelayMetrics } from './relay-metrics.ts'

export interface MetricsOptions {
  metrics: RelayMetrics
  token: string
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest()

export default fp(
  async function metricsPlugin(app: FastifyInstance, { metrics, token }: MetricsOptions) {
    const expected = digest(`Bearer ${token}`)
    app.addHook('onResponse', async (_request, reply) => {
      if (reply.statusCode === 429) metrics.rateLimited('http')
    })
    app.get('/metrics', { logLevel: 'warn' }, async (request, reply) => {
      if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
        throw unauthorized('Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".', 'invalid_metrics_token')
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
    })
  },
  { name: 'metrics' },
)
