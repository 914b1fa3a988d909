/**
 * `SessionStore`: refresh tokens, grouped in families (one per sign-in: a session). Rotation,
 * replay detection and revocation are each one call, so every backend makes them atomic. Token
 * values arrive as SHA-256 hashes.
 *
 * Every implementation must pass `test/contracts/session-store.contract.ts`.
 */
import type { UserId } from '@ferry/protocol'

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


/** The port of access-token checks and the session routes. */
export interface SessionStore {
  createRefreshToken(token: RefreshToken): Promise<void>
  /** Atomically spends `hash` and makes `next` live in its family; see {@link RotateOutcome}. */
  rotateRefreshToken(hash: string, next: { hash: string; expiresAt: number }, now: number): Promise<RotateOutcome>
  /** Revokes the family the token belongs to (signing out that session); answers its user, null if unknown. */
  revokeRefreshFamily(hash: string): Promise<UserId | null>
  /** Revokes every refresh token of the user (password reset, account deletion). */
  revokeAllRefreshTokens(userId: UserId): Promise<void>
  /**
   * True while the user's refresh family `familyId` (a session) is live at `now`: not revoked
   * and not expired. Access tokens name their session, and are checked with this on every use.
   */
  sessionLive(userId: UserId, familyId: string, now: number): Promise<boolean>
}
