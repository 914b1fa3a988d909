/**
 * A relay on one storage backend (`RELAY_BACKENDS`) for each test that starts one, and the
 * stock y-websocket providers the test opens on it: after each test the providers are
 * destroyed, the relay is closed with its data dir removed and its PostgreSQL schema dropped.
 */
import { afterEach } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import type { RelayBackend } from './postgres.ts'
import { startRelay, type TestRelay } from './relay.ts'
import { stockProvider, synced } from './sync-clients.ts'

export interface BackendRelay {
  /** The database URL of the running relay's schema on PostgreSQL; null on files or before `start`. */
  readonly databaseUrl: string | null
  /** Starts the test's relay with `env` on top of the backend's. */
  start(env?: Record<string, string>): Promise<TestRelay>
  /** Destroys the providers, has the relay write what it holds, and starts it again on the same data. */
  restart(): Promise<TestRelay>
  /** A stock provider on `doc` with `token`, synced. */
  provider(doc: string, token: string): Promise<WebsocketProvider>
}

export function useBackendRelay(backend: RelayBackend): BackendRelay {
  let relay: TestRelay | null = null
  let env: Record<string, string> = {}
  let databaseUrl: string | null = null
  let cleanup = async (): Promise<void> => undefined
  const providers: WebsocketProvider[] = []
  const running = (): TestRelay => {
    if (!relay) throw new Error('start the relay first')
    return relay
  }
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy()
    await relay?.close(true)
    relay = null
    databaseUrl = null
    await cleanup()
  })
  return {
    get databaseUrl() {
      return databaseUrl
    },
    async start(extra = {}) {
      const setup = await backend.env()
      cleanup = setup.cleanup
      databaseUrl = setup.url
      env = { ...setup.env, ...extra }
      relay = await startRelay(env)
      return relay
    },
    async restart() {
      const stopped = running()
      for (const provider of providers.splice(0)) provider.destroy()
      await stopped.app.sync.flush()
      await stopped.close()
      relay = await startRelay(env, stopped.dataDir)
      return relay
    },
    async provider(doc, token) {
      const provider = stockProvider(running().wsUrl, doc, token)
      providers.push(provider)
      await synced(provider)
      return provider
    },
  }
}
