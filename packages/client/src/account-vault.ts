/**
 * Wiring a `Vault` to a signed-in account of `Accounts` (what `FerryClient` holds): access
 * tokens come from the account's session, the session's refresh token is sent at registration
 * (so revoking this device signs it out), and the device-key database is registered with the
 * account, so signing out wipes it with the account's other databases (close the vault first).
 */
import type { UserId } from '@ferry/protocol'
import type { Accounts } from './accounts.ts'
import { defaultIndexedDB } from './idb.ts'
import type { RelayApi } from './relay-api.ts'
import { VaultApi } from './vault-api.ts'
import { Vault } from './vault.ts'

export interface AccountVaultOptions {
  /** `FerryClient` has both. */
  readonly relay: RelayApi
  readonly accounts: Accounts
  readonly owner: UserId
  /** Defaults to the browser's. */
  readonly indexedDB?: IDBFactory
  /** How this device is listed on the others; defaults to a guess from the user agent ("Firefox on Linux"). */
  readonly deviceName?: string
}

/** Opens the vault of `owner` on this device (offline-capable; call `refresh()` when online). */
export function openAccountVault(options: AccountVaultOptions): Promise<Vault> {
  const { relay, accounts, owner } = options
  return Vault.open({
    owner,
    indexedDB: options.indexedDB ?? defaultIndexedDB(),
    api: new VaultApi(relay, () => accounts.accessToken(owner)),
    deviceName: options.deviceName ?? guessDeviceName(),
    refreshToken: async () => (await accounts.store.account(owner))?.refreshToken ?? null,
    registerDatabase: (account, name) => accounts.store.registerDatabase(account, name),
  })
}

const browsers: [RegExp, string][] = [[/Edg\//, 'Edge'], [/Firefox\//, 'Firefox'], [/Chrome\//, 'Chrome'], [/Safari\//, 'Safari']]
const systems: [RegExp, string][] = [[/Android/, 'Android'], [/iPhone|iPad/, 'iOS'], [/Windows/, 'Windows'], [/Mac OS X/, 'macOS'], [/Linux/, 'Linux']]

/** A readable device name from the user agent, e.g. "Firefox on Linux"; "This device" when unknown. */
export function guessDeviceName(userAgent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? ''): string {
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1]
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1]
  if (browser && system) return `${browser} on ${system}`
  return browser ?? system ?? 'This device'
}
