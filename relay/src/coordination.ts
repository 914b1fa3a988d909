/**
 * What relay instances share besides storage: the `Broadcast` between their rooms and the
 * counters behind the rate limits. The one place that picks, from config, in-process (one
 * relay) or Redis (`REDIS_URL`: every instance hears the others and counts against the same
 * limits).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from './config.ts'
import { openRedis } from './redis.ts'
import { InProcessBroadcast, type Broadcast } from './sync/broadcast.ts'
import { MemoryConnectionRate, RedisConnectionRate, type ConnectionRate } from './sync/connection-rate.ts'
import { RedisBroadcast } from './sync/redis-broadcast.ts'

export interface Coordination {
  readonly broadcast: Broadcast
  /** New sync connections per IP. */
  readonly connectionRate: ConnectionRate
  /** Options for `@fastify/rate-limit`: its Redis store when shared; empty → in memory. */
  readonly rateLimitStore: { readonly redis: Redis; readonly nameSpace: string } | Record<string, never>
  /** `'ok'` or why the instances cannot hear each other (`/healthz`). */
  check(): Promise<string>
  close(): Promise<void>
}

export async function createCoordination(config: Config, log: FastifyBaseLogger): Promise<Coordination> {
  const limit = config.limits.connectionsPerMinutePerIp
  if (config.redisUrl === null) {
    const broadcast = new InProcessBroadcast()
    return {
      broadcast,
      connectionRate: new MemoryConnectionRate(limit),
      rateLimitStore: {},
      check: async () => 'ok',
      close: () => broadcast.close(),
    }
  }
  const prefix = config.redisPrefix
  const broadcast = await RedisBroadcast.open(config.redisUrl, prefix, log)
  let counters: Redis
  try {
    // Limits never wait for a reconnect: a request fails at once while Redis is away.
    counters = await openRedis(config.redisUrl, `${prefix}limits`, 'limits', log, { enableOfflineQueue: false })
  } catch (error) {
    await broadcast.close()
    throw error
  }
  return {
    broadcast,
    connectionRate: new RedisConnectionRate(counters, prefix, limit, (error) => {
      log.warn({ err: error }, 'counting a sync connection in redis failed; allowed it')
    }),
    rateLimitStore: { redis: counters, nameSpace: `${prefix}rate-limit:` },
    async check() {
      try {
        await broadcast.ping()
        return 'ok'
      } catch (error) {
        return error instanceof Error ? error.message : String(error)
      }
    },
    async close() {
      await broadcast.close()
      await counters.quit().catch(() => counters.disconnect())
    },
  }
}
