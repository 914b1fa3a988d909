/**
 * `AccountStore`: the port through which the auth, profile and avatar routes reach account
 * data. Every operation that must not race (creating a user with a unique email, consuming a
 * single-use token, rotating a refresh token) is one call, so each backend can make it atomic
 * (a serialized write in lowdb, a transaction in PostgreSQL). Secrets never reach the store in
 * clear: tokens arrive as SHA-256 hashes, passwords as encoded hashes.
 *
 * Every implementation must pass `test/contracts/account-store.contract.ts`.
 */
import type { DocName, Result, UserId } from '@ferry/protocol'

/** An account as stored. `email` is normalised (trimmed, lower-case). Times are ms since the epoch. */
export interface UserRecord {
  readonly id: UserId
  readonly email: string
  readonly name: string
  readonly emailConfirmed: boolean
  /** Encoded password hash (see `auth/passwords.ts`); null for accounts made by OIDC sign-in. */
  readonly passwordHash: string | null
  /** Content tag of the current avatar; null when the user has none. */
  readonly avatarEtag: string | null
  readonly createdAt: number
}

/** A sign-in identity at an OpenID Connect provider: the provider's config id and its `sub`. */
export interface Identity {
  readonly provider: string
  readonly subject: string
}

export interface NewUser {
  readonly id: UserId
  readonly email: string
  readonly name: string
  readonly emailConfirmed: boolean
  readonly passwordHash: string | null
  /** Linked in the same atomic step, for accounts created by OIDC sign-in. */
  readonly identity?: Identity
  readonly createdAt: number
}

export type UserPatch = Partial<Pick<UserRecord, 'name' | 'emailConfirmed' | 'passwordHash'>>

/**
 * Single-use tokens: `confirm` (email confirmation, 24 h), `reset` (password reset, 30 min),
 * `oidc_code` (the one-time code that hands an OIDC sign-in to the client, 60 s).
 */
export type OneTimeTokenKind = 'confirm' | 'reset' | 'oidc_code'

export interface OneTimeToken {
  /** SHA-256 of the token, hex. */
  readonly hash: string
  readonly kind: OneTimeTokenKind
  readonly userId: UserId
  readonly expiresAt: number
}

/** A refresh token. Rotations descend from one sign-in and share its `familyId` (a session). */
export interface RefreshToken {
  /** SHA-256 of the token, hex. */
  readonly hash: string
  readonly userId: UserId
  readonly familyId: string
  readonly expiresAt: number
}

/**
 * - `rotated`: the token was live; it is now spent and `next` is live in the same family.
 * - `reused`: the token had already been rotated. Someone replayed it, so its whole family
 *   (every session descending from that sign-in) is now revoked.
 * - `invalid`: unknown, expired or revoked.
 */
export type RotateOutcome =
  | { readonly status: 'rotated'; readonly userId: UserId; readonly familyId: string }
  | { readonly status: 'reused'; readonly userId: UserId }
  | { readonly status: 'invalid' }

/** A normalised avatar image (WebP, at most a few tens of KiB). */
export interface Avatar {
  readonly bytes: Uint8Array
  readonly etag: string
}

export type CreateUserError = 'email_taken' | 'identity_taken'

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

/** A share link: 22-char base64url, random. Not a secret (the token is). */
export type LinkId = string & { readonly __brand: 'LinkId' }

/**
 * A read-only share link to one collection doc. The link token itself is never stored, only
 * its SHA-256. `uses` counts opens (see `links/` for what counts as one).
 */
export interface LinkRecord {
  readonly id: LinkId
  readonly ownerId: UserId
  readonly docName: DocName
  /** SHA-256 of the link token, hex. */
  readonly tokenHash: string
  /** Random key (base64url) the relay signs viewer passes with; useless without the token. */
  readonly passKey: string
  readonly createdAt: number
  /** ms since the epoch; null = never expires. */
  readonly expiresAt: number | null
  /** null = unlimited. */
  readonly maxUses: number | null
  readonly uses: number
  readonly revokedAt: number | null
}

export type NewLink = Omit<LinkRecord, 'uses' | 'revokedAt'>

/** Why a link cannot be used now; `unknown` when no link has that token. */
export type LinkUseError = 'unknown' | 'revoked' | 'expired' | 'used_up'

