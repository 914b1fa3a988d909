/**
 * `AccountStore`: the port through which the auth, profile and avatar routes reach account
 * data. Every operation that must not race (creating a user with a unique email, consuming a
 * single-use token, rotating a refresh token) is one call, so each backend can make it atomic
 * (a serialized write in lowdb, a transaction in PostgreSQL). Secrets never reach the store in
 * clear: tokens arrive as SHA-256 hashes, passwords as encoded hashes.
 *
 * Every implementation must pass `test/contracts/account-store.contract.ts`.
 */
import type { Result, UserId } from '@ferry/protocol'

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
  | { readonly status: 'rotated'; readonly userId: UserId }
  | { readonly status: 'reused'; readonly userId: UserId }
  | { readonly status: 'invalid' }

/** A normalised avatar image (WebP, at most a few tens of KiB). */
export interface Avatar {
  readonly bytes: Uint8Array
  readonly etag: string
}

export type CreateUserError = 'email_taken' | 'identity_taken'

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
  /** Revokes the family the token belongs to (signing out that session). False if unknown. */
  revokeRefreshFamily(hash: string): Promise<boolean>
  /** Revokes every refresh token of the user (password reset). */
  revokeAllRefreshTokens(userId: UserId): Promise<void>

  /** Stores the avatar and sets the user's `avatarEtag`; false when the user does not exist. */
  putAvatar(userId: UserId, avatar: Avatar): Promise<boolean>
  getAvatar(userId: UserId): Promise<Avatar | null>
}
