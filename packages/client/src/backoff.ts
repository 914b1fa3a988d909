/**
 * Reconnect delays: exponential from `minMs` to `maxMs` with "equal jitter" (half fixed, half
 * random), so a relay restart does not bring every client back in the same millisecond.
 */
export interface BackoffOptions {
  /** First delay, milliseconds; default 1 000. */
  readonly minMs?: number
  /** Largest delay, milliseconds; default 30 000. */
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
    this.#maxMs = options.maxMs ?? 30_000
    this.#random = options.random ?? Math.random
  }

  /** The delay before the next attempt: first in [min, 2·min), doubling, at most in [max/2, max). */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#minMs * 2 ** (this.#attempt + 1))
    this.#attempt = Math.min(this.#attempt + 1, 30)
    return ceiling / 2 + (this.#random() * ceiling) / 2
  }

  /** After a successful connection the next failure starts from `minMs` again. */
  reset(): void {
    this.#attempt = 0
  }
}
