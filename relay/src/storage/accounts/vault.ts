/**
 * `VaultStore`: the devices of each account's variable vault and the vault key as wrapped for
 * them and for the recovery key. The relay only ever holds public keys and wrapped keys: it can
 * neither unwrap a vault key nor read a variable value. Each write that must not race (creating
 * the vault, approving, revoking, rotating) is one call, atomic in every backend.
 *
 * Every implementation must pass `test/contracts/vault-store.contract.ts`.
 */
import type { Result, UserId } from '@ferry/protocol'

/** A device (browser profile) in an account's vault: 22-char base64url, random. */
export type DeviceId = string & { readonly __brand: 'DeviceId' }

/** `pending` until another device (or the recovery key) approves it; `revoked` is final. */
export type DeviceStatus = 'pending' | 'approved' | 'revoked'

/**
 * A device as the vault stores it. The relay only ever holds public keys and wrapped keys: it
 * can neither unwrap a vault key nor read a variable value.
 */
export interface DeviceRecord {
  readonly id: DeviceId
  readonly userId: UserId
  readonly name: string
  /** The device's ECDH P-256 public key, 65 bytes uncompressed, base64url. */
  readonly publicKey: string
  readonly status: DeviceStatus
  /** The vault key wrapped to `publicKey` (base64url envelope); null unless approved. */
  readonly wrappedKey: string | null
  /** The vault key generation `wrappedKey` holds; null unless approved. */
  readonly generation: number | null
  readonly createdAt: number
  readonly approvedAt: number | null
  readonly revokedAt: number | null
}

export interface NewDevice {
  readonly id: DeviceId
  readonly userId: UserId
  readonly name: string
  readonly publicKey: string
  /**
   * SHA-256 (hex) of a refresh token of the session the device runs in, or null. The store
   * remembers that token's family, so revoking the device also signs that session out.
   */
  readonly sessionHash: string | null
  readonly createdAt: number
}

/** An account's vault: which key generation is current and that key wrapped by the recovery key. */
export interface VaultRecord {
  /** Starts at 1 and grows by one on each rotation. */
  readonly generation: number
  /** base64url envelope of the vault key under the recovery key. */
  readonly recoveryWrappedKey: string
  /**
   * The client's proof that a holder of this generation's key wrote `recoveryWrappedKey`
   * (docs/decisions.md "Vault key chain"); opaque to the relay. Null for vaults written before it.
   */
  readonly recoveryTag: string | null
}

/** A recovery-wrapped key as it was stored at some point (the current one or one replaced since). */
export type RecoveryEntry = VaultRecord

/** Recovery-wrapped keys kept after being replaced, per account: the newest ones, the oldest dropped first. */
export const MAX_RECOVERY_HISTORY = 64

/**
 * The public record of an account's vault key chain, for devices to verify: every generation's
 * link (written once, by the rotation that made it; none for generations made before links
 * existed) and the recovery-wrapped keys, current first, then those replaced since, newest first.
 */
export interface VaultChain {
  readonly generation: number
  /** Oldest first. */
  readonly links: readonly { readonly generation: number; readonly link: string }[]
  readonly recoveries: readonly RecoveryEntry[]
}

/** The first generation of a vault. `link` and `recoveryTag` are opaque; absent from older clients. */
export interface NewVault {
  readonly deviceId: DeviceId
  readonly wrappedKey: string
  readonly recoveryWrappedKey: string
  readonly recoveryTag?: string
  readonly link?: string
  readonly now: number
}

/** A replacement recovery-wrapped key for the current generation. */
export interface RecoveryUpdate {
  readonly generation: number
  readonly recoveryWrappedKey: string
  readonly recoveryTag?: string
}

/**
 * Why a vault write was refused:
 * - `no_vault` / `vault_exists`: the account has no vault yet / already has one.
 * - `no_device`: no such device in this account. `device_revoked`: it was revoked.
 * - `stale_generation`: the write names a key generation that is not the current one (for a
 *   rotation: not current + 1), so another device rotated in between.
 * - `devices_changed`: a rotation did not wrap the new key for exactly the approved devices.
 */
