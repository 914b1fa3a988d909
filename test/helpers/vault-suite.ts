/**
 * The shared frame of the vault suites: one relay per file, devices opened through it (closed
 * after each test), and fresh user ids.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { startRelay, type TestRelay } from './relay.ts'
import { sessionToken } from './sessions.ts'
import { openVaultDevice, type VaultDevice, type VaultRelay } from './vault-devices.ts'

export const newUser = (): UserId => randomBytes(16).toString('base64url') as UserId

export class VaultSuite {
  /** The suite's relay; a test may replace it (a restart) and the next devices use the new one. */
  relay!: TestRelay
  readonly #open: VaultDevice[] = []

  constructor() {
    beforeAll(async () => {
      this.relay = await startRelay()
    })
    afterEach(async () => {
      await Promise.all(this.#open.splice(0).map((device) => device.close()))
    })
    afterAll(async () => {
      await this.relay?.close(true)
    })
  }

  /** How devices reach the relay, with a real session per user. */
  get connection(): VaultRelay {
    const relay = this.relay
    return { url: relay.url, wsUrl: relay.wsUrl, token: (id) => sessionToken(relay, id) }
  }

  /** Opens a device of `owner` (closed after the test). */
  async device(owner: UserId, name: string): Promise<VaultDevice> {
    const opened = await openVaultDevice(this.connection, owner, name)
    this.#open.push(opened)
    return opened
  }
}
