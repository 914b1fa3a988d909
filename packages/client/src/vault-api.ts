/**
 * The relay's `/v1/vault/…` routes, typed. Failures are the relay API's typed errors
 * (`RelayError` and subclasses; `relayCode` carries the relay's code, e.g. `device_revoked`).
 */
import { RelayError } from './errors.ts'
import type { RelayApi } from './relay-api.ts'

export type DeviceStatus = 'pending' | 'approved' | 'revoked'

/** A device as the relay lists it. Times are ms since the epoch. */
export interface VaultDevice {
  readonly id: string
  readonly name: string
  /** ECDH P-256 public key, 65 bytes uncompressed, base64url. */
  readonly publicKey: string
  readonly status: DeviceStatus
  readonly createdAt: number
  readonly approvedAt: number | null
  readonly revokedAt: number | null
}

export interface WrappedVaultKey {
  readonly generation: number
  readonly wrappedKey: string
}

/** A recovery-wrapped vault key with its tag (null when written before tags existed). */
export interface RecoveryWrap extends WrappedVaultKey {
  readonly tag: string | null
}

/** The relay's record of the vault key chain: the current generation and the links it holds (generation → encoded link). */
export interface VaultChainRecord {
  readonly generation: number
  readonly links: ReadonlyMap<number, string>
}

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const unexpected = (what: string) => new RelayError('unexpected', `The relay sent an unexpected answer (${what}).`, 200)
const statuses: readonly unknown[] = ['pending', 'approved', 'revoked']
const time = (v: unknown): number | null => (typeof v === 'number' ? v : null)

function parseDevice(v: unknown): VaultDevice {
  if (!isObject(v) || typeof v.id !== 'string' || typeof v.name !== 'string' || typeof v.publicKey !== 'string' || !statuses.includes(v.status)) {
    throw unexpected('device')
  }
  return {
    id: v.id,
    name: v.name,
    publicKey: v.publicKey,
    status: v.status as DeviceStatus,
    createdAt: time(v.createdAt) ?? 0,
    approvedAt: time(v.approvedAt),
    revokedAt: time(v.revokedAt),
  }
}

function parseRecoveryWrap(v: unknown): RecoveryWrap {
  if (!isObject(v) || typeof v.recoveryWrappedKey !== 'string') throw unexpected('recovery key')
  return { generation: generationOf(v), wrappedKey: v.recoveryWrappedKey, tag: typeof v.recoveryTag === 'string' ? v.recoveryTag : null }
}

function generationOf(v: unknown): number {
  if (!isObject(v) || !Number.isInteger(v.generation)) throw unexpected('generation')
  return v.generation as number
}

export class VaultApi {
  readonly #relay: RelayApi
  readonly #token: () => Promise<string>

  /** `token` answers a fresh access token for the account (e.g. `accounts.accessToken(id)`). */
  constructor(relay: RelayApi, token: () => Promise<string>) {
    this.#relay = relay
    this.#token = token
  }

  async #call(method: string, path: string, body?: Json): Promise<unknown> {
    return this.#relay.call(method, path, await this.#token(), body)
  }

  /** The current key generation, or null when the account has no vault yet. */
  async generation(): Promise<number | null> {
    const body = await this.#call('GET', '/v1/vault')
    return isObject(body) && body.generation === null ? null : generationOf(body)
  }

  async create(input: { deviceId: string; wrappedKey: string; recoveryWrappedKey: string; recoveryTag: string; link: string }): Promise<number> {
    return generationOf(await this.#call('POST', '/v1/vault', { ...input }))
  }

  /** Registers this device as pending; `refreshToken` ties its session, so revoking the device signs it out. */
  async register(input: { name: string; publicKey: string; refreshToken?: string }): Promise<VaultDevice> {
    return parseDevice(await this.#call('POST', '/v1/vault/devices', { ...input }))
  }

  async devices(): Promise<VaultDevice[]> {
    const body = await this.#call('GET', '/v1/vault/devices')
    if (!isObject(body) || !Array.isArray(body.devices)) throw unexpected('devices')
    return body.devices.map(parseDevice)
  }

  async approve(deviceId: string, key: WrappedVaultKey): Promise<VaultDevice> {
    return parseDevice(await this.#call('POST', `/v1/vault/devices/${encodeURIComponent(deviceId)}/approve`, { ...key }))
  }

  /** Names a device of the account as its owner calls it. */
  async rename(deviceId: string, name: string): Promise<VaultDevice> {
    return parseDevice(await this.#call('PATCH', `/v1/vault/devices/${encodeURIComponent(deviceId)}`, { name }))
  }

  async revoke(deviceId: string): Promise<void> {
    await this.#call('DELETE', `/v1/vault/devices/${encodeURIComponent(deviceId)}`)
  }

  /** The vault key wrapped to `deviceId`. @throws RelayError with relayCode `device_pending`, `device_revoked` or `unknown_device`. */
  async wrappedKey(deviceId: string): Promise<WrappedVaultKey> {
    const body = await this.#call('GET', `/v1/vault/devices/${encodeURIComponent(deviceId)}/key`)
    if (!isObject(body) || typeof body.wrappedKey !== 'string') throw unexpected('wrapped key')
    return { generation: generationOf(body), wrappedKey: body.wrappedKey }
  }

  /** The current recovery wrap first, then those it replaced, newest first. */
  async recovery(): Promise<RecoveryWrap[]> {
    const body = await this.#call('GET', '/v1/vault/recovery')
    const current = parseRecoveryWrap(body)
    const earlier = isObject(body) && Array.isArray(body.earlier) ? body.earlier.map(parseRecoveryWrap) : []
    return [current, ...earlier]
  }

  async setRecovery(key: { generation: number; wrappedKey: string; tag: string }): Promise<void> {
    await this.#call('PUT', '/v1/vault/recovery', { generation: key.generation, recoveryWrappedKey: key.wrappedKey, recoveryTag: key.tag })
  }

  async chain(): Promise<VaultChainRecord> {
    const body = await this.#call('GET', '/v1/vault/chain')
    if (!isObject(body) || !Array.isArray(body.links)) throw unexpected('chain')
    const links = new Map<number, string>()
    for (const entry of body.links) {
      if (!isObject(entry) || typeof entry.link !== 'string') throw unexpected('chain link')
      links.set(generationOf(entry), entry.link)
    }
    return { generation: generationOf(body), links }
  }

  async rotate(input: {
    generation: number
    wrappedKeys: { deviceId: string; wrappedKey: string }[]
    recoveryWrappedKey: string
    recoveryTag: string
    link: string
  }): Promise<number> {
    return generationOf(await this.#call('POST', '/v1/vault/rotate', { ...input }))
  }
}
