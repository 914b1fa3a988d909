/**
 * Access tokens: short-lived (≤ 15 min) HS256 JWTs whose subject is the user id and whose
 * `sid` names the session that issued them (its refresh-token family). The algorithm is
 * pinned on both sides so a token can never choose how it is verified. The signing key comes
 * from `FERRY_JWT_SECRET` or a key file generated into the data dir.
 *
 * A token is only as good as its session: `check` (every authenticated route, every sync
 * upgrade) also asks the account store whether the session is still live, so signing out,
 * a password reset, a replayed refresh token or a revoked device refuse its tokens at once,
 * on every relay sharing the store. Tokens without a `sid` (issued before sessions were
 * checked) are refused; clients refresh on the 401 / 4401 and get one with a `sid`.
 * Whoever ends sessions calls `sessionsEnded(userId)`, so open sockets close too (sync).
 *
 * A token issued by a sign-in (not by a refresh) also carries `auth_time`, when that sign-in
 * happened: routes that want a recent sign-in (deleting an account without a password) read it
 * as `request.signedInAt`. Refreshed tokens carry none, so only the sign-in's own token counts.
 */
import { join } from 'node:path'
import fastifyJwt from '@fastify/jwt'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import { unauthorized } from '../errors.ts'
import { loadOrCreateKeyFile } from '../key-file.ts'
import type { SessionStore } from '../storage/accounts/sessions.ts'

export interface AccessTokenClaims {
  /** The user id. */
  userId: string
  /** The session (refresh-token family) that issued the token. */
  sessionId: string
  /** When the user signed in, ms since the epoch, for a token issued by the sign-in itself; null for a refreshed one. */
  signedInAt: number | null
}

export type SessionsEndedListener = (userId: UserId) => void

export interface AccessTokens {
  /** Signs a token for `userId` in session `sessionId`, valid for `accessTokenTtlSeconds`; `signedInAt` when a sign-in issues it. */
  issue(userId: string, sessionId: string, signedInAt?: number): string
  /** The token's claims, or null when it is missing, malformed, forged, expired or names no session. Does not look at the session. */
  verify(token: string): AccessTokenClaims | null
  /** Like `verify`, and null too when the token's session has ended. */
  check(token: string): Promise<AccessTokenClaims | null>
  /** Whether the user's session is still live. */
  sessionLive(userId: string, sessionId: string): Promise<boolean>
  /** Some sessions of `userId` ended (already in the store): tells the listeners (sync closes their sockets). */
  sessionsEnded(userId: UserId): void
  onSessionsEnded(listener: SessionsEndedListener): void
}

declare module 'fastify' {
  interface FastifyInstance {
    accessTokens: AccessTokens
  }
  interface FastifyRequest {
    /** Set by the `requireUser` pre-handler on authenticated routes. */
    userId: string
    /** Set by `requireUser`: the sign-in time the token carries (ms), null for a refreshed token. */
    signedInAt: number | null
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; sid?: string; auth_time?: number }
    user: { sub: string; sid?: string; auth_time?: number }
  }
}

const ALGORITHM = 'HS256'
/** Longest session id a token may carry (families are 22 characters). */
const MAX_SESSION_ID_LENGTH = 128

function signingKey(config: Config): string | Buffer {
  return config.jwtSecret ?? loadOrCreateKeyFile(join(config.dataDir, 'keys', 'jwt.key'), 32)
}

export default fp(
  async function accessTokens(app: FastifyInstance, opts: { config: Config; sessions: SessionStore }) {
    await app.register(fastifyJwt, {
      secret: signingKey(opts.config),
      sign: { algorithm: ALGORITHM, expiresIn: opts.config.accessTokenTtlSeconds },
      verify: { algorithms: [ALGORITHM] },
    })
    const listeners: SessionsEndedListener[] = []
    const verify = (token: string): AccessTokenClaims | null => {
      try {
        const { sub, sid, auth_time: authTime } = app.jwt.verify<{ sub: unknown; sid: unknown; auth_time?: unknown }>(token)
        if (typeof sub !== 'string' || sub.length === 0) return null
        if (typeof sid !== 'string' || sid.length === 0 || sid.length > MAX_SESSION_ID_LENGTH) return null
        return { userId: sub, sessionId: sid, signedInAt: Number.isSafeInteger(authTime) ? (authTime as number) * 1000 : null }
      } catch {
        return null
      }
    }
    const sessionLive = (userId: string, sessionId: string): Promise<boolean> => opts.sessions.sessionLive(userId as UserId, sessionId, Date.now())
    app.decorate<AccessTokens>('accessTokens', {
      issue: (userId, sessionId, signedInAt) =>
        app.jwt.sign({ sub: userId, sid: sessionId, ...(signedInAt !== undefined && { auth_time: Math.floor(signedInAt / 1000) }) }),
      verify,
      async check(token) {
        const claims = verify(token)
        return claims !== null && (await sessionLive(claims.userId, claims.sessionId)) ? claims : null
      },
      sessionLive,
      sessionsEnded(userId) {
        for (const listener of listeners) {
          try {
            listener(userId)
          } catch (error) {
            app.log.error({ err: error }, 'closing the sockets of ended sessions failed')
          }
        }
      },
      onSessionsEnded: (listener) => void listeners.push(listener),
    })
    app.decorateRequest('userId', '')
    app.decorateRequest('signedInAt', null)
  },
  { name: 'access-tokens' },
)

/** Pre-handler for authenticated routes: `Authorization: Bearer <accessToken>` of a live session → `request.userId`. */
export async function requireUser(this: FastifyInstance, request: import('fastify').FastifyRequest): Promise<void> {
  const header = request.headers.authorization ?? ''
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  const claims = match ? await this.accessTokens.check(match[1]!) : null
  if (!claims) throw unauthorized('Your session has expired or is invalid. Sign in again.', 'invalid_token')
  request.userId = claims.userId
  request.signedInAt = claims.signedInAt
}
