/**
 * Redis connections (`REDIS_URL`). A relay refuses to start when Redis does not answer (a
 * relay that cannot hear the others would serve stale documents); once running, lost
 * connections are re-established by ioredis, which also re-subscribes its channels.
 */
import type { FastifyBaseLogger } from 'fastify'
import { Redis, type RedisOptions } from 'ioredis'

/**
 * Opens a connection named `name` (it shows in `CLIENT LIST`; `role` in logs) and waits until
 * it is ready; rejects with the reason when Redis cannot be reached.
 */
export async function openRedis(url: string, name: string, role: string, log: FastifyBaseLogger, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectionName: name, ...options })
  // Without a listener ioredis prints every failed reconnect attempt to stderr.
  let lastError = ''
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return
    lastError = error.message
    log.warn({ err: error, role }, 'redis connection error')
  })
  redis.on('ready', () => {
    if (lastError !== '') log.info({ role }, 'redis connection restored')
    lastError = ''
  })
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    throw new Error(`Redis at ${withoutCredentials(url)} is not reachable: ${lastError || (error instanceof Error ? error.message : String(error))}`)
  }
  return redis
}

/** The URL without its user and password, for messages. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(REDIS_URL)'
  }
}
