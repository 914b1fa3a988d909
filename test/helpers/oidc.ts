/**
 * A real OpenID Connect provider for tests: `oauth2-mock-server` 7 on a free loopback port,
 * with an RS256 signing key. `setClaims` sets what its next tokens say (`sub`, `email`,
 * `email_verified`, `name`, or a wrong `aud`/`iss`/`exp` for negative cases).
 */
import { OAuth2Server } from 'oauth2-mock-server'

export interface TestOidc {
  /** The issuer URL to configure the relay with. */
  issuer: string
  server: OAuth2Server
  /** Claims merged into every token it signs from now on (replacing earlier ones). */
  setClaims(claims: Record<string, unknown>): void
  close(): Promise<void>
}

export async function startOidc(): Promise<TestOidc> {
  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  await server.start(0, '127.0.0.1')
  let claims: Record<string, unknown> = {}
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    Object.assign(token.payload, claims)
  })
  const issuer = server.issuer.url
  if (!issuer) throw new Error('oauth2-mock-server did not report its issuer URL')
  return {
    issuer,
    server,
    setClaims(next) {
      claims = { ...next }
    },
    close: () => server.stop(),
  }
}
