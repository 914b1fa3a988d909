/**
 * Sessions: an access token (short-lived JWT) plus a refresh token. Each sign-in starts a
 * refresh-token family; each refresh spends the presented token and issues its successor in
 * the same family. Replaying a spent token revokes the family, so a stolen refresh token
 * stops working for both the thief and the victim as soon as either uses it twice.
 */
import { Type, type Static } from '@sinclair/typebox'
import { forbidden } from '../errors.ts'
import type { AccessTokens } from './access-tokens.ts'
import type { SessionStore } from '../storage/accounts/sessions.ts'
import type { UserRecord, UserStore } from '../storage/accounts/users.ts'
import { publicUser, PublicUserSchema } from './public-user.ts'
import { hashSecret, newFamilyId, newSecret } from './secrets.ts'

export const LoginResponseSchema = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  /** Seconds until `accessToken` expires. */
  expiresIn: Type.Integer(),
  user: PublicUserSchema,
})
export type LoginResponse = Static<typeof LoginResponseSchema>

export interface SessionOptions {
  users: UserStore
  sessions: SessionStore
  accessTokens: AccessTokens
  publicUrl: string
  accessTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
}

export class Sessions {
  constructor(private readonly options: SessionOptions) {}

  /** Signs `user` in: a new refresh-token family, which is the session its access tokens name. */
  async start(user: UserRecord): Promise<LoginResponse> {
    const { refresh, familyId } = await this.#create(user)
    await this.#refuseDisabled(await this.options.users.getUser(user.id), refresh.hash)
    return this.#response(user, familyId, refresh.token, Date.now())
  }

  /**
   * A disabled account (`ferry-relay users disable`) gets no session. Checked on the user read
   * after the session was made, so a disable racing the sign-in ends that session too.
   */
  async #refuseDisabled(now: UserRecord | null, refreshHash: string): Promise<void> {
    if (now?.disabled !== true) return
    await this.options.sessions.revokeRefreshFamily(refreshHash)
    throw forbidden("This account is disabled by the relay's operator.", 'account_disabled')
  }

  /**
   * Starts a session for a user who just proved `user.passwordHash` — unless the password
   * changed meanwhile: a sign-in that checked the old password while a reset stored the new one
   * (and ended every session) must not outlive that reset. The session is made first and the
   * password read after, so a reset either ends it or is seen here; null then.
   */
  async startWithPassword(user: UserRecord): Promise<LoginResponse | null> {
    const { refresh, familyId } = await this.#create(user)
    const now = await this.options.users.getUser(user.id)
    await this.#refuseDisabled(now, refresh.hash)
    if (now?.passwordHash !== user.passwordHash) {
      await this.options.sessions.revokeRefreshFamily(refresh.hash)
      return null
    }
    return this.#response(user, familyId, refresh.token, Date.now())
  }

  async #create(user: UserRecord): Promise<{ refresh: ReturnType<typeof newSecret>; familyId: string }> {
    const refresh = newSecret()
    const familyId = newFamilyId()
    await this.options.sessions.createRefreshToken({ hash: refresh.hash, userId: user.id, familyId, expiresAt: this.#refreshExpiry() })
    return { refresh, familyId }
  }

  /**
   * Rotates `refreshToken`; null when it is unknown, expired, revoked or replayed. A replay
   * ends the session, so its sockets close and its access tokens stop working.
   */
  async refresh(refreshToken: string): Promise<LoginResponse | null> {
    const next = newSecret()
    const outcome = await this.options.sessions.rotateRefreshToken(
      hashSecret(refreshToken),
      { hash: next.hash, expiresAt: this.#refreshExpiry() },
      Date.now(),
    )
    if (outcome.status === 'reused') this.options.accessTokens.sessionsEnded(outcome.userId)
    if (outcome.status !== 'rotated') return null
    const user = await this.options.users.getUser(outcome.userId)
    if (user?.disabled === true) await this.options.sessions.revokeRefreshFamily(next.hash)
    return user === null || user.disabled === true ? null : this.#response(user, outcome.familyId, next.token)
  }

  /** Signs out the session `refreshToken` belongs to (its sockets close at once). Unknown tokens are ignored. */
  async end(refreshToken: string): Promise<void> {
    const userId = await this.options.sessions.revokeRefreshFamily(hashSecret(refreshToken))
    if (userId !== null) this.options.accessTokens.sessionsEnded(userId)
  }

  #refreshExpiry(): number {
    return Date.now() + this.options.refreshTokenTtlSeconds * 1000
  }

  /** `signedInAt` for a sign-in (its access token says when); none for a refresh. */
  #response(user: UserRecord, sessionId: string, refreshToken: string, signedInAt?: number): LoginResponse {
    return {
      accessToken: this.options.accessTokens.issue(user.id, sessionId, signedInAt),
      refreshToken,
      expiresIn: this.options.accessTokenTtlSeconds,
      user: publicUser(user, this.options.publicUrl),
    }
  }
}
