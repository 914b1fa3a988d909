/**
 * The scaled-out `AccountStore`: account data in PostgreSQL, shared by every relay instance
 * on the same database. Each operation the port makes atomic is one statement or one
 * transaction whose constraints and row locks keep it atomic across instances too (see the
 * modules it delegates to). The pool belongs to the caller: `close()` stops this store
 * serving and waits for its running calls, but leaves the pool open.
 */
import type pg from 'pg'
import type { Result, UserId } from '@ferry/protocol'
import type { AccountStore } from '../account-store.ts'
import type { Avatar } from '../accounts/avatars.ts'
import type { LinkId, LinkRecord, LinkUseError, NewLink } from '../accounts/links.ts'
import type { RefreshToken, RotateOutcome } from '../accounts/sessions.ts'
import type { CreateUserError, Identity, NewUser, OneTimeToken, OneTimeTokenKind, UserPatch, UserRecord } from '../accounts/users.ts'
import type { DeviceId, DeviceRecord, NewDevice, NewVault, RecoveryUpdate, RestoredVault, VaultChain, VaultRecord, VaultRotation, VaultWriteError } from '../accounts/vault.ts'
import { migrate } from './database.ts'
import { ACCOUNT_MIGRATIONS } from './pg-account-migrations.ts'
import * as links from './pg-links.ts'
import * as tokens from './pg-tokens.ts'
import * as users from './pg-users.ts'
import * as vault from './pg-vault.ts'
import { ServingGate } from './serving-gate.ts'

export class PgAccountStore implements AccountStore {
  readonly #pool: pg.Pool
  readonly #gate = new ServingGate(() => new Error('the account store is closed'))

  private constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  /** Brings the `accounts` tables up to date (safe when several instances start at once), then serves. */
  static async open(pool: pg.Pool): Promise<PgAccountStore> {
    await migrate(pool, 'accounts', ACCOUNT_MIGRATIONS)
    return new PgAccountStore(pool)
  }