/** Why `link` cannot be used at `now`, or null when it is live. Every backend decides by this. */
export function linkUseError(link: LinkRecord, now: number): Exclude<LinkUseError, 'unknown'> | null {
  if (link.revokedAt !== null) return 'revoked'
  if (link.expiresAt !== null && link.expiresAt <= now) return 'expired'
  if (link.maxUses !== null && link.uses >= link.maxUses) return 'used_up'
  return null
}

/** True when a rotation wraps the new key for exactly `approved` (no device left out, none extra). Every backend decides by this. */
export function wrapsExactly(approved: readonly string[], wrappedKeys: Readonly<Record<string, string>>): boolean {
  return Object.keys(wrappedKeys).length === approved.length && approved.every((id) => Object.hasOwn(wrappedKeys, id))
}

export interface AccountStore {
  /** Resolves when the store can serve reads and writes; rejects with the reason otherwise. */
  ping(): Promise<void>
  /** Flushes pending writes and releases files or connections. */
  close(): Promise<void>

  /** Creates the user unless the email (or the identity) already belongs to one. */
  createUser(input: NewUser): Promise<Result<UserRecord, CreateUserError>>
  getUser(id: UserId): Promise<UserRecord | null>
  /** `email` must be normalised by the caller. */
  findUserByEmail(email: string): Promise<UserRecord | null>
  findUserByIdentity(identity: Identity): Promise<UserRecord | null>
  /** Links an identity to an existing user; fails if it already belongs to anyone. */
  linkIdentity(userId: UserId, identity: Identity): Promise<Result<void, 'identity_taken' | 'no_user'>>
  /** Applies the patch; null when the user does not exist. */
  updateUser(id: UserId, patch: UserPatch): Promise<UserRecord | null>

  putToken(token: OneTimeToken): Promise<void>
  /**
   * Deletes the token and returns its user, if it exists with this kind and has not expired
   * at `now`. A second call with the same hash returns null: tokens are single use.
   */
  consumeToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<UserId | null>
  /** Deletes every token of `kind` held by the user (a reset spends all pending reset links). */
  deleteTokens(userId: UserId, kind: OneTimeTokenKind): Promise<void>

  createRefreshToken(token: RefreshToken): Promise<void>
  /** Atomically spends `hash` and makes `next` live in its family; see {@link RotateOutcome}. */
  rotateRefreshToken(hash: string, next: { hash: string; expiresAt: number }, now: number): Promise<RotateOutcome>
  /** Revokes the family the token belongs to (signing out that session); answers its user, null if unknown. */
  revokeRefreshFamily(hash: string): Promise<UserId | null>
  /** Revokes every refresh token of the user (password reset). */
  revokeAllRefreshTokens(userId: UserId): Promise<void>
  /**
   * True while the user's refresh family `familyId` (a session) is live at `now`: not revoked
   * and not expired. Access tokens name their session, and are checked with this on every use.
   */
  sessionLive(userId: UserId, familyId: string, now: number): Promise<boolean>

  /** Stores the avatar and sets the user's `avatarEtag`; false when the user does not exist. */
  putAvatar(userId: UserId, avatar: Avatar): Promise<boolean>
  getAvatar(userId: UserId): Promise<Avatar | null>

  /** Adds a `pending` device. */
  registerDevice(device: NewDevice): Promise<DeviceRecord>
  /** Every device of the user, revoked ones included, oldest first. */
  listDevices(userId: UserId): Promise<DeviceRecord[]>
  getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null>
  getVault(userId: UserId): Promise<VaultRecord | null>
  /** The vault's links and recovery history (see `VaultChain`); null without a vault. */
  getVaultChain(userId: UserId): Promise<VaultChain | null>
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

  /** Stores a new link (with `uses` 0). */
  createLink(link: NewLink): Promise<LinkRecord>
  /** Every link the user made, revoked and expired ones included, oldest first. */
  listLinks(ownerId: UserId): Promise<LinkRecord[]>
  findLinkByToken(tokenHash: string): Promise<LinkRecord | null>
  /**
   * Counts one use of the link with this token hash, if it is live at `now` (not revoked, not
   * expired, uses left) — check and count in one atomic step, so concurrent opens never pass
   * `maxUses`. Answers the link after counting.
   */
  useLink(tokenHash: string, now: number): Promise<Result<LinkRecord, LinkUseError>>
  /** Marks the owner's link revoked (idempotent); null when the user has no such link. */
  revokeLink(ownerId: UserId, id: LinkId, now: number): Promise<LinkRecord | null>
}
