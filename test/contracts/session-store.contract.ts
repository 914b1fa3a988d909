/**
 * The `SessionStore` contract: refresh-token families, rotation, replay, sign-out and reset.
 * Run against every backend by `accountBackendContracts` (account-backend.ts).
 */
import { expect, it } from 'vitest'
import { hash, HOUR, newUser, type Fresh } from './account-backend.ts'

export function sessionStoreContract(fresh: Fresh): void {
  it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
    const { store } = await fresh()
    const user = newUser()
    await store.createUser(user)
    const now = Date.now()
    const expiresAt = now + HOUR
    const [first, second, third, otherSession] = [hash(), hash(), hash(), hash()]
    await store.createRefreshToken({ hash: first, userId: user.id, familyId: 'family-a', expiresAt })
    await store.createRefreshToken({ hash: otherSession, userId: user.id, familyId: 'family-b', expiresAt })

    expect(await store.rotateRefreshToken(first, { hash: second, expiresAt }, now)).toEqual({ status: 'rotated', userId: user.id, familyId: 'family-a' })
    expect(await store.sessionLive(user.id, 'family-a', now)).toBe(true)
    expect(await store.rotateRefreshToken(first, { hash: third, expiresAt }, now)).toEqual({ status: 'reused', userId: user.id })
    // The replay ended the session: access tokens naming it are refused from now on.
    expect(await store.sessionLive(user.id, 'family-a', now)).toBe(false)
    expect(await store.sessionLive(user.id, 'family-b', now)).toBe(true)
    // The replay revoked the live descendant too …
    expect(await store.rotateRefreshToken(second, { hash: hash(), expiresAt }, now)).toEqual({ status: 'invalid' })
    expect(await store.rotateRefreshToken(third, { hash: hash(), expiresAt }, now)).toEqual({ status: 'invalid' })
    // … but not the user's other sessions.
    expect((await store.rotateRefreshToken(otherSession, { hash: hash(), expiresAt }, now)).status).toBe('rotated')
    expect(await store.rotateRefreshToken(hash(), { hash: hash(), expiresAt }, now)).toEqual({ status: 'invalid' })
  })

  it('lets only one of two racing rotations of the same token win', async () => {
    const { store } = await fresh()
    const user = newUser()
    await store.createUser(user)
    const now = Date.now()
    const expiresAt = now + HOUR
    const token = hash()
    await store.createRefreshToken({ hash: token, userId: user.id, familyId: 'f', expiresAt })
    const outcomes = await Promise.all([
      store.rotateRefreshToken(token, { hash: hash(), expiresAt }, now),
      store.rotateRefreshToken(token, { hash: hash(), expiresAt }, now),
    ])
    expect(outcomes.map((o) => o.status).sort()).toEqual(['reused', 'rotated'])
  })

  it('answers whether a session is live: its own user only, until it expires', async () => {
    const { store } = await fresh()
    const [user, other] = [newUser(), newUser()]
    await store.createUser(user)
    const now = Date.now()
    const first = hash()
    await store.createRefreshToken({ hash: first, userId: user.id, familyId: 'live', expiresAt: now + 1000 })
    expect(await store.sessionLive(user.id, 'live', now)).toBe(true)
    expect(await store.sessionLive(other.id, 'live', now)).toBe(false)
    expect(await store.sessionLive(user.id, 'unknown', now)).toBe(false)
    expect(await store.sessionLive(user.id, 'live', now + 1000)).toBe(false)
    // A rotation extends the session to its newest token's expiry.
    await store.rotateRefreshToken(first, { hash: hash(), expiresAt: now + HOUR }, now)
    expect(await store.sessionLive(user.id, 'live', now + 2000)).toBe(true)
  })

  it('treats an expired refresh token as invalid', async () => {
    const { store } = await fresh()
    const user = newUser()
    await store.createUser(user)
    const now = Date.now()
    const token = hash()
    await store.createRefreshToken({ hash: token, userId: user.id, familyId: 'f', expiresAt: now + 1000 })
    expect(await store.rotateRefreshToken(token, { hash: hash(), expiresAt: now + HOUR }, now + 2000)).toEqual({ status: 'invalid' })
  })

  it('revokes one family on sign-out and every family on reset', async () => {
    const { store } = await fresh()
    const [user, other] = [newUser(), newUser()]
    await store.createUser(user)
    await store.createUser(other)
    const now = Date.now()
    const expiresAt = now + HOUR
    const [a, b, c, d] = [hash(), hash(), hash(), hash()]
    await store.createRefreshToken({ hash: a, userId: user.id, familyId: 'fa', expiresAt })
    await store.createRefreshToken({ hash: b, userId: user.id, familyId: 'fb', expiresAt })
    await store.createRefreshToken({ hash: c, userId: user.id, familyId: 'fc', expiresAt })
    await store.createRefreshToken({ hash: d, userId: other.id, familyId: 'fd', expiresAt })
    expect(await store.revokeRefreshFamily(a)).toBe(user.id)
    expect(await store.revokeRefreshFamily(hash())).toBeNull()
    expect((await store.rotateRefreshToken(a, { hash: hash(), expiresAt }, now)).status).toBe('invalid')
    expect(await store.sessionLive(user.id, 'fa', now)).toBe(false)
    expect(await store.sessionLive(user.id, 'fb', now)).toBe(true)
    await store.revokeAllRefreshTokens(user.id)
    for (const family of ['fb', 'fc']) expect(await store.sessionLive(user.id, family, now)).toBe(false)
    expect(await store.sessionLive(other.id, 'fd', now)).toBe(true)
    expect((await store.rotateRefreshToken(b, { hash: hash(), expiresAt }, now)).status).toBe('invalid')
    expect((await store.rotateRefreshToken(c, { hash: hash(), expiresAt }, now)).status).toBe('invalid')
    expect((await store.rotateRefreshToken(d, { hash: hash(), expiresAt }, now)).status).toBe('rotated')
  })

  it('keeps sessions across a reopen (persistent backends)', async (context) => {
    const { store, reopen } = await fresh()
    if (!reopen) return context.skip()
    const user = newUser()
    await store.createUser(user)
    const expiresAt = Date.now() + HOUR
    const refresh = hash()
    await store.createRefreshToken({ hash: refresh, userId: user.id, familyId: 'f', expiresAt })

    const again = await reopen()
    expect(await again.sessionLive(user.id, 'f', Date.now())).toBe(true)
    expect((await again.rotateRefreshToken(refresh, { hash: hash(), expiresAt }, Date.now())).status).toBe('rotated')
  })
}
