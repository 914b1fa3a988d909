/** Login, refresh and logout. A failed login says the same for a wrong password and an unknown email. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { UserStore } from '../storage/accounts/users.ts'
import { unauthorized } from '../errors.ts'
import type { PasswordHasher } from './passwords.ts'
import { attemptLimit, tokenCallLimit } from './rate-limits.ts'
import { LoginBody, RefreshBody } from './schemas.ts'
import { normalizeEmail } from './secrets.ts'
import type { Sessions } from './sessions.ts'

export interface SessionRoutesOptions {
  config: Config
  hasher: PasswordHasher
  users: UserStore
  sessions: Sessions
}

const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, { config, hasher, users, sessions }) => {
  app.post('/v1/auth/login', { schema: { body: LoginBody }, preHandler: attemptLimit(app, config, 'login') }, async (request) => {
    const user = await users.findUserByEmail(normalizeEmail(request.body.email))
    const matches = await hasher.verify(request.body.password, user?.passwordHash ?? null, request.ip)
    if (!user || !matches) throw unauthorized('Wrong email or password.', 'invalid_credentials')
    const started = await sessions.startWithPassword(user)
    if (started === null) throw unauthorized('Wrong email or password.', 'invalid_credentials')
    return started
  })

  app.post('/v1/auth/refresh', { schema: { body: RefreshBody }, preHandler: tokenCallLimit(app, config) }, async (request) => {
    const response = await sessions.refresh(request.body.refreshToken)
    if (response === null) throw unauthorized('This session has ended. Sign in again.', 'invalid_refresh_token')
    return response
  })

  app.post('/v1/auth/logout', { schema: { body: RefreshBody }, preHandler: tokenCallLimit(app, config) }, async (request, reply) => {
    await sessions.end(request.body.refreshToken)
    return reply.status(204).send()
  })
}

export default sessionRoutes
