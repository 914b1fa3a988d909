/**
 * Reconnect delays: an exponential ceiling from `2·minMs` up to `maxMs`, and "full jitter"
 * under it — each delay is uniform between `minMs` and the ceiling, not clustered near it —
 * so clients a relay restart dropped together come back spread over the whole window instead
 * of in a wave at each doubling. The floor of `minMs` keeps a relay that refuses at once from
 * being hammered. A relay that names a wait (`retry-after=<s>` in a close reason) gets at least
 * that, with the jittered delay on top, so the clients it turned away do not return together
 * the moment it said.
 */
export interface BackoffOptions {
  /** Shortest delay, milliseconds; default 1 000. */
  readonly minMs?: number
  /** Largest delay (before a relay-named wait), milliseconds; default 30 000. */
  readonly maxMs?: number
  /** Uniform [0, 1) source; default `Math.random` (tests pass a seeded one). */
  readonly random?: () => number
}

export class Backoff {
  readonly #minMs: number
  readonly #maxMs: number
  readonly #random: () => number
  #attempt = 0

  constructor(options: BackoffOptions = {}) {
    this.#minMs = options.minMs ?? 1_000
    this.#maxMs = Math.max(options.maxMs ?? 30_000, this.#minMs)
    this.#random = options.random ?? Math.random
  }

  /**
   * The delay before the next attempt: first in [min, 2·min), then up to a doubling ceiling
   * capped at max; at least `retryAfterMs` (plus the jittered delay) when the relay named one.
   */
  next(retryAfterMs = 0): number {
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** (this.#attempt + 1))
    this.#attempt = Math.min(this.#attempt + 1, 30)
    return retryAfterMs + this.#minMs + this.#random() * (ceiling - this.#minMs)
  }

  /** After a successful connection the next failure starts from `minMs` again. */
  reset(): void {
    this.#attempt = 0
  }
}
