/**
 * Redis for the scaled-out suites: `TEST_REDIS_URL` or the local server. Each suite gets a key
 * and channel prefix of its own (`REDIS_PREFIX`), so suites running in parallel never hear
 * each other.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { skipUnless } from './services.ts'

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Null when Redis answers; otherwise why not, for the skip message. */
export async function redisUnavailable(): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
    return null
  } catch (error) {
    return `Redis at ${TEST_REDIS_URL} is not reachable (${error instanceof Error ? error.message : String(error)}); set TEST_REDIS_URL`
  } finally {
    redis.disconnect()
  }
}

/** True when the Redis suites must skip (never under CI: there a missing server throws). */
export const skipRedis = skipUnless('Redis', await redisUnavailable())

/** A `REDIS_PREFIX` no other suite uses. */
export const uniqueRedisPrefix = (): string => `ferry-test-${randomBytes(6).toString('hex')}:`

/** A plain connection for poking at Redis directly (publishing garbage, reading counters). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL)
}

/** The environment that puts a relay on the test Redis, under a prefix of its own (pass the same to relays that share). */
export function testRedisEnv(prefix = uniqueRedisPrefix()): { REDIS_URL: string; REDIS_PREFIX: string } {
  return { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }
}

/**
 * Cuts the subscriber connection of every relay on `prefix` (as a network failure would); the
 * relays reconnect on their own. Returns how many were cut.
 */
export async function cutSubscribers(prefix: string): Promise<number> {
  const redis = testRedis()
  try {
    const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n')
    const ids = clients.filter((line) => line.includes(` name=${prefix}subscribe-`)).map((line) => /\bid=(\d+)/.exec(line)?.[1])
    for (const id of ids) if (id) await redis.client('KILL', 'ID', id)
    return ids.length
  } finally {
    redis.disconnect()
  }
}
