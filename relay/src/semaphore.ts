/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in arrival order.
 * It bounds memory-hungry work: password hashing (~128 MiB each) and avatar decoding (up to
 * ~64 MiB of pixels each).
 */
export class Semaphore {
  #running = 0
  readonly #waiting: Array<() => void> = []

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a semaphore needs a limit of at least 1')
  }

  /** Tasks currently running. */
  get running(): number {
    return this.#running
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length
  }

  /** Runs `task` once a slot is free and releases the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await task()
    } finally {
      const next = this.#waiting.shift()
      if (next) next()
      else this.#running--
    }
  }
}
