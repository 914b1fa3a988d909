/**
 * The embedded `AccountStore`: one JSON file (`accounts.json`) held in memory by lowdb and
 * rewritten atomically and durably after each change, plus one WebP file per avatar.
 *
 * Writes are serialized through one queue, so each mutation (check, change, write) is atomic
 * with respect to the others; when a write fails the in-memory copy is reloaded from disk, so
 * nothing that failed to persist stays visible. Reads are served from memory.
 * Expired tokens are pruned on every write.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { err, isUserId, ok, type Result, type UserId } from '@ferry/protocol'
import type { AccountStore } from '../account-store.ts'
import type { Avatar } from '../accounts/avatars.ts'
import type { LinkId, LinkRecord, LinkUseError, NewLink } from '../accounts/links.ts'
import type { RefreshToken, RotateOutcome } from '../accounts/sessions.ts'
import type { CreateUserError, Identity, NewUser, OneTimeToken, OneTimeTokenKind, UserPatch, UserRecord } from '../accounts/users.ts'
import type { DeviceId, DeviceRecord, NewDevice, NewVault, RecoveryUpdate, RestoredVault, VaultChain, VaultRecord, VaultRotation, VaultWriteError } from '../accounts/vault.ts'
import { readFileIfThere } from '../files/fs-util.ts'
import { DurableJsonFile, writeFileAtomic } from './atomic-file.ts'
import * as links from './link-tables.ts'
import { own } from './own.ts'
import * as tokens from './token-tables.ts'
import * as vault from './vault-tables.ts'

const FORMAT_VERSION = 1

interface Data extends vault.VaultTables, links.LinkTables, tokens.TokenTables {
  version: number
  users: Record<string, UserRecord>
  /** Normalised email → user id. */
  emails: Record<string, UserId>
  /** `identityKey()` → user id. */
  identities: Record<string, UserId>
}

const emptyData = (): Data => ({ version: FORMAT_VERSION, users: {}, emails: {}, identities: {}, tokens: {}, refreshTokens: {} })

const identityKey = (identity: Identity): string => `${identity.provider}\n${identity.subject}`

export interface LowdbAccountStoreOptions {
  /** Directory for `accounts.json` and `avatars/`; created if missing. */
  dir: string
}

export class LowdbAccountStore implements AccountStore {
  readonly #db: Low<Data>
  readonly #avatarDir: string
  #queue: Promise<unknown> = Promise.resolve()
  #closed = false
  /** Live refresh families (session id → user and latest expiry), rebuilt after each write; checked on every authenticated call. */
  #families: Map<string, tokens.LiveFamily> | null = null

  private constructor(db: Low<Data>, avatarDir: string) {
    this.#db = db
    this.#avatarDir = avatarDir
  }

  /** Opens (or creates) the store in `dir`. Rejects if the file is corrupt or from a newer relay. */
  static async open(options: LowdbAccountStoreOptions): Promise<LowdbAccountStore> {
    const avatarDir = join(options.dir, 'avatars')
    await mkdir(avatarDir, { recursive: true, mode: 0o700 })
    const db = new Low<Data>(new DurableJsonFile<Data>(join(options.dir, 'accounts.json')), emptyData())
    await db.read()
    if (db.data.version !== FORMAT_VERSION) {
      throw new Error(`accounts.json has format version ${db.data.version}; this relay reads version ${FORMAT_VERSION}`)
    }
    return new LowdbAccountStore(db, avatarDir)
  }

  /** Runs `change` and persists, one at a time. */
  #mutate<R>(change: (data: Data) => R | Promise<R>): Promise<R> {
    const run = async (): Promise<R> => {
      if (this.#closed) throw new Error('the account store is closed')
      const result = await change(this.#db.data)
      tokens.prune(this.#db.data, Date.now())
      this.#families = null
      try {
        await this.#db.write()
      } catch (error) {
        await this.#db.read()
        this.#families = null
        throw error
      }
      return result
    }
    const next = this.#queue.then(run, run)
    this.#queue = next.catch(() => undefined)
    return next
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('the account store is closed')
  }

  async close(): Promise<void> {
    await this.#queue
    this.#closed = true
  }

  createUser(input: NewUser): Promise<Result<UserRecord, CreateUserError>> {
    return this.#mutate((data) => {
      if (own(data.users, input.id) !== undefined) throw new Error(`user id ${input.id} is already taken`)
      if (own(data.emails, input.email) !== undefined) return err('email_taken' as const)
      if (input.identity && own(data.identities, identityKey(input.identity)) !== undefined) return err('identity_taken' as const)
      const user: UserRecord = {
        id: input.id,
        email: input.email,
        name: input.name,
        emailConfirmed: input.emailConfirmed,
        passwordHash: input.passwordHash,
        avatarEtag: null,
        createdAt: input.createdAt,
      }
      data.users[user.id] = user
      data.emails[user.email] = user.id
      if (input.identity) data.identities[identityKey(input.identity)] = user.id
      return ok(user)
    })
  }

