/**
 * `Broadcast`: how relay instances that serve the same doc hear each other's updates and
 * awareness. A room sends the raw frames it accepted from its own clients and applies the
 * frames other instances send. The in-process implementation connects the instances of one
 * process through a shared {@link BroadcastHub} (one relay alone: a hub of one, so publish is
 * a no-op); a Redis pub/sub implementation can follow behind the same interface.
 */
import type { DocName } from '@ferry/protocol'

export type FrameListener = (frame: Uint8Array) => void

export interface Broadcast {
  /** Delivers `frame` (an update or awareness message) to `doc`'s rooms on other instances. */
  publish(doc: DocName, frame: Uint8Array): void
  /** Listens for frames other instances publish for `doc`; returns the unsubscribe function. */
  subscribe(doc: DocName, listener: FrameListener): () => void
  close(): Promise<void>
}

/** Connects the in-process broadcasts created on it. */
export class BroadcastHub {
  readonly endpoints = new Set<InProcessBroadcast>()
}

/**
 * One instance's endpoint on a {@link BroadcastHub}. Listeners live in a plain map per
 * endpoint (one entry per loaded doc), and publishing walks the hub's few endpoints.
 */
export class InProcessBroadcast implements Broadcast {
  readonly #hub: BroadcastHub
  readonly #listeners = new Map<DocName, FrameListener>()

  constructor(hub = new BroadcastHub()) {
    this.#hub = hub
    hub.endpoints.add(this)
  }

  publish(doc: DocName, frame: Uint8Array): void {
    for (const endpoint of this.#hub.endpoints) if (endpoint !== this) endpoint.#listeners.get(doc)?.(frame)
  }

  /** One listener per doc per instance (a doc has one room per instance). */
  subscribe(doc: DocName, listener: FrameListener): () => void {
    this.#listeners.set(doc, listener)
    return () => {
      if (this.#listeners.get(doc) === listener) this.#listeners.delete(doc)
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear()
    this.#hub.endpoints.delete(this)
  }
}

/** The broadcast `config` selects: in-process unless `REDIS_URL` is set. */
export function createBroadcast(config: { redisUrl: string | null }): Broadcast {
  if (config.redisUrl !== null) {
    throw new Error('REDIS_URL is set, but the Redis broadcast is not available in this build')
  }
  return new InProcessBroadcast()
}
