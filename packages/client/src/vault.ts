/**
 * The vault on this device: the account's vault key, which encrypts every environment and
 * global variable value (DESIGN.md "Secrets"). The relay holds it only wrapped — once per
 * approved device and once by the recovery key the user was shown — and never in clear.
 *
 * States: `no-vault` (the account has none yet: this device may create it), `locked` (this
 * device has no key: waiting for approval, revoked, or not yet checked with the relay) and
 * `unlocked`. Opening works offline from the keys this device already holds; `refresh()`
 * talks to the relay (registers the device, fetches newly approved or rotated keys).
 */
import { exportPublicKey, generateAesKey, generateRecoveryKey, toBase64Url } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { DeviceKeyStore, deviceKeysDatabase, type DeviceState, type HeldKey } from './device-keys.ts'
import { Emitter } from './emitter.ts'
import { RelayError } from './errors.ts'
import type { VaultApi, VaultDevice } from './vault-api.ts'
import { VaultError, VaultLocked } from './vault-errors.ts'
import { deviceFingerprint, unwrapForDevice, unwrapWithRecoveryKey, wrapForDevice, wrapWithRecoveryKey } from './vault-keys.ts'

export type VaultState =
  | { readonly kind: 'no-vault' }
  | { readonly kind: 'locked'; readonly reason: 'unchecked' | 'pending' | 'revoked' }
  | { readonly kind: 'unlocked'; readonly generation: number }

/** What rotation re-encrypts: each environments doc the account has (see `SecretEnvironments`). */
export interface Reencryptable {
  /** Re-seals every value under the vault's current key; answers how many values it rewrote. */
  reencrypt(): Promise<number>
}

export interface VaultOptions {
  readonly owner: UserId
  readonly indexedDB: IDBFactory
  readonly api: VaultApi
  /** How this device is listed on the user's other devices, e.g. "Firefox on Linux". */
  readonly deviceName: string
  /** The session's current refresh token: sent when registering, so revoking this device also signs it out. */
  readonly refreshToken?: () => Promise<string | null>
  /** Registers the device-key database with its account before it is created (so signing out wipes it). */
  readonly registerDatabase?: (owner: UserId, name: string) => Promise<void>
}

export class Vault {
  readonly owner: UserId
  readonly #options: VaultOptions
  readonly #store: DeviceKeyStore
  readonly #events = new Emitter<{ change: VaultState }>()
  readonly #keys = new Map<number, CryptoKey>()
  #device: DeviceState
  #state: VaultState

  private constructor(options: VaultOptions, store: DeviceKeyStore, device: DeviceState) {
    this.owner = options.owner
    this.#options = options
    this.#store = store
    this.#device = device
    this.#state = { kind: 'locked', reason: 'unchecked' }
  }

  /** Opens the vault from this device's stored keys, without the network. */
  static async open(options: VaultOptions): Promise<Vault> {
    await options.registerDatabase?.(options.owner, deviceKeysDatabase(options.owner))
    const store = await DeviceKeyStore.open(options.indexedDB, options.owner)
    const vault = new Vault(options, store, await store.load())
    for (const held of vault.#device.heldKeys) {
      const key = await vault.#unwrapHeld(held).catch(() => null)
      if (key) vault.#keys.set(held.generation, key)
    }
    vault.#updateState()
    return vault
  }

  get state(): VaultState {
    return this.#state
  }

  /** The relay's id for this device; null until the first `refresh()` online. */
  get deviceId(): string | null {
    return this.#device.deviceId
  }

  onChange(listener: (state: VaultState) => void): () => void {
    return this.#events.on('change', listener)
  }

