/**
 * New sync connections per IP per minute (`CONNECTIONS_PER_MINUTE_PER_IP`). In memory for one
 * relay; in Redis when relays share one (`REDIS_URL`), so the limit counts connections to
 * every instance.
 */
import type { Redis } from 'ioredis'

const WINDOW_MS = 60_000

export interface ConnectionRate {
  /** Counts a connection from `ip`; false when the address is over its limit. */
  allow(ip: string): Promise<boolean>
}

/**
 * A fixed one-minute window for all addresses, swept when the window turns so the table never
 * outgrows one minute of distinct addresses.
 */
export class MemoryConnectionRate implements ConnectionRate {
  readonly #counts = new Map<string, number>()
  #windowStart = 0

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  async allow(ip: string): Promise<boolean> {
    const now = this.now()
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#counts.clear()
      this.#windowStart = now
    }
    const count = (this.#counts.get(ip) ?? 0) + 1
    this.#counts.set(ip, count)
    return count <= this.limit
  }
}

/**
 * A one-minute window per address, opened by its first connection: one counter key per
 * address that expires with its window (created with its expiry in one step, so a counter
 * never outlives it). When Redis does not answer, connections are allowed: the limit guards
 * against floods, and refusing everyone while Redis is down would be worse.
 */
export class RedisConnectionRate implements ConnectionRate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  async allow(ip: string): Promise<boolean> {
    const key = `${this.prefix}sync-connections:${ip}`
    try {
      const replies = await this.redis.multi().set(key, 0, 'PX', WINDOW_MS, 'NX').incr(key).exec()
      const [error, count] = replies?.[1] ?? [new Error('the transaction was discarded'), null]
      if (error) throw error
      return Number(count) <= this.limit
    } catch (error) {
      this.onError(error)
      return true
    }
  }
}