  /** Runs `call` on the pool while the store serves. */
  #serve<T>(call: (pool: pg.Pool) => Promise<T>): Promise<T> {
    return this.#gate.run(() => call(this.#pool))
  }

  ping(): Promise<void> {
    return this.#serve(async (pool) => {
      await pool.query('SELECT 1')
    })
  }

  close(): Promise<void> {
    return this.#gate.close()
  }

  createUser(input: NewUser): Promise<Result<UserRecord, CreateUserError>> {
    return this.#serve((pool) => users.createUser(pool, input))
  }

  getUser(id: UserId): Promise<UserRecord | null> {
    return this.#serve((pool) => users.getUser(pool, id))
  }

  listUsers(): Promise<UserRecord[]> {
    return this.#serve((pool) => users.listUsers(pool))
  }

  findUserByEmail(email: string): Promise<UserRecord | null> {
    return this.#serve((pool) => users.findUserByEmail(pool, email))
  }

  findUserByIdentity(identity: Identity): Promise<UserRecord | null> {
    return this.#serve((pool) => users.findUserByIdentity(pool, identity))
  }

  linkIdentity(userId: UserId, identity: Identity): Promise<Result<void, 'identity_taken' | 'no_user'>> {
    return this.#serve((pool) => users.linkIdentity(pool, userId, identity))
  }

  updateUser(id: UserId, patch: UserPatch): Promise<UserRecord | null> {
    return this.#serve((pool) => users.updateUser(pool, id, patch))
  }

  deleteUser(id: UserId): Promise<boolean> {
    return this.#serve((pool) => users.deleteUser(pool, id))
  }

  putToken(token: OneTimeToken): Promise<void> {
    return this.#serve((pool) => tokens.putToken(pool, token))
  }

  consumeToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<UserId | null> {
    return this.#serve((pool) => tokens.consumeToken(pool, kind, hash, now))
  }

  deleteTokens(userId: UserId, kind: OneTimeTokenKind): Promise<void> {
    return this.#serve((pool) => tokens.deleteTokens(pool, userId, kind))
  }

  createRefreshToken(token: RefreshToken): Promise<void> {
    return this.#serve((pool) => tokens.createRefreshToken(pool, token))
  }

  rotateRefreshToken(hash: string, next: { hash: string; expiresAt: number }, now: number): Promise<RotateOutcome> {
    return this.#serve((pool) => tokens.rotateRefreshToken(pool, hash, next, now))
  }

  revokeRefreshFamily(hash: string): Promise<UserId | null> {
    return this.#serve((pool) => tokens.revokeRefreshFamily(pool, hash))
  }

  sessionLive(userId: UserId, familyId: string, now: number): Promise<boolean> {
    return this.#serve((pool) => tokens.sessionLive(pool, userId, familyId, now))
  }

  revokeAllRefreshTokens(userId: UserId): Promise<void> {
    return this.#serve((pool) => tokens.revokeAllRefreshTokens(pool, userId))
  }

  putAvatar(userId: UserId, avatar: Avatar): Promise<boolean> {
    return this.#serve((pool) => users.putAvatar(pool, userId, avatar))
  }

  getAvatar(userId: UserId): Promise<Avatar | null> {
    return this.#serve((pool) => users.getAvatar(pool, userId))
  }

  deleteAvatar(userId: UserId): Promise<boolean> {
    return this.#serve((pool) => users.deleteAvatar(pool, userId))
  }

  registerDevice(device: NewDevice): Promise<DeviceRecord> {
    return this.#serve((pool) => vault.registerDevice(pool, device))
  }

  listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return this.#serve((pool) => vault.listDevices(pool, userId))
  }

  getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null> {
    return this.#serve((pool) => vault.getDevice(pool, userId, deviceId))
  }

  renameDevice(userId: UserId, deviceId: DeviceId, name: string): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.renameDevice(pool, userId, deviceId, name))
  }

  getVault(userId: UserId): Promise<VaultRecord | null> {
    return this.#serve((pool) => vault.getVault(pool, userId))
  }

  getVaultChain(userId: UserId): Promise<VaultChain | null> {
    return this.#serve((pool) => vault.getVaultChain(pool, userId))
  }

  createVault(userId: UserId, first: NewVault): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.createVault(pool, userId, first))
  }

  approveDevice(
    userId: UserId,
    deviceId: DeviceId,
    approval: { generation: number; wrappedKey: string; now: number },
  ): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.approveDevice(pool, userId, deviceId, approval))
  }

  revokeDevice(userId: UserId, deviceId: DeviceId, now: number): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.revokeDevice(pool, userId, deviceId, now))
  }

  setRecoveryKey(userId: UserId, update: RecoveryUpdate): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.setRecoveryKey(pool, userId, update))
  }

  rotateVault(userId: UserId, rotation: VaultRotation): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.rotateVault(pool, userId, rotation))
  }

  restoreVault(userId: UserId, restored: RestoredVault): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#serve((pool) => vault.restoreVault(pool, userId, restored))
  }

  deleteVault(userId: UserId): Promise<number> {
    return this.#serve((pool) => vault.deleteVault(pool, userId))
  }

  createLink(link: NewLink): Promise<LinkRecord> {
    return this.#serve((pool) => links.createLink(pool, link))
  }

  listLinks(ownerId: UserId): Promise<LinkRecord[]> {
    return this.#serve((pool) => links.listLinks(pool, ownerId))
  }

  findLinkByToken(tokenHash: string): Promise<LinkRecord | null> {
    return this.#serve((pool) => links.findLinkByToken(pool, tokenHash))
  }

  useLink(tokenHash: string, now: number): Promise<Result<LinkRecord, LinkUseError>> {
    return this.#serve((pool) => links.useLink(pool, tokenHash, now))
  }

  revokeLink(ownerId: UserId, id: LinkId, now: number): Promise<LinkRecord | null> {
    return this.#serve((pool) => links.revokeLink(pool, ownerId, id, now))
  }

  deleteLinks(ownerId: UserId): Promise<number> {
    return this.#serve((pool) => links.deleteLinks(pool, ownerId))
  }
}
