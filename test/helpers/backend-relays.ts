/**
 * Relays on one storage backend (`RELAY_BACKENDS`), as many as a test starts (a backup taken
 * on one and restored on another), and vault devices on them: after each test the devices
 * close, then the relays with their data dirs, then their PostgreSQL schemas are dropped.
 */
import { afterEach } from 'vitest'
import type { UserId } from '@ferry/protocol'
import type { RelayBackend } from './postgres.ts'
import { startRelay, type TestRelay } from './relay.ts'
import { sessionToken } from './sessions.ts'
import { openVaultDevice, type VaultDevice } from './vault-devices.ts'

export interface BackendRelays {
  /** Starts a relay on a fresh data dir or schema of the backend. */
  start(): Promise<TestRelay>
  /** A vault device of `owner` named `name`, talking to `on` with the owner's session. */
  vaultDevice(on: TestRelay, owner: UserId, name: string): Promise<VaultDevice>
}

export function useBackendRelays(backend: RelayBackend): BackendRelays {
  const relays: TestRelay[] = []
  const devices: VaultDevice[] = []
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const device of devices.splice(0)) await device.close()
    for (const relay of relays.splice(0)) await relay.close(true)
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  return {
    async start() {
      const setup = await backend.env()
      cleanups.push(setup.cleanup)
      const started = await startRelay(setup.env)
      relays.push(started)
      return started
    },
    async vaultDevice(on, owner, name) {
      const device = await openVaultDevice({ url: on.url, wsUrl: on.wsUrl, token: (id) => sessionToken(on, id) }, owner, name)
      devices.push(device)
      return device
    },
  }
}
