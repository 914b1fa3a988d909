/**
 * ID token verification: signature against the provider's JWKS (asymmetric algorithms only,
 * so a token can never be "signed" with a public key as an HMAC secret), issuer, audience
 * (our client id), expiry and issued-at with a small clock tolerance.
 */
import { jwtVerify } from 'jose'
import type { ProviderMetadata } from './discovery.ts'

/** Accepted clock skew between us and the provider, seconds. */
const CLOCK_TOLERANCE_SECONDS = 30
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

export interface IdClaims {
  subject: string
  email: string | null
  /** True only when the provider vouches for the address. */
  emailVerified: boolean
  name: string | null
}

export async function verifyIdToken(idToken: string, provider: ProviderMetadata, clientId: string): Promise<IdClaims> {
  const { payload } = await jwtVerify(idToken, provider.keys, {
    issuer: provider.issuer,
    audience: clientId,
    algorithms: ALGORITHMS,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['sub', 'exp', 'iat'],
  })
  // With several audiences, the token must have been issued to us (OIDC Core §3.1.3.7).
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== clientId) {
    throw new Error('ID token was issued to another party (azp)')
  }
  const email = typeof payload.email === 'string' && payload.email.length > 0 ? payload.email : null
  const verified = payload.email_verified === true || payload.email_verified === 'true'
  return {
    subject: payload.sub!,
    email,
    emailVerified: email !== null && verified,
    name: typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : null,
  }
}
