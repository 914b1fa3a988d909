/**
 * One OpenID Connect provider's sign-in: `GET /v1/auth/oidc/<id>` redirects to the provider
 * with state and PKCE (both kept in short-lived httpOnly cookies by `@fastify/oauth2`), and
 * `GET /v1/auth/oidc/<id>/callback` trades the code, verifies the ID token, picks the account
 * and hands the sign-in to the client as a one-time code in the URL fragment:
 * `<PUBLIC_URL>/#/oidc?code=…` (or `#/oidc?error=<code>`). Tokens never travel in a URL.
 */
import fastifyOauth2, { type OAuth2Namespace } from '@fastify/oauth2'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Config, OidcProviderConfig } from '../../config.ts'
import type { UserStore } from '../../storage/accounts/users.ts'
import { newSecret } from '../secrets.ts'
import type { ProviderMetadata } from './discovery.ts'
import { verifyIdToken } from './id-token.ts'
import { resolveOidcAccount } from './resolve-account.ts'

/** How long the one-time hand-off code works, milliseconds. */
export const OIDC_CODE_TTL_MS = 60_000

export interface ProviderRoutesOptions {
  config: Config
  users: UserStore
  provider: OidcProviderConfig
  metadata: ProviderMetadata
}

/** Redirects the browser back to the client with an error code it can explain. */
export function redirectWithError(reply: FastifyReply, publicUrl: string, code: string): FastifyReply {
  return reply.redirect(`${publicUrl}/#/oidc?error=${encodeURIComponent(code)}`)
}

export default async function providerRoutes(app: FastifyInstance, { config, users, provider, metadata }: ProviderRoutesOptions): Promise<void> {
  const base = `/v1/auth/oidc/${provider.id}`
  await app.register(fastifyOauth2, {
    name: 'oidc',
    scope: ['openid', 'email', 'profile'],
    credentials: {
      client: { id: provider.clientId, secret: provider.clientSecret },
      auth: {
        authorizeHost: metadata.authorizationEndpoint.origin,
        authorizePath: metadata.authorizationEndpoint.pathname,
        tokenHost: metadata.tokenEndpoint.origin,
        tokenPath: metadata.tokenEndpoint.pathname,
      },
    },
    callbackUri: `${config.publicUrl}${base}/callback`,
    pkce: 'S256',
    cookie: { path: `${base}/`, secure: config.publicUrl.startsWith('https:'), sameSite: 'lax', maxAge: 600 },
    userAgent: 'Ferry relay',
  })
  const oauth = (app as unknown as { oidc: OAuth2Namespace }).oidc

  app.get(base, async (request, reply) => {
    try {
      return reply.redirect(await oauth.generateAuthorizationUri(request, reply))
    } catch (error) {
      request.log.error({ provider: provider.id, reason: (error as Error).message }, 'OIDC start failed')
      return redirectWithError(reply, config.publicUrl, 'oidc_failed')
    }
  })

  app.get(`${base}/callback`, async (request, reply) => {
    const providerError = (request.query as Record<string, unknown>).error
    if (providerError !== undefined) {
      return redirectWithError(reply, config.publicUrl, providerError === 'access_denied' ? 'access_denied' : 'oidc_failed')
    }
    let claims
    try {
      const { token } = await oauth.getAccessTokenFromAuthorizationCodeFlow(request, reply)
      if (typeof token.id_token !== 'string') throw new Error('the token response has no id_token')
      claims = await verifyIdToken(token.id_token, metadata, provider.clientId)
    } catch (error) {
      // Only the reason: error objects from the token exchange may carry response bodies.
      request.log.warn({ provider: provider.id, reason: (error as Error).message }, 'OIDC sign-in refused')
      return redirectWithError(reply, config.publicUrl, 'oidc_failed')
    }
    const account = await resolveOidcAccount(users, provider.id, claims)
    if (!account.ok) return redirectWithError(reply, config.publicUrl, account.error)
    const code = newSecret()
    await users.putToken({ hash: code.hash, kind: 'oidc_code', userId: account.value.id, expiresAt: Date.now() + OIDC_CODE_TTL_MS })
    return reply.redirect(`${config.publicUrl}/#/oidc?code=${code.token}`)
  })
}
