/**
 * New sync connections per IP per minute (`CONNECTIONS_PER_MINUTE_PER_IP`). In memory for one
 * relay; in Redis when relays share one (`REDIS_URL`), so the limit counts connections to
 * every instance.
 *
 * What is counted is what costs: each upgrade request (one token check, and for `/v1/sync` one
 * room join), whatever its outcome — not the sockets that stay open. A multiplexed socket
 * (`/v1/mux`) counts once however many docs it opens, so a whole account reconnecting after a
 * relay restart costs one; the docs it opens are bounded by `MAX_DOCS_PER_SOCKET` and loaded a
 * few at a time instead. A refusal says when the address's window ends (`retry-after`).
 */
import type { Redis } from 'ioredis'

const WINDOW_MS = 60_000

/** Allowed, or refused until the address's window ends (whole seconds, at least 1). */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number }

const ALLOWED: RateDecision = { allowed: true }
const refused = (ms: number): RateDecision => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) })

export interface ConnectionRate {
  /** Counts a connection from `ip`; refused when the address is over its limit. */
  allow(ip: string): Promise<RateDecision>
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

  async allow(ip: string): Promise<RateDecision> {
    const now = this.now()
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#counts.clear()
      this.#windowStart = now
    }
    const count = (this.#counts.get(ip) ?? 0) + 1
    this.#counts.set(ip, count)
    return count <= this.limit ? ALLOWED : refused(this.#windowStart + WINDOW_MS - now)
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

  async allow(ip: string): Promise<RateDecision> {
    const key = `${this.prefix}sync-connections:${ip}`
    try {
      const replies = await this.redis.multi().set(key, 0, 'PX', WINDOW_MS, 'NX').incr(key).pttl(key).exec()
      const [error, count] = replies?.[1] ?? [new Error('the transaction was discarded'), null]
      if (error) throw error
      if (Number(count) <= this.limit) return ALLOWED
      const ttl = Number(replies?.[2]?.[1])
      return refused(Number.isFinite(ttl) && ttl > 0 ? ttl : WINDOW_MS)
    } catch (error) {
      this.onError(error)
      return ALLOWED
    }
  }
}
