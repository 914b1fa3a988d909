/**
 * Sign-in with OpenID Connect providers. Each configured provider is discovered at start;
 * one that cannot be reached is left out (logged, and its start route sends the browser back
 * with `#/oidc?error=provider_unavailable`) so an outage at the provider never stops the relay.
 * Also: `GET /v1/auth/providers` and `POST /v1/auth/oidc/exchange { code }`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Config } from '../../config.ts'
import type { UserStore } from '../../storage/accounts/users.ts'
import { badRequest } from '../../errors.ts'
import { CodeBody } from '../schemas.ts'
import { tokenCallLimit } from '../rate-limits.ts'
import { hashSecret } from '../secrets.ts'
import type { Sessions } from '../sessions.ts'
import { discover } from './discovery.ts'
import providerRoutes, { redirectWithError } from './provider-routes.ts'

export interface OidcOptions {
  config: Config
  users: UserStore
  sessions: Sessions
}

const oidc: FastifyPluginAsyncTypebox<OidcOptions> = async (app, { config, users, sessions }) => {
  const available: Array<{ id: string; name: string }> = []
  for (const provider of config.oidcProviders) {
    try {
      const metadata = await discover(provider.issuer)
      await app.register(providerRoutes, { config, users, provider, metadata })
      available.push({ id: provider.id, name: provider.name })
    } catch (error) {
      app.log.error({ provider: provider.id, reason: (error as Error).message }, 'OIDC provider unavailable; its sign-in is off until restart')
    }
  }

  app.get('/v1/auth/providers', async () => ({ providers: available }))

  // Static provider routes win over this one: it only catches unknown or unavailable ids.
  app.get('/v1/auth/oidc/:provider', async (request, reply) => {
    const known = config.oidcProviders.some((p) => p.id === (request.params as { provider: string }).provider)
    return redirectWithError(reply, config.publicUrl, known ? 'provider_unavailable' : 'unknown_provider')
  })

  app.post('/v1/auth/oidc/exchange', { schema: { body: CodeBody }, preHandler: tokenCallLimit(app, config) }, async (request) => {
    const userId = await users.consumeToken('oidc_code', hashSecret(request.body.code), Date.now())
    const user = userId === null ? null : await users.getUser(userId)
    if (user === null) throw badRequest('This sign-in code is invalid, expired or already used.', 'invalid_code')
    return sessions.start(user)
  })
}

export default oidc