  async getUser(id: UserId): Promise<UserRecord | null> {
    return own(this.#db.data.users, id) ?? null
  }

  async listUsers(): Promise<UserRecord[]> {
    return Object.values(this.#db.data.users).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const id = own(this.#db.data.emails, email)
    return id === undefined ? null : this.getUser(id)
  }

  async findUserByIdentity(identity: Identity): Promise<UserRecord | null> {
    const id = own(this.#db.data.identities, identityKey(identity))
    return id === undefined ? null : this.getUser(id)
  }

  linkIdentity(userId: UserId, identity: Identity): Promise<Result<void, 'identity_taken' | 'no_user'>> {
    return this.#mutate((data) => {
      if (own(data.users, userId) === undefined) return err('no_user' as const)
      const key = identityKey(identity)
      const owner = own(data.identities, key)
      if (owner !== undefined && owner !== userId) return err('identity_taken' as const)
      data.identities[key] = userId
      return ok(undefined)
    })
  }

  updateUser(id: UserId, patch: UserPatch): Promise<UserRecord | null> {
    return this.#mutate((data) => {
      const user = own(data.users, id)
      if (user === undefined) return null
      const updated: UserRecord = { ...user, ...definedFields(patch) }
      data.users[id] = updated
      return updated
    })
  }

  deleteUser(id: UserId): Promise<boolean> {
    return this.#mutate((data) => {
      const user = own(data.users, id)
      if (user === undefined) return false
      delete data.users[id]
      delete data.emails[user.email]
      for (const [key, owner] of Object.entries(data.identities)) if (owner === id) delete data.identities[key]
      for (const [hash, token] of Object.entries(data.tokens)) if (token.userId === id) delete data.tokens[hash]
      return true
    })
  }

  async putToken(token: OneTimeToken): Promise<void> {
    await this.#mutate((data) => {
      data.tokens[token.hash] = { ...token }
    })
  }

  /**
   * Whether a token hash is unknown to the in-memory state: such a call changes nothing, so
   * it must not cost a rewrite of the whole file (anyone can send made-up tokens).
   */
  #unknown(table: Record<string, unknown>, hash: string): boolean {
    return own(table, hash) === undefined
  }

  async consumeToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<UserId | null> {
    if (this.#unknown(this.#db.data.tokens, hash)) return null
    return this.#mutate((data) => tokens.consumeToken(data, kind, hash, now))
  }

  async deleteTokens(userId: UserId, kind: OneTimeTokenKind): Promise<void> {
    await this.#mutate((data) => tokens.deleteTokens(data, userId, kind))
  }

  async createRefreshToken(token: RefreshToken): Promise<void> {
    await this.#mutate((data) => tokens.createRefreshToken(data, token))
  }

  async rotateRefreshToken(hash: string, next: { hash: string; expiresAt: number }, now: number): Promise<RotateOutcome> {
    if (this.#unknown(this.#db.data.refreshTokens, hash)) return { status: 'invalid' }
    return this.#mutate((data) => tokens.rotateRefreshToken(data, hash, next, now))
  }

  async revokeRefreshFamily(hash: string): Promise<UserId | null> {
    if (this.#unknown(this.#db.data.refreshTokens, hash)) return null
    return this.#mutate((data) => tokens.revokeRefreshFamily(data, hash))
  }

  async revokeAllRefreshTokens(userId: UserId): Promise<void> {
    await this.#mutate((data) => tokens.revokeAllRefreshTokens(data, userId))
  }

  async sessionLive(userId: UserId, familyId: string, now: number): Promise<boolean> {
    if (this.#closed) throw new Error('the account store is closed')
    this.#families ??= tokens.liveFamilies(this.#db.data)
    const family = this.#families.get(familyId)
    return family !== undefined && family.userId === userId && family.expiresAt > now
  }

  putAvatar(userId: UserId, avatar: Avatar): Promise<boolean> {
    return this.#mutate(async (data) => {
      const user = own(data.users, userId)
      if (user === undefined || !isUserId(userId)) return false
      await writeFileAtomic(this.#avatarPath(userId), avatar.bytes)
      data.users[userId] = { ...user, avatarEtag: avatar.etag }
      return true
    })
  }

  async getAvatar(userId: UserId): Promise<Avatar | null> {
    const etag = own(this.#db.data.users, userId)?.avatarEtag
    if (!etag || !isUserId(userId)) return null
    const bytes = await readFileIfThere(this.#avatarPath(userId))
    return bytes === null ? null : { bytes: new Uint8Array(bytes), etag }
  }

  /** The file goes before the etag: a crash in between leaves an etag without bytes, which reads as no avatar. */
  deleteAvatar(userId: UserId): Promise<boolean> {
    return this.#mutate(async (data) => {
      const user = own(data.users, userId)
      if (!isUserId(userId)) return false
      await rm(this.#avatarPath(userId), { force: true })
      if (user === undefined || user.avatarEtag === null) return false
      data.users[userId] = { ...user, avatarEtag: null }
      return true
    })
  }

  async registerDevice(device: NewDevice): Promise<DeviceRecord> {
    return this.#mutate((data) => {
      const session = device.sessionHash === null ? undefined : own(data.refreshTokens, device.sessionHash)
      return vault.registerDevice(data, device, session?.userId === device.userId ? session.familyId : null)
    })
  }

  async listDevices(userId: UserId): Promise<DeviceRecord[]> {
    return vault.listDevices(this.#db.data, userId)
  }

  async getDevice(userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null> {
    return vault.getDevice(this.#db.data, userId, deviceId)
  }

  renameDevice(userId: UserId, deviceId: DeviceId, name: string): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.renameDevice(data, userId, deviceId, name))
  }

  async getVault(userId: UserId): Promise<VaultRecord | null> {
    return vault.getVault(this.#db.data, userId)
  }

  async getVaultChain(userId: UserId): Promise<VaultChain | null> {
    return vault.getVaultChain(this.#db.data, userId)
  }

  createVault(userId: UserId, first: NewVault): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.createVault(data, userId, first))
  }

  approveDevice(
    userId: UserId,
    deviceId: DeviceId,
    approval: { generation: number; wrappedKey: string; now: number },
  ): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.approveDevice(data, userId, deviceId, approval))
  }

  revokeDevice(userId: UserId, deviceId: DeviceId, now: number): Promise<Result<DeviceRecord, VaultWriteError>> {
    return this.#mutate((data) => {
      const revoked = vault.revokeDevice(data, userId, deviceId, now)
      if (!revoked.ok) return revoked
      if (revoked.value.sessionFamily !== null) tokens.revokeFamily(data, revoked.value.sessionFamily)
      return ok(revoked.value.device)
    })
  }

  setRecoveryKey(userId: UserId, update: RecoveryUpdate): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.setRecoveryKey(data, userId, update))
  }

  rotateVault(userId: UserId, rotation: VaultRotation): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.rotateVault(data, userId, rotation))
  }

  restoreVault(userId: UserId, restored: RestoredVault): Promise<Result<VaultRecord, VaultWriteError>> {
    return this.#mutate((data) => vault.restoreVault(data, userId, restored))
  }

  deleteVault(userId: UserId): Promise<number> {
    return this.#mutate((data) => vault.deleteVault(data, userId))
  }

  createLink(link: NewLink): Promise<LinkRecord> {
    return this.#mutate((data) => links.createLink(data, link))
  }

  async listLinks(ownerId: UserId): Promise<LinkRecord[]> {
    return links.listLinks(this.#db.data, ownerId)
  }

  async findLinkByToken(tokenHash: string): Promise<LinkRecord | null> {
    return links.findLinkByToken(this.#db.data, tokenHash)
  }

  async useLink(tokenHash: string, now: number): Promise<Result<LinkRecord, LinkUseError>> {
    // A refusal changes nothing: answer it from memory, so guessed tokens cost no file write.
    const checked = links.checkLink(this.#db.data, tokenHash, now)
    if (!checked.ok) return checked
    return this.#mutate((data) => links.useLink(data, tokenHash, now))
  }

  revokeLink(ownerId: UserId, id: LinkId, now: number): Promise<LinkRecord | null> {
    return this.#mutate((data) => links.revokeLink(data, ownerId, id, now))
  }

  deleteLinks(ownerId: UserId): Promise<number> {
    return this.#mutate((data) => links.deleteLinks(data, ownerId))
  }

  #avatarPath(userId: UserId): string {
    return join(this.#avatarDir, `${userId}.webp`)
  }
}

function definedFields(patch: UserPatch): UserPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined))
}