export type VaultWriteError = 'no_vault' | 'vault_exists' | 'no_device' | 'device_revoked' | 'stale_generation' | 'devices_changed'

/** A new vault key generation: wrapped for every approved device and by the recovery key. */
export interface VaultRotation {
  readonly generation: number
  readonly wrappedKeys: Readonly<Record<DeviceId, string>>
  readonly recoveryWrappedKey: string
  readonly recoveryTag?: string
  /** The new generation's chain link (opaque); stored once, never replaced. */
  readonly link?: string
}


/**
 * A vault as an account backup holds it (docs/BACKUP.md), to install into an account that has
 * none: its recovery wraps (the current one first: its generation is the vault's), its chain
 * links and its devices. Devices keep their ids, so a browser that held the vault goes on
 * unlocking with its own key; their sessions are not restored (revoking one later signs nobody out).
 */
export interface RestoredVault {
  readonly recoveries: readonly RecoveryEntry[]
  readonly links: readonly { readonly generation: number; readonly link: string }[]
  readonly devices: readonly Omit<DeviceRecord, 'userId'>[]
}

/** True when a rotation wraps the new key for exactly `approved` (no device left out, none extra). Every backend decides by this. */
export function wrapsExactly(approved: readonly string[], wrappedKeys: Readonly<Record<string, string>>): boolean {
  return Object.keys(wrappedKeys).length === approved.length && approved.every((id) => Object.hasOwn(wrappedKeys, id))
}

/** The port of the vault routes. */
export interface VaultStore {
  /** Adds a `pending` device. */
  registerDevice(device: NewDevice): Promise<DeviceRecord>
  /** Every device of the user, revoked ones included, oldest first. */
  listDevices(userId: UserId): Promise<DeviceRecord[]>
  getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null>
  getVault(userId: UserId): Promise<VaultRecord | null>
  /** The vault's links and recovery history (see `VaultChain`); null without a vault. */
  getVaultChain(userId: UserId): Promise<VaultChain | null>
  /** Gives a device another name (what its owner calls it in the list); a revoked device keeps its name. */
  renameDevice(userId: UserId, deviceId: DeviceId, name: string): Promise<Result<DeviceRecord, VaultWriteError>>
  /** Creates the vault at generation 1 (with its link, if given) and approves its first device in the same step. */
  createVault(userId: UserId, first: NewVault): Promise<Result<VaultRecord, VaultWriteError>>
  /** Stores the vault key wrapped to a pending (or re-wraps for an approved) device; `generation` must be current. */
  approveDevice(
    userId: UserId,
    deviceId: DeviceId,
    approval: { generation: number; wrappedKey: string; now: number },
  ): Promise<Result<DeviceRecord, VaultWriteError>>
  /**
   * Deletes the device's wrapped key, marks it revoked and revokes the refresh-token family it
   * registered with, all in one step. Revoking twice succeeds and changes nothing.
   */
  revokeDevice(userId: UserId, deviceId: DeviceId, now: number): Promise<Result<DeviceRecord, VaultWriteError>>
  /** Replaces the recovery-wrapped key (the replaced one goes to the history); `generation` must be current. */
  setRecoveryKey(userId: UserId, update: RecoveryUpdate): Promise<Result<VaultRecord, VaultWriteError>>
  /**
   * Swaps in a new key generation (current + 1) for every approved device and the recovery key
   * at once, and stores its link; the replaced recovery-wrapped key goes to the history.
   */
  rotateVault(userId: UserId, rotation: VaultRotation): Promise<Result<VaultRecord, VaultWriteError>>
  /**
   * Installs a vault from a backup into an account without one, in one step (`vault_exists`
   * otherwise, and nothing is written). A device whose id is taken already (registered since,
   * or anyone's) keeps its record and the backup's copy is left out; so are replaced recovery
   * wraps beyond the newest `MAX_RECOVERY_HISTORY`.
   */
  restoreVault(userId: UserId, restored: RestoredVault): Promise<Result<VaultRecord, VaultWriteError>>
  /**
   * Deletes the account's vault, its chain and recovery history and every device (account
   * deletion); answers how many devices there were.
   */
  deleteVault(userId: UserId): Promise<number>
}
