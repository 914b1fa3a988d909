/** Opening a `FerryClient` on a simulated device, signing up users on a test relay, waiting for sync. */
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { describeStatus, FerryClient, RelayApi, type FerryClientOptions } from '../../packages/client/src/index.ts'
import { uniqueEmail, type Device } from './client-devices.ts'
import type { RelayBackend } from './postgres.ts'
import { startRelay, type TestRelay } from './relay.ts'

export const PASSWORD = 'correct horse battery staple'

/** `extra.tabScope: device.name` makes clients on one device behave as tabs of one browser. */
export function openClient(relay: TestRelay, device: Device, extra: Partial<FerryClientOptions> = {}): Promise<FerryClient> {
  return FerryClient.open({
    relayUrl: relay.url,
    indexedDB: device.indexedDB,
    createSocket: device.createSocket,
    online: null,
    backoff: { minMs: 20, maxMs: 200, random: () => 0.5 },
    ...extra,
  })
}

/** Signs a new user up; answers the email to sign in with. */
export async function signUp(relay: TestRelay, label: string): Promise<string> {
  const email = uniqueEmail(label)
  await new RelayApi({ baseUrl: relay.url }).signup({ email, password: PASSWORD, name: label })
  return email
}

/** Waits until everything `client` holds is stored by the relay (`in sync`). */
export const inSync = (client: FerryClient): Promise<void> =>
  vi.waitFor(() => expect(describeStatus(client.status)).toBe('in sync'), { timeout: 15_000 })

/** The names of the collections `client`'s workspace lists, sorted. */
export const collectionNames = (client: FerryClient): string[] => client.workspace.index.allCollections().map((c) => c.name).sort()

export interface ClientRelay {
  /** This test's relay; assign a restarted one to keep using the suite with it. */
  relay: TestRelay
  /** Opens a client on `device` against the current relay; closed after the test. */
  open(device: Device, extra?: Partial<FerryClientOptions>): Promise<FerryClient>
  /** Opens another tab of the browser `device` (clients of one device share tabs). */
  tab(device: Device): Promise<FerryClient>
  /** Closes `client` now (a reload, say) instead of after the test. */
  close(client: FerryClient): Promise<void>
}

/**
 * A fresh relay for every test, and the clients opened on it, all closed after each test;
 * `backend` stores it in PostgreSQL (none, or one that must skip: files).
 */
export function useClientRelay(env: Record<string, string> = {}, backend?: RelayBackend): ClientRelay {
  let current: TestRelay | null = null
  let cleanup = async (): Promise<void> => undefined
  const clients: FerryClient[] = []
  beforeEach(async () => {
    const setup = backend && !backend.skip ? await backend.env() : null
    if (setup) cleanup = setup.cleanup
    current = await startRelay({ ...env, ...setup?.env })
  })
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close()
    await current?.close(true)
    await cleanup()
  })
  return {
    get relay() {
      if (current === null) throw new Error('the relay starts in beforeEach')
      return current
    },
    set relay(next) {
      current = next
    },
    async open(device, extra) {
      const opened = await openClient(this.relay, device, extra)
      clients.push(opened)
      return opened
    },
    tab(device) {
      return this.open(device, { tabScope: device.name })
    },
    async close(client) {
      clients.splice(clients.indexOf(client), 1)
      await client.close()
    },
  }
}
