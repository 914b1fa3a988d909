/**
 * The auth plugin: password accounts, sessions, OpenID Connect and the profile. Registered
 * after `access-tokens` and `mail` (it uses `app.accessTokens` and `app.mail`), with the user and
 * session ports; everything it registers stays encapsulated.
 */
import type { FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import type { SessionStore } from '../storage/accounts/sessions.ts'
import type { UserStore } from '../storage/accounts/users.ts'
import accountRoutes from './account-routes.ts'
import oidc from './oidc/index.ts'
import { PasswordHasher } from './passwords.ts'
import profileRoutes from './profile-routes.ts'
import sessionRoutes from './session-routes.ts'
import { Sessions } from './sessions.ts'

export interface AuthOptions {
  config: Config
  rateLimitStore: Coordination['rateLimitStore']
  users: UserStore
  sessions: SessionStore
}

export default async function auth(app: FastifyInstance, { config, rateLimitStore, users, sessions: sessionStore }: AuthOptions): Promise<void> {
  // Limits are applied per route by `attemptLimit`, never globally. A store that cannot
  // count refuses the attempt (500) rather than allowing unlimited guesses.
  await app.register(rateLimit, { global: false, ...rateLimitStore })
  const hasher = new PasswordHasher(config.limits.concurrentPasswordHashes)
  const sessions = new Sessions({
    users,
    sessions: sessionStore,
    accessTokens: app.accessTokens,
    publicUrl: config.publicUrl,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
  })
  await app.register(accountRoutes, { config, hasher, users, sessions: sessionStore })
  await app.register(sessionRoutes, { config, hasher, users, sessions })
  await app.register(oidc, { config, users, sessions })
  await app.register(profileRoutes, { config, users })
}
