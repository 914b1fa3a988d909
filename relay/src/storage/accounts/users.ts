/**
 * `UserStore`: accounts (email, name, password hash, OIDC identities) and the single-use tokens
 * mailed to them or handed to an OIDC sign-in. Creating a user with a unique email and
 * consuming a token are each one call, so every backend makes them atomic. Tokens arrive as
 * SHA-256 hashes, passwords as encoded hashes: no secret reaches the store in clear.
 *
 * Every implementation must pass `test/contracts/user-store.contract.ts`.
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
  /** True once an operator disabled the account (`ferry-relay users disable`): it gets no session. Absent: false. */
  readonly disabled?: boolean
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

export type UserPatch = Partial<Pick<UserRecord, 'name' | 'emailConfirmed' | 'passwordHash' | 'disabled'>>

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


export type CreateUserError = 'email_taken' | 'identity_taken'

/** The port of the auth and profile routes. */
export interface UserStore {
  /** Creates the user unless the email (or the identity) already belongs to one. */
  createUser(input: NewUser): Promise<Result<UserRecord, CreateUserError>>
  getUser(id: UserId): Promise<UserRecord | null>
  /** Every user, oldest first (the operator's `ferry-relay users list`). */
  listUsers(): Promise<UserRecord[]>
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
  /**
   * Deletes the user, their OIDC identities and their single-use tokens (account deletion; the
   * other ports delete the rest first). The email is free for a new sign-up at once. False when
   * there was no such user.
   */
  deleteUser(id: UserId): Promise<boolean>
}
