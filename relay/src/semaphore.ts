/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait. It bounds
 * memory-hungry work: password hashing (~128 MiB each) and avatar decoding (up to ~64 MiB of
 * pixels each). Waiting tasks carry a key (a client address, say) and slots go round-robin
 * over the keys with waiting tasks, oldest first within a key: one key flooding the queue
 * delays the others by at most one of its tasks per turn, not by its whole backlog.
 */
export class Semaphore {
  #running = 0
  #waitingCount = 0
  /** Waiting tasks per key; the map's order is the rotation (a served key moves to the back). */
  readonly #waiting = new Map<string, Array<() => void>>()

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a semaphore needs a limit of at least 1')
  }

  /** Tasks currently running. */
  get running(): number {
    return this.#running
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waitingCount
  }

  /** Runs `task` once a slot is free (shared fairly between keys) and releases it when it settles. */
  async run<T>(task: () => Promise<T>, key = ''): Promise<T> {
    if (this.#running >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.#waiting.get(key)
        if (queue) queue.push(resolve)
        else this.#waiting.set(key, [resolve])
        this.#waitingCount++
      })
    } else {
      this.#running++
    }
    try {
      return await task()
    } finally {
      const next = this.#next()
      if (next) next()
      else this.#running--
    }
  }

  #next(): (() => void) | undefined {
    const first = this.#waiting.entries().next()
    if (first.done) return undefined
    const [key, queue] = first.value
    const next = queue.shift()!
    this.#waiting.delete(key)
    if (queue.length > 0) this.#waiting.set(key, queue)
    this.#waitingCount--
    return next
  }
}
