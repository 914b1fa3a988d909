/**
 * The vault on this device: the account's vault key, which encrypts every environment and
 * global variable value (DESIGN.md "Secrets"). The relay holds it only wrapped — once per
 * approved device and once by the recovery key the user was shown — and never in clear.
 *
 * States: `no-vault` (the account has none yet: this device may create it), `locked` (this
 * device has no key: waiting for approval, revoked, or not yet checked with the relay) and
 * `unlocked`. Opening works offline from the keys this device already holds; `refresh()`
 * talks to the relay (registers the device, fetches newly approved or rotated keys).
 *
 * A new key generation is used only once this device has traced it back, link by link, to a
 * key it holds (`vault-chain.ts`, docs/decisions.md "Vault key chain"). One it cannot trace is
 * refused: the state says so (`untrusted`), the device keeps its key and re-encrypts nothing.
 * New generations are made in `vault-generation.ts`, the recovery wraps read and written in
 * `vault-recovery.ts`; the states are `vault-state.ts`.
 */
import { exportPublicKey, fromBase64Url, toBase64Url } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { DeviceKeyStore, deviceKeysDatabase, type DeviceState, type HeldKey } from './device-keys.ts'
import { Emitter } from './emitter.ts'
import { RelayError } from './errors.ts'
import type { RecoveryWrap, VaultApi, VaultDevice } from './vault-api.ts'
import { vaultKeyId, verifyGeneration, type ChainProblem } from './vault-chain.ts'
import { UntrustedVaultKey, VaultError, VaultLocked, WrongRecoveryKey } from './vault-errors.ts'
import { newGeneration } from './vault-generation.ts'
import { deviceFingerprint, shortFingerprint, unwrapForDevice, wrapForDevice } from './vault-keys.ts'
import { newRecoveryWrap, openRecovery, recoveryWrapTampered, supersedes } from './vault-recovery.ts'
import { unlockedState, type RefusedGeneration, type VaultState } from './vault-state.ts'

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
  #untrusted: RefusedGeneration | null = null
  #recoveryTampered = false

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

  /**
   * A short name of the current vault key (16 hex digits in groups of 4, from its key id), or
   * null while locked. After an approval both devices should show the same: a relay that handed
   * the new device a key of its own (which it can, until the vault has a chain link for the
   * current generation) would show up here.
   */
  async keyFingerprint(): Promise<string | null> {
    const current = this.current()
    return current && shortFingerprint(fromBase64Url(await vaultKeyId(current.key)))
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
      if (!this.#keys.has(wrapped.generation)) await this.#adopt(wrapped)
      else this.#untrusted = null
      this.#recoveryTampered = (await recoveryWrapTampered(this.owner, this.#options.api, this.#keys)) ?? this.#recoveryTampered
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
      if (error.relayCode === 'device_pending' && this.#keys.size > 0) {
        // Unlocked by the recovery key while the relay is at a generation it could not verify.
        const held = Math.max(...this.#keys.keys())
        this.#untrusted = generation !== null && generation > held ? { generation, problem: 'unverifiable' } : null
        this.#updateState()
        return this.#state
      }
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
    const made = await newGeneration({ owner: this.owner, generation: 1, recipients: [{ id: deviceId, publicKey: await this.#publicKey() }], parent: null })
    const { wrappedKey } = made.wrappedKeys[0]!
    try {
      await this.#options.api.create({ deviceId, wrappedKey, recoveryWrappedKey: made.recoveryWrappedKey, recoveryTag: made.recoveryTag, link: made.link })
    } catch (error) {
      if (error instanceof RelayError && error.relayCode === 'vault_exists') {
        await this.refresh()
        throw new VaultError('vault_exists', 'This account already has a vault: approve this device from another one, or enter the recovery key.')
      }
      throw error
    }
    await this.#hold({ generation: 1, wrappedKey }, made.key)
    return made.recoveryKey
  }

  /**
   * Unlocks this device with the recovery key and approves it, so it stays unlocked.
   *
   * The key is tried on the relay's current recovery wrap, then on those it replaced: an
   * earlier one counts only if nothing its key vouches for has replaced it since (a newer
   * recovery wrap of its generation, or a rotation), so a recovery key the user replaced stays
   * dead, while one swapped out by someone without the vault key still opens the vault. Then
   * the state says `recoveryTampered` (the relay's wrap was swapped) or `untrusted` (the relay
   * moved to a generation this key does not vouch for; the device is then not approved on the
   * relay, only unlocked here, until a device rotates past that generation).
   * @throws InvalidRecoveryKeyError (a typo), WrongRecoveryKey, VaultError `no_vault`.
   */
  async unlockWithRecoveryKey(recoveryKey: string): Promise<void> {
    const deviceId = await this.#ensureRegistered()
    let wraps: RecoveryWrap[]
    try {
      wraps = await this.#options.api.recovery()
    } catch (error) {
      if (error instanceof RelayError && error.relayCode === 'no_vault') throw new VaultError('no_vault', 'This account has no vault yet.')
      throw error
    }
    const found = await openRecovery(this.owner, wraps, recoveryKey)
    const current = wraps[0]!
    const { generation, key } = found
    if (found.index > 0 && (await supersedes(this.owner, this.#options.api, wraps.slice(0, found.index), generation, key))) {
      throw new WrongRecoveryKey('This recovery key was replaced by a newer one; enter the newest recovery key.')
    }
    const wrappedKey = await wrapForDevice(key, await this.#publicKey(), this.owner, deviceId, generation)
    this.#recoveryTampered = found.index > 0 && current.generation === generation
    if (current.generation === generation) await this.#options.api.approve(deviceId, { generation, wrappedKey })
    else this.#untrusted = { generation: current.generation, problem: 'unverifiable' }
    await this.#hold({ generation, wrappedKey }, key)
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
      // Another device rotated since this one last looked: fetch the new key and wrap that —
      // unless this device cannot verify it, and then it approves nobody with either key.
      await this.refresh()
      if (this.#untrusted) throw new UntrustedVaultKey(this.#untrusted.generation, this.#untrusted.problem)
      await attempt()
    }
  }

  /** Gives a device of this account another name (the list shows it on every device); needs no key. */
  async renameDevice(deviceId: string, name: string): Promise<void> {
    await this.#options.api.rename(deviceId, name)
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
    const { recoveryKey, wrappedKey, tag } = await newRecoveryWrap(this.owner, current.generation, current.key)
    await this.#options.api.setRecovery({ generation: current.generation, wrappedKey, tag })
    this.#recoveryTampered = false
    this.#updateState()
    return recoveryKey
  }

  /**
   * Rotates the vault key: a new generation wrapped for every approved device and by a new
   * recovery key (answered, to show once), then every value in `docs` re-encrypted under it.
   * Its link is vouched for by this device's newest verified key; when the relay is at a
   * generation this device refused, the new one skips it (and so ends it for every device).
   * @throws VaultLocked; VaultError `vault_conflict` when devices changed meanwhile (retry).
   */
  async rotate(docs: readonly Reencryptable[]): Promise<string> {
    await this.refresh()
    const current = this.#requireKey()
    const generation = Math.max(current.generation, (await this.#options.api.generation()) ?? 0) + 1
    const approved = (await this.#options.api.devices()).filter((device) => device.status === 'approved')
    if (!approved.some((device) => device.id === this.#device.deviceId)) throw new VaultLocked('This device is no longer approved.')
    const made = await newGeneration({ owner: this.owner, generation, recipients: approved, parent: current })
    const own = made.wrappedKeys.find((entry) => entry.deviceId === this.#device.deviceId)!
    const { wrappedKeys, recoveryWrappedKey, recoveryTag, link } = made
    try {
      await this.#options.api.rotate({ generation, wrappedKeys, recoveryWrappedKey, recoveryTag, link })
    } catch (error) {
      if (error instanceof RelayError && error.status === 409) throw new VaultError('vault_conflict', 'The devices or the key changed meanwhile; try again.')
      throw error
    }
    this.#untrusted = null
    this.#recoveryTampered = false
    await this.#hold({ generation, wrappedKey: own.wrappedKey }, made.key)
    for (const doc of docs) await doc.reencrypt()
    return made.recoveryKey
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

  /**
   * Takes a key generation the relay wrapped to this device only if it traces back to a key
   * this device holds (or, for its first key, to the vault's first link); keeps the keys of
   * the generations on the way too. Otherwise records the refusal and keeps what it has.
   */
  async #adopt(wrapped: HeldKey): Promise<void> {
    const held = [...this.#keys.keys()]
    if (held.length > 0 && wrapped.generation < Math.max(...held)) return
    let key: CryptoKey
    try {
      key = await this.#unwrapHeld(wrapped)
    } catch {
      return this.#refuse(wrapped.generation, 'unreadable_key')
    }
    const { links } = await this.#options.api.chain()
    const verdict = await verifyGeneration({ owner: this.owner, generation: wrapped.generation, key, links, trusted: this.#keys })
    if (!verdict.ok) return this.#refuse(wrapped.generation, verdict.problem)
    for (const [generation, proven] of [...verdict.keys].sort(([a], [b]) => a - b)) {
      if (generation === wrapped.generation || this.#keys.has(generation)) continue
      const wrappedKey = await wrapForDevice(proven, await this.#publicKey(), this.owner, this.#device.deviceId ?? '', generation)
      await this.#hold({ generation, wrappedKey }, proven)
    }
    this.#untrusted = null
    await this.#hold(wrapped, key)
  }

  #refuse(generation: number, problem: ChainProblem): void {
    this.#untrusted = { generation, problem }
    if (this.#keys.size === 0) this.#setState({ kind: 'locked', reason: 'pending', untrusted: this.#untrusted })
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
    this.#untrusted = null
    this.#recoveryTampered = false
    await this.#saveDevice(await DeviceKeyStore.freshState())
    this.#setState({ kind: 'locked', reason: 'revoked' })
  }

  async #saveDevice(state: DeviceState): Promise<void> {
    await this.#store.save(state)
    this.#device = state
  }

  #updateState(): void {
    const state = unlockedState([...this.#keys.keys()], this.#untrusted, this.#recoveryTampered)
    if (state) this.#setState(state)
  }

  #setState(state: VaultState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return
    this.#state = state
    this.#events.emit('change', state)
  }
}
