/**
 * `DELETE /v1/me { password? }`: the signed-in user deletes their account and everything the
 * relay holds for it (see `delete-account.ts`); every relay closes its sockets.
 *
 * Proof that the account holder is at the keyboard, not only a token holder:
 * - an account with a password sends it (wrong: 403 `wrong_password`, nothing deleted);
 * - an account without one (made by OIDC sign-in) presents the access token its sign-in issued
 *   less than `RECENT_SIGN_IN_MS` ago (a refreshed token carries no sign-in time and does not
 *   count): else 403 `reauthentication_required` — sign in again, then delete.
 * Attempts are limited per account and per client address like sign-ins.
 */
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { MAX_PASSWORD_LENGTH, type UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import { forbidden, unauthorized } from '../errors.ts'
import { checkLimits, type Limiter } from '../limit-check.ts'
import { requireUser } from './access-tokens.ts'
import { deleteAccount, type AccountData, type LiveEffects } from './delete-account.ts'
import type { PasswordHasher } from './passwords.ts'

/** How recent a sign-in must be to delete an account without a password: 5 minutes. */
export const RECENT_SIGN_IN_MS = 5 * 60_000

const DeleteAccountBody = Type.Object(
  { password: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH })) },
  { additionalProperties: false },
)

export interface DeleteAccountRouteOptions {
  config: Config
  hasher: PasswordHasher
  stores: AccountData
  live: LiveEffects
}

const deleteAccountRoute: FastifyPluginAsyncTypebox<DeleteAccountRouteOptions> = async (app, { config, hasher, stores, live }) => {
  const window = { max: config.limits.authAttemptsPerWindow, timeWindow: config.limits.authWindowSeconds * 1000 }
  const limiters: Limiter[] = [
    app.createRateLimit({ ...window, keyGenerator: (request) => `delete-account:ip:${request.ip}` }),
    app.createRateLimit({ ...window, keyGenerator: (request) => `delete-account:account:${request.userId}` }),
  ]
  const limitAttempts = async (request: FastifyRequest): Promise<void> => {
    await checkLimits(request, limiters, (seconds) => `Too many attempts. Try again in ${seconds} s.`)
  }

  app.delete('/v1/me', { preHandler: [requireUser, limitAttempts], schema: { body: DeleteAccountBody } }, async (request) => {
    const userId = request.userId as UserId
    const user = await stores.users.getUser(userId)
    if (user === null) throw unauthorized('This account no longer exists.', 'invalid_token')
    if (user.passwordHash !== null) {
      const { password } = request.body
      if (password === undefined) throw forbidden('Enter your password to delete your account.', 'password_required')
      if (!(await hasher.verify(password, user.passwordHash, request.ip))) throw forbidden('Wrong password; nothing was deleted.', 'wrong_password')
    } else if (request.signedInAt === null || Date.now() - request.signedInAt > RECENT_SIGN_IN_MS) {
      throw forbidden('Sign in again, then delete your account within 5 minutes of signing in.', 'reauthentication_required')
    }
    const deleted = await deleteAccount(stores, userId, live)
    if (deleted === null) throw unauthorized('This account no longer exists.', 'invalid_token')
    request.log.info({ deleted }, 'account deleted')
    return { deleted }
  })
}

export default deleteAccountRoute
