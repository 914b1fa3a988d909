/**
 * New sync connections per IP per minute (`CONNECTIONS_PER_MINUTE_PER_IP`): a fixed one-minute
 * window per address, swept when the window turns so the table never outgrows one minute of
 * distinct addresses.
 */
const WINDOW_MS = 60_000

export class ConnectionRate {
  readonly #counts = new Map<string, number>()
  #windowStart = 0

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a connection from `ip`; false when the address is over its limit. */
  allow(ip: string): boolean {
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
