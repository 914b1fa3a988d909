/**
 * The auth plugin: password accounts, sessions, OpenID Connect, the profile and deleting the
 * account. Registered
 * after `access-tokens` and `mail` (it uses `app.accessTokens` and `app.mail`), with the user and
 * session ports; everything it registers stays encapsulated.
 */
import type { FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import accountRoutes from './account-routes.ts'
import type { AccountData, LiveEffects } from './delete-account.ts'
import deleteAccountRoute from './delete-account-route.ts'
import oidc from './oidc/index.ts'
import { PasswordHasher } from './passwords.ts'
import profileRoutes from './profile-routes.ts'
import sessionRoutes from './session-routes.ts'
import { Sessions } from './sessions.ts'

export interface AuthOptions {
  config: Config
  rateLimitStore: Coordination['rateLimitStore']
  /** Every port (deleting an account reaches them all) and the document store. */
  stores: AccountData
  /** What deleting an account does on the running relays (closing its sockets). */
  live: LiveEffects
}

export default async function auth(app: FastifyInstance, { config, rateLimitStore, stores, live }: AuthOptions): Promise<void> {
  // Limits are applied per route by `attemptLimit`, never globally. A store that cannot
  // count refuses the attempt (500) rather than allowing unlimited guesses.
  await app.register(rateLimit, { global: false, ...rateLimitStore })
  const hasher = new PasswordHasher(config.limits.concurrentPasswordHashes, config.testScryptLogN ?? undefined)
  if (config.testScryptLogN !== null) {
    app.log.warn(`FERRY_TEST_SCRYPT_LOG_N=${config.testScryptLogN}: new passwords are hashed at a test suite's cost, not for real accounts`)
  }
  const { users, sessions: sessionStore } = stores
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
  await app.register(deleteAccountRoute, { config, hasher, stores, live })
}
