/**
 * Docs the store is letting go of (an unload, a delete, a read nobody loaded): a load of the
 * same doc waits for its release, since the two would race on the store's handles for it.
 * Releases of one doc run one after another; a failure is logged, never thrown.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { DocName } from '@ferry/protocol'
import type { DocStore } from '../storage/doc-store.ts'

export class DocReleases {
  readonly #store: DocStore
  readonly #log: FastifyBaseLogger
  readonly #releasing = new Map<DocName, Promise<void>>()

  constructor(store: DocStore, log: FastifyBaseLogger) {
    this.#store = store
    this.#log = log
  }

  /** Resolves once the release of `name` under way, if any, is done. */
  async settled(name: DocName): Promise<void> {
    await this.#releasing.get(name)
  }

  /** Resolves once every release under way is done. */
  async all(): Promise<void> {
    await Promise.all(this.#releasing.values())
  }

  /** Frees a doc (`free`), then lets the store forget it, after any release of it under way. */
  release(name: DocName, free: () => Promise<void> | void, failure = 'unloading a document failed'): void {
    const before = this.#releasing.get(name)
    const releasing = (async () => {
      await before
      await free()
      await this.#store.release(name)
    })()
      .catch((error: unknown) => this.#log.error({ err: error }, failure))
      .finally(() => {
        if (this.#releasing.get(name) === releasing) this.#releasing.delete(name)
      })
    this.#releasing.set(name, releasing)
  }
}
