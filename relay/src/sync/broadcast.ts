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
  readonly #listeners = new Map<DocName, Set<{ endpoint: object; listener: FrameListener }>>()

  publish(from: object, doc: DocName, frame: Uint8Array): void {
    for (const entry of this.#listeners.get(doc) ?? []) {
      if (entry.endpoint !== from) entry.listener(frame)
    }
  }

  subscribe(endpoint: object, doc: DocName, listener: FrameListener): () => void {
    const entry = { endpoint, listener }
    const set = this.#listeners.get(doc) ?? new Set()
    set.add(entry)
    this.#listeners.set(doc, set)
    return () => {
      set.delete(entry)
      if (set.size === 0 && this.#listeners.get(doc) === set) this.#listeners.delete(doc)
    }
  }
}

export class InProcessBroadcast implements Broadcast {
  readonly #hub: BroadcastHub
  readonly #unsubscribes = new Set<() => void>()

  constructor(hub = new BroadcastHub()) {
    this.#hub = hub
  }

  publish(doc: DocName, frame: Uint8Array): void {
    this.#hub.publish(this, doc, frame)
  }

  subscribe(doc: DocName, listener: FrameListener): () => void {
    const unsubscribe = this.#hub.subscribe(this, doc, listener)
    this.#unsubscribes.add(unsubscribe)
    return () => {
      this.#unsubscribes.delete(unsubscribe)
      unsubscribe()
    }
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.#unsubscribes) unsubscribe()
    this.#unsubscribes.clear()
  }
}

/** The broadcast `config` selects: in-process unless `REDIS_URL` is set. */
export function createBroadcast(config: { redisUrl: string | null }): Broadcast {
  if (config.redisUrl !== null) {
    throw new Error('REDIS_URL is set, but the Redis broadcast is not available in this build')
  }
  return new InProcessBroadcast()
}
