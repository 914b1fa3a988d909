/**
 * Lets a store on a shared pool stop serving without ending the pool: after `close()` every
 * call rejects, and `close()` resolves only once the calls already running have settled, so
 * the owner can end the pool right after without cutting a transaction short.
 */
export class ServingGate {
  readonly #running = new Set<Promise<unknown>>()
  readonly #closedMessage: string
  #closed = false

  constructor(closedMessage: string) {
    this.#closedMessage = closedMessage
  }

  /** Runs `call` unless closed; rejects with a clear error once closed. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(this.#closedMessage))
    const running = call()
    const settled = running.then(
      () => undefined,
      () => undefined,
    )
    this.#running.add(settled)
    void settled.then(() => this.#running.delete(settled))
    return running
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#running)
  }
}
