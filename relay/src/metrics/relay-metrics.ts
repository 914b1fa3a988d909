/**
 * The relay's Prometheus metrics (`prom-client`), on a registry of their own (never the
 * library's global one, so two relays in one process — tests, benchmarks — count apart):
 *
 * - `ferry_sync_connections`, `ferry_rooms`, `ferry_rooms_loaded`: gauges read from the sync
 *   plugin at scrape time;
 * - `ferry_updates_stored_total`: document updates the store made durable (a rate of it is
 *   updates/s);
 * - `ferry_persist_seconds`: how long each group commit took to become durable — the store's
 *   share of a `persisted` ack's latency (the rest is the group-commit window, `GROUP_COMMIT_MS`);
 * - `ferry_store_errors_total{operation}`: document store calls that failed (a deleted doc's
 *   `gone` is an answer, not an error);
 * - `ferry_rate_limited_total{limit}`: requests answered 429 (`http`) and sync connections
 *   refused for their rate (`sync_connections`);
 * - Node's default process metrics (CPU, memory, event loop lag), prefixed `ferry_`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { isGone, type DocStore } from '../storage/doc-store.ts'
import type { ConnectionRate } from '../sync/connection-rate.ts'

/** What the gauges read at scrape time. */
export interface SyncFigures {
  readonly openSockets: number
  readonly rooms: number
  readonly loadedRooms: number
}

export class RelayMetrics {
  readonly registry = new Registry()
  readonly #updates = new Counter({ name: 'ferry_updates_stored_total', help: 'Document updates stored durably.', registers: [this.registry] })
  readonly #persist = new Histogram({
    name: 'ferry_persist_seconds',
    help: 'Time for a group commit to become durable in the document store (the store part of a persisted ack).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })
  readonly #storeErrors = new Counter({
    name: 'ferry_store_errors_total',
    help: 'Document store calls that failed.',
    labelNames: ['operation'],
    registers: [this.registry],
  })
  readonly #rateLimited = new Counter({
    name: 'ferry_rate_limited_total',
    help: 'Requests refused by a rate limit (http: answered 429; sync_connections: sockets refused with 4529).',
    labelNames: ['limit'],
    registers: [this.registry],
  })

  constructor(sync: () => SyncFigures | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ferry_' })
    const gauge = (name: string, help: string, read: (figures: SyncFigures) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const figures = sync()
          if (figures) this.set(read(figures))
        },
      })
    }
    gauge('ferry_sync_connections', 'Open sync sockets (/v1/sync and /v1/mux).', (f) => f.openSockets)
    gauge('ferry_rooms', 'Rooms: docs loaded, loading, or unloaded with sockets still on them.', (f) => f.rooms)
    gauge('ferry_rooms_loaded', 'Rooms whose doc is in memory (loaded or loading).', (f) => f.loadedRooms)
  }

  rateLimited(limit: 'http' | 'sync_connections'): void {
    this.#rateLimited.inc({ limit })
  }

  /** The store, counting what it stores, how long appends take and which calls fail. */
  instrument(store: DocStore): DocStore {
    const failed = (operation: string) => (error: unknown): never => {
      if (!isGone(error)) this.#storeErrors.inc({ operation })
      throw error
    }
    return new Proxy(store, {
      get: (target, property) => {
        // Methods run on the store itself: its private fields are not reachable through a proxy.
        const value: unknown = Reflect.get(target, property)
        if (typeof value !== 'function') return value
        if (property === 'append') {
          return async (...args: Parameters<DocStore['append']>) => {
            const stop = this.#persist.startTimer()
            const seq = await target.append(...args).catch(failed('append'))
            stop()
            this.#updates.inc(args[1].length)
            return seq
          }
        }
        if (property === 'usedBytes' || property === 'close' || property === 'release') return value.bind(target)
        return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(failed(String(property)))
      },
    })
  }

  /** The connection rate, counting the sockets it refuses. */
  countRefusals(rate: ConnectionRate): ConnectionRate {
    return {
      allow: async (ip) => {
        const decision = await rate.allow(ip)
        if (!decision.allowed) this.rateLimited('sync_connections')
        return decision
      },
    }
  }
}
