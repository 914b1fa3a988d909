/**
 * OpenID Connect discovery: the provider's endpoints and signing keys from
 * `<issuer>/.well-known/openid-configuration`. The document must name the configured issuer
 * exactly (OpenID Connect Discovery §4.3), otherwise ID tokens could be checked against
 * another issuer's keys.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose'

/** Longest wait for the discovery document, milliseconds. */
export const DISCOVERY_TIMEOUT_MS = 5000

export interface ProviderMetadata {
  issuer: string
  authorizationEndpoint: URL
  tokenEndpoint: URL
  /** Resolves the key for an ID token's `kid`, fetching (and caching) the provider's JWKS. */
  keys: JWTVerifyGetKey
}

function endpoint(document: Record<string, unknown>, field: string): URL {
  const value = document[field]
  if (typeof value !== 'string') throw new Error(`discovery document has no ${field}`)
  return new URL(value)
}

export async function discover(issuer: string): Promise<ProviderMetadata> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
  const response = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`${url} answered ${response.status}`)
  const document = (await response.json()) as Record<string, unknown>
  if (document.issuer !== issuer) {
    throw new Error(`discovery document names issuer ${JSON.stringify(document.issuer)}, expected ${JSON.stringify(issuer)}`)
  }
  return {
    issuer,
    authorizationEndpoint: endpoint(document, 'authorization_endpoint'),
    tokenEndpoint: endpoint(document, 'token_endpoint'),
    keys: createRemoteJWKSet(endpoint(document, 'jwks_uri')),
  }
}
