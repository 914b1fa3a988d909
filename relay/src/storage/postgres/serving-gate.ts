/**
 * Lets a store on a shared pool stop serving without ending the pool: after `close()` every
 * call rejects, and `close()` resolves only once the calls already running have settled, so
 * the owner can end the pool right after without cutting a transaction short. Any store on
 * the shared pool can use it.
 */
export class ServingGate {
  readonly #running = new Set<Promise<unknown>>()
  readonly #closedError: () => Error
  #closed = false

  /** `closedError` makes the error each call gets once the store is closed. */
  constructor(closedError: () => Error) {
    this.#closedError = closedError
  }

  /** Runs `call` unless closed; rejects with a clear error once closed. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError())
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
