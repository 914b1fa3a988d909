/**
 * Access tokens: short-lived (≤ 15 min) HS256 JWTs whose subject is the user id. The
 * algorithm is pinned on both sides so a token can never choose how it is verified. The
 * signing key comes from `FERRY_JWT_SECRET` or a key file generated into the data dir.
 */
import { join } from 'node:path'
import fastifyJwt from '@fastify/jwt'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'
import { unauthorized } from '../errors.ts'
import { loadOrCreateKeyFile } from '../key-file.ts'

export interface AccessTokenClaims {
  /** The user id. */
  userId: string
}

export interface AccessTokens {
  /** Signs a token for `userId`, valid for `accessTokenTtlSeconds`. */
  issue(userId: string): string
  /** The token's claims, or null when it is missing, malformed, forged or expired. */
  verify(token: string): AccessTokenClaims | null
}

declare module 'fastify' {
  interface FastifyInstance {
    accessTokens: AccessTokens
  }
  interface FastifyRequest {
    /** Set by the `requireUser` pre-handler on authenticated routes. */
    userId: string
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string }
    user: { sub: string }
  }
}

const ALGORITHM = 'HS256'

function signingKey(config: Config): string | Buffer {
  return config.jwtSecret ?? loadOrCreateKeyFile(join(config.dataDir, 'keys', 'jwt.key'), 32)
}

export default fp(
  async function accessTokens(app: FastifyInstance, opts: { config: Config }) {
    await app.register(fastifyJwt, {
      secret: signingKey(opts.config),
      sign: { algorithm: ALGORITHM, expiresIn: opts.config.accessTokenTtlSeconds },
      verify: { algorithms: [ALGORITHM] },
    })
    app.decorate<AccessTokens>('accessTokens', {
      issue: (userId) => app.jwt.sign({ sub: userId }),
      verify: (token) => {
        try {
          const { sub } = app.jwt.verify<{ sub: unknown }>(token)
          return typeof sub === 'string' && sub.length > 0 ? { userId: sub } : null
        } catch {
          return null
        }
      },
    })
    app.decorateRequest('userId', '')
  },
  { name: 'access-tokens' },
)

/** Pre-handler for authenticated routes: `Authorization: Bearer <accessToken>` → `request.userId`. */
export async function requireUser(this: FastifyInstance, request: import('fastify').FastifyRequest): Promise<void> {
  const header = request.headers.authorization ?? ''
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  const claims = match ? this.accessTokens.verify(match[1]!) : null
  if (!claims) throw unauthorized('Your session has expired or is invalid. Sign in again.', 'invalid_token')
  request.userId = claims.userId
}