  /** This device's public-key fingerprint, to compare with what the approving device shows. */
  async fingerprint(): Promise<string> {
    return deviceFingerprint(await this.#publicKey())
  }

  /** The current key and its generation; null while locked. */
  current(): { readonly generation: number; readonly key: CryptoKey } | null {
    return this.#state.kind === 'unlocked' ? { generation: this.#state.generation, key: this.#keys.get(this.#state.generation)! } : null
  }

  /** The key of an older or current generation, if this device holds it. */
  keyFor(generation: number): CryptoKey | undefined {
    return this.#keys.get(generation)
  }

  /**
   * Asks the relay for this device's standing: registers it (pending) on first contact, and
   * takes any vault key wrapped to it since (an approval, a rotation).
   * @throws RelayError (e.g. `Offline`); the state is then left as it was.
   */
  async refresh(): Promise<VaultState> {
    return this.#refresh(true)
  }

  async #refresh(mayReRegister: boolean): Promise<VaultState> {
    const deviceId = await this.#ensureRegistered()
    try {
      const wrapped = await this.#options.api.wrappedKey(deviceId)
      if (!this.#keys.has(wrapped.generation)) await this.#hold(wrapped)
      this.#updateState()
    } catch (error) {
      if (!(error instanceof RelayError)) throw error
      if (error.relayCode === 'unknown_device' && mayReRegister) {
        // The relay lost this device (restored from an old backup): start over as a new one.
        await this.#forgetDevice()
        return this.#refresh(false)
      }
      if (error.relayCode === 'device_revoked') await this.#forgetDevice()
      else if (error.relayCode !== 'device_pending') throw error
      const generation = await this.#options.api.generation()
      this.#setState(generation === null ? { kind: 'no-vault' } : error.relayCode === 'device_revoked' ? { kind: 'locked', reason: 'revoked' } : { kind: 'locked', reason: 'pending' })
    }
    return this.#state
  }

  /**
   * Creates the account's vault with this device as its first: answers the recovery key, to
   * show the user once (it is stored nowhere). Without it and without any device, secret
   * values cannot be recovered — say so when showing it.
   * @throws VaultError `vault_exists` when another device created one first.
   */
  async create(): Promise<string> {
    const deviceId = await this.#ensureRegistered()
    const vaultKey = await generateAesKey({ extractable: true })
    const recoveryKey = generateRecoveryKey()
    const wrappedKey = await wrapForDevice(vaultKey, await this.#publicKey(), this.owner, deviceId, 1)
    const recoveryWrappedKey = await wrapWithRecoveryKey(vaultKey, recoveryKey, this.owner, 1)
    try {
      await this.#options.api.create({ deviceId, wrappedKey, recoveryWrappedKey })
    } catch (error) {
      if (error instanceof RelayError && error.relayCode === 'vault_exists') {
        await this.refresh()
        throw new VaultError('vault_exists', 'This account already has a vault: approve this device from another one, or enter the recovery key.')
      }
      throw error
    }
    await this.#hold({ generation: 1, wrappedKey }, vaultKey)
    return recoveryKey
  }

  /**
   * Unlocks this device with the recovery key and approves it, so it stays unlocked.
   * @throws InvalidRecoveryKeyError (a typo), WrongRecoveryKey, VaultError `no_vault`.
   */
  async unlockWithRecoveryKey(recoveryKey: string): Promise<void> {
    const deviceId = await this.#ensureRegistered()
    let recovery
    try {
      recovery = await this.#options.api.recovery()
    } catch (error) {
      if (error instanceof RelayError && error.relayCode === 'no_vault') throw new VaultError('no_vault', 'This account has no vault yet.')
      throw error
    }
    const vaultKey = await unwrapWithRecoveryKey(recovery.wrappedKey, recoveryKey, this.owner, recovery.generation)
    const wrappedKey = await wrapForDevice(vaultKey, await this.#publicKey(), this.owner, deviceId, recovery.generation)
    await this.#options.api.approve(deviceId, { generation: recovery.generation, wrappedKey })
    await this.#hold({ generation: recovery.generation, wrappedKey }, vaultKey)
  }

  /** The account's devices (this one included; revoked ones too, for the record). */
  async devices(): Promise<(VaultDevice & { readonly current: boolean })[]> {
    return (await this.#options.api.devices()).map((device) => ({ ...device, current: device.id === this.#device.deviceId }))
  }

  /**
   * Approves a pending device by wrapping the vault key to its public key. Compare its
   * fingerprint (`deviceFingerprint`) on both screens first.
   * @throws VaultLocked when this device has no key.
   */
  async approve(deviceId: string): Promise<void> {
    this.#requireKey()
    const target = (await this.#options.api.devices()).find((device) => device.id === deviceId)
    if (!target) throw new RelayError('not_found', 'No such device in this account.', 404, 'unknown_device')
    const attempt = async () => {
      const current = this.#requireKey()
      const wrappedKey = await wrapForDevice(current.key, target.publicKey, this.owner, deviceId, current.generation)
      await this.#options.api.approve(deviceId, { generation: current.generation, wrappedKey })
    }
    try {
      await attempt()
    } catch (error) {
      if (!(error instanceof RelayError && error.relayCode === 'stale_generation')) throw error
      // Another device rotated since this one last looked: fetch the new key and wrap that.
      await this.refresh()
      await attempt()
    }
  }

  /**
   * True when revoking `deviceId` would leave no approved device, so that only the recovery
   * key could open the vault (and without it the secret values are lost): warn before.
   */
  async wouldLeaveNoDevice(deviceId: string): Promise<boolean> {
    return (await this.#options.api.devices()).every((device) => device.status !== 'approved' || device.id === deviceId)
  }

  /**
   * Revokes a device: the relay deletes its wrapped key and ends its session. It may still
   * hold the key it had; `rotate()` afterwards is what locks it out of values written later.
   */
  async revoke(deviceId: string): Promise<void> {
    await this.#options.api.revoke(deviceId)
    if (deviceId === this.#device.deviceId) await this.#forgetDevice()
  }

  /** Replaces the recovery key (the old one stops working); answers the new one, to show once. */
  async replaceRecoveryKey(): Promise<string> {
    const current = this.#requireKey()
    const recoveryKey = generateRecoveryKey()
    const wrappedKey = await wrapWithRecoveryKey(current.key, recoveryKey, this.owner, current.generation)
    await this.#options.api.setRecovery({ generation: current.generation, wrappedKey })
    return recoveryKey
  }

  /**
   * Rotates the vault key: a new generation wrapped for every approved device and by a new
   * recovery key (answered, to show once), then every value in `docs` re-encrypted under it.
   * @throws VaultLocked; VaultError `vault_conflict` when devices changed meanwhile (retry).
   */
  async rotate(docs: readonly Reencryptable[]): Promise<string> {
    const current = this.#requireKey()
    const generation = current.generation + 1
    const vaultKey = await generateAesKey({ extractable: true })
    const approved = (await this.#options.api.devices()).filter((device) => device.status === 'approved')
    const wrappedKeys = await Promise.all(
      approved.map(async (device) => ({ deviceId: device.id, wrappedKey: await wrapForDevice(vaultKey, device.publicKey, this.owner, device.id, generation) })),
    )
    const own = wrappedKeys.find((entry) => entry.deviceId === this.#device.deviceId)
    if (!own) throw new VaultLocked('This device is no longer approved.')
    const recoveryKey = generateRecoveryKey()
    const recoveryWrappedKey = await wrapWithRecoveryKey(vaultKey, recoveryKey, this.owner, generation)
    try {
      await this.#options.api.rotate({ generation, wrappedKeys, recoveryWrappedKey })
    } catch (error) {
      if (error instanceof RelayError && error.status === 409) throw new VaultError('vault_conflict', 'The devices or the key changed meanwhile; try again.')
      throw error
    }
    await this.#hold({ generation, wrappedKey: own.wrappedKey }, vaultKey)
    for (const doc of docs) await doc.reencrypt()
    return recoveryKey
  }

  /** Closes the device-key database. */
  close(): void {
    this.#events.clear()
    this.#store.close()
  }

  #requireKey(): { generation: number; key: CryptoKey } {
    const current = this.current()
    if (!current) throw new VaultLocked()
    return current
  }

  async #publicKey(): Promise<string> {
    return toBase64Url(await exportPublicKey(this.#device.keyPair.publicKey))
  }

  async #ensureRegistered(): Promise<string> {
    if (this.#device.deviceId !== null) return this.#device.deviceId
    const refreshToken = (await this.#options.refreshToken?.()) ?? undefined
    const device = await this.#options.api.register({ name: this.#options.deviceName, publicKey: await this.#publicKey(), ...(refreshToken ? { refreshToken } : {}) })
    await this.#saveDevice({ ...this.#device, deviceId: device.id })
    return device.id
  }

  #unwrapHeld(held: HeldKey): Promise<CryptoKey> {
    return unwrapForDevice(held.wrappedKey, this.#device.keyPair.privateKey, this.owner, this.#device.deviceId ?? '', held.generation)
  }

  /** Keeps a key this device received (wrapped to itself) and unlocks with it. */
  async #hold(held: HeldKey, key?: CryptoKey): Promise<void> {
    this.#keys.set(held.generation, key ?? (await this.#unwrapHeld(held)))
    const heldKeys = [...this.#device.heldKeys.filter((k) => k.generation !== held.generation), held].sort((a, b) => a.generation - b.generation)
    await this.#saveDevice({ ...this.#device, heldKeys })
    this.#updateState()
  }

  /** This device was revoked (or lost by the relay): drop its keys and identity; it may register again as a new, pending device. */
  async #forgetDevice(): Promise<void> {
    this.#keys.clear()
    await this.#saveDevice(await DeviceKeyStore.freshState())
    this.#setState({ kind: 'locked', reason: 'revoked' })
  }

  async #saveDevice(state: DeviceState): Promise<void> {
    await this.#store.save(state)
    this.#device = state
  }

  #updateState(): void {
    const generations = [...this.#keys.keys()]
    if (generations.length > 0) this.#setState({ kind: 'unlocked', generation: Math.max(...generations) })
  }

  #setState(state: VaultState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return
    this.#state = state
    this.#events.emit('change', state)
  }
}
