import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type GenerateKeyPairResult, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ProviderMetadata } from './discovery.ts'
import { verifyIdToken } from './id-token.ts'

type Key = GenerateKeyPairResult['privateKey']

const ISSUER = 'https://id.example.test'
const CLIENT = 'ferry'
let provider: ProviderMetadata
let signingKey: Key
let foreignKey: Key

beforeAll(async () => {
  const ours = await generateKeyPair('RS256')
  const theirs = await generateKeyPair('RS256')
  signingKey = ours.privateKey
  foreignKey = theirs.privateKey
  const jwk: JWK = { ...(await exportJWK(ours.publicKey)), kid: 'k1', alg: 'RS256' }
  provider = {
    issuer: ISSUER,
    authorizationEndpoint: new URL(`${ISSUER}/authorize`),
    tokenEndpoint: new URL(`${ISSUER}/token`),
    keys: createLocalJWKSet({ keys: [jwk] }),
  }
})

function token(claims: Record<string, unknown>, key: Key = signingKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const payload = { iss: ISSUER, aud: CLIENT, sub: 'subject-1', iat: now, exp: now + 300, email: 'a@example.test', email_verified: true, ...claims }
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key)
}

describe('verifyIdToken', () => {
  it('returns the claims of a valid token', async () => {
    expect(await verifyIdToken(await token({ name: ' Ann ' }), provider, CLIENT)).toEqual({
      subject: 'subject-1',
      email: 'a@example.test',
      emailVerified: true,
      name: 'Ann',
    })
  })

  it('reads email_verified strictly: only true (or "true") verifies', async () => {
    expect((await verifyIdToken(await token({ email_verified: 'true' }), provider, CLIENT)).emailVerified).toBe(true)
    expect((await verifyIdToken(await token({ email_verified: 1 }), provider, CLIENT)).emailVerified).toBe(false)
    expect((await verifyIdToken(await token({ email_verified: undefined }), provider, CLIENT)).emailVerified).toBe(false)
  })

  it('rejects a token signed by another key', async () => {
    await expect(verifyIdToken(await token({}, foreignKey), provider, CLIENT)).rejects.toThrow(/signature/i)
  })

  it('rejects a symmetric-algorithm token and an unsigned one', async () => {
    const hmac = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(CLIENT).setSubject('s').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(32)))
    await expect(verifyIdToken(hmac, provider, CLIENT)).rejects.toThrow()
    const payload = (await token({})).split('.')[1]
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`
    await expect(verifyIdToken(none, provider, CLIENT)).rejects.toThrow()
  })

  it('rejects another audience, and several audiences unless we are the authorized party', async () => {
    await expect(verifyIdToken(await token({ aud: 'someone-else' }), provider, CLIENT)).rejects.toThrow(/aud/)
    await expect(verifyIdToken(await token({ aud: [CLIENT, 'other'] }), provider, CLIENT)).rejects.toThrow(/azp/)
    expect((await verifyIdToken(await token({ aud: [CLIENT, 'other'], azp: CLIENT }), provider, CLIENT)).subject).toBe('subject-1')
  })

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expect(verifyIdToken(await token({ exp: now - 120, iat: now - 600 }), provider, CLIENT)).rejects.toThrow(/exp/)
  })
})
