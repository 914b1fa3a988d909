/**
 * Sign-up, email confirmation, recovery and password reset. Signup and recover answer the
 * same (status, body and, as far as the work done goes, time) for known and unknown emails:
 * an existing address still costs a sign-up one password hash, and recovery answers before
 * it even looks the address up — the token write and the mail happen after the response,
 * so its timing says nothing about whether the address has an account.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import { badRequest } from '../errors.ts'
import { alreadyRegisteredMail, clientLink, confirmMail, recoverMail } from '../mail/templates.ts'
import type { SessionStore } from '../storage/accounts/sessions.ts'
import type { OneTimeTokenKind, UserRecord, UserStore } from '../storage/accounts/users.ts'
import type { PasswordHasher } from './passwords.ts'
import { attemptLimit, tokenCallLimit } from './rate-limits.ts'
import { RecoverBody, ResetBody, SignupBody, TokenBody } from './schemas.ts'
import { newSecret, newUserId, normalizeEmail, hashSecret } from './secrets.ts'

/** How long a mailed link works, milliseconds. */
export const TOKEN_TTL_MS: Readonly<Record<'confirm' | 'reset', number>> = { confirm: 24 * 3600_000, reset: 30 * 60_000 }

export interface AccountRoutesOptions {
  config: Config
  hasher: PasswordHasher
  users: UserStore
  sessions: SessionStore
}

const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { config, hasher, users: store, sessions }) => {
  /** Work done after answering; the relay waits for it before it closes its stores. */
  const afterResponse = new Set<Promise<void>>()
  app.addHook('onClose', async () => {
    await Promise.all(afterResponse)
  })

  async function mailedToken(user: UserRecord, kind: Extract<OneTimeTokenKind, 'confirm' | 'reset'>): Promise<string> {
    const secret = newSecret()
    await store.putToken({ hash: secret.hash, kind, userId: user.id, expiresAt: Date.now() + TOKEN_TTL_MS[kind] })
    return clientLink(config.publicUrl, kind, secret.token)
  }

  app.post('/v1/auth/signup', { schema: { body: SignupBody }, preHandler: attemptLimit(app, config, 'signup') }, async (request, reply) => {
    const email = normalizeEmail(request.body.email)
    const name = request.body.name?.trim() || email.split('@')[0]!
    const existing = await store.findUserByEmail(email)
    const passwordHash = await hasher.hash(request.body.password, request.ip)
    const created = existing ? null : await store.createUser({ id: newUserId(), email, name, emailConfirmed: false, passwordHash, createdAt: Date.now() })
    if (created?.ok) {
      app.mail.deliver(confirmMail(email, name, await mailedToken(created.value, 'confirm')))
    } else {
      const owner = existing ?? (await store.findUserByEmail(email))
      if (owner) app.mail.deliver(alreadyRegisteredMail(email, owner.name))
    }
    return reply.status(201).send({ status: 'confirmation_sent' })
  })

  app.post('/v1/auth/confirm', { schema: { body: TokenBody }, preHandler: tokenCallLimit(app, config) }, async (request) => {
    const userId = await store.consumeToken('confirm', hashSecret(request.body.token), Date.now())
    const user = userId === null ? null : await store.updateUser(userId, { emailConfirmed: true })
    if (user === null) throw badRequest('This confirmation link is invalid, expired or already used.', 'invalid_token')
    return { status: 'confirmed' }
  })

  app.post('/v1/auth/recover', { schema: { body: RecoverBody }, preHandler: attemptLimit(app, config, 'recover') }, async (request, reply) => {
    const email = normalizeEmail(request.body.email)
    setImmediate(() => {
      const work = (async () => {
        const user = await store.findUserByEmail(email)
        if (user) app.mail.deliver(recoverMail(user.email, user.name, await mailedToken(user, 'reset')))
      })()
        .catch((err: unknown) => request.log.error({ err }, 'a recovery mail could not be prepared'))
        .finally(() => afterResponse.delete(work))
      afterResponse.add(work)
    })
    return reply.status(202).send({ status: 'recovery_sent' })
  })

  app.post('/v1/auth/reset', { schema: { body: ResetBody }, preHandler: tokenCallLimit(app, config) }, async (request) => {
    const userId = await store.consumeToken('reset', hashSecret(request.body.token), Date.now())
    if (userId === null) throw badRequest('This reset link is invalid, expired or already used.', 'invalid_token')
    const passwordHash = await hasher.hash(request.body.password, request.ip)
    // Following the mailed link proved the address, so it counts as confirmed.
    const user = await store.updateUser(userId, { passwordHash, emailConfirmed: true })
    if (user === null) throw badRequest('This reset link is invalid, expired or already used.', 'invalid_token')
    await store.deleteTokens(userId, 'reset')
    await sessions.revokeAllRefreshTokens(userId)
    // Every session ends: sockets opened before the reset (someone who signed up with this
    // address before its owner, say) close now, and their access tokens stop working.
    app.accessTokens.sessionsEnded(userId)
    return { status: 'password_reset' }
  })
}

export default accountRoutes
