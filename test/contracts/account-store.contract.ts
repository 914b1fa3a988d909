/**
 * The contract every `AccountStore` must meet. A backend's test file calls
 * `accountStoreContract(name, open)` with a factory for fresh, empty stores; when the backend
 * is persistent, `open` also returns `reopen`, which closes the store and opens it again on
 * the same storage, and the durability cases run too.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { UserId } from '@ferry/protocol'
import type { AccountStore, NewUser } from '../../relay/src/storage/account-store.ts'
import { linksContract } from './account-store-links.contract.ts'
import { vaultContract } from './account-store-vault.contract.ts'

export interface OpenedStore {
  store: AccountStore
  /** Closes `store` and opens a new one over the same data. */
  reopen?: () => Promise<AccountStore>
}

const id = (): UserId => randomBytes(16).toString('base64url') as UserId
const hash = (): string => randomBytes(32).toString('hex')
const HOUR = 3600_000

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const userId = id()
  return {
    id: userId,
    email: `${userId.toLowerCase()}@example.test`,
    name: 'Ada',
    emailConfirmed: false,
    passwordHash: 'scrypt$test',
    createdAt: Date.now(),
    ...overrides,
  }
}

export function accountStoreContract(backend: string, open: () => Promise<OpenedStore>): void {
  describe(`AccountStore contract: ${backend}`, () => {
    const opened: AccountStore[] = []
    const fresh = async (): Promise<OpenedStore> => {
      const result = await open()
      opened.push(result.store)
      return result
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()))
    })

    it('creates a user and finds it by id and email', async () => {
      const { store } = await fresh()
      await expect(store.ping()).resolves.toBeUndefined()
      const input = newUser({ name: 'Grace' })
      const created = await store.createUser(input)
      expect(created.ok).toBe(true)
      const expected = { id: input.id, email: input.email, name: 'Grace', emailConfirmed: false, passwordHash: 'scrypt$test', avatarEtag: null }
      expect(await store.getUser(input.id)).toMatchObject(expected)
      expect(await store.findUserByEmail(input.email)).toMatchObject(expected)
      expect(await store.getUser(id())).toBeNull()
      expect(await store.findUserByEmail('nobody@example.test')).toBeNull()
    })

    it('refuses a second user with the same email, even when both race', async () => {
      const { store } = await fresh()
      const email = 'same@example.test'
      const results = await Promise.all([store.createUser(newUser({ email })), store.createUser(newUser({ email }))])
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, error: 'email_taken' })
    })

    it('creates users with an identity and links identities to existing users', async () => {
      const { store } = await fresh()
      const identity = { provider: 'google', subject: 'sub-1' }
      const a = newUser({ identity, passwordHash: null, emailConfirmed: true })
      expect((await store.createUser(a)).ok).toBe(true)
      expect((await store.findUserByIdentity(identity))?.id).toBe(a.id)
      expect(await store.createUser(newUser({ identity }))).toEqual({ ok: false, error: 'identity_taken' })

      const b = newUser()
      await store.createUser(b)
      expect(await store.linkIdentity(b.id, identity)).toEqual({ ok: false, error: 'identity_taken' })
      expect(await store.linkIdentity(id(), { provider: 'google', subject: 'x' })).toEqual({ ok: false, error: 'no_user' })
      const other = { provider: 'gitlab', subject: 'sub-1' }
      expect((await store.linkIdentity(b.id, other)).ok).toBe(true)
      expect((await store.linkIdentity(b.id, other)).ok).toBe(true)
      expect((await store.findUserByIdentity(other))?.id).toBe(b.id)
      expect(await store.findUserByIdentity({ provider: 'google', subject: 'nobody' })).toBeNull()
    })

    it('updates only the fields given', async () => {
      const { store } = await fresh()
      const input = newUser()
      await store.createUser(input)
      const updated = await store.updateUser(input.id, { name: 'Renamed', emailConfirmed: true })
      expect(updated).toMatchObject({ name: 'Renamed', emailConfirmed: true, passwordHash: 'scrypt$test', email: input.email })
      expect(await store.updateUser(input.id, { passwordHash: 'scrypt$new', name: undefined })).toMatchObject({ name: 'Renamed', passwordHash: 'scrypt$new' })
      expect(await store.getUser(input.id)).toMatchObject({ name: 'Renamed', passwordHash: 'scrypt$new' })
      expect(await store.updateUser(id(), { name: 'x' })).toBeNull()
    })

    it('consumes a one-time token once, only with its kind, only before it expires', async () => {
      const { store } = await fresh()
      const user = newUser()
      await store.createUser(user)
      const now = Date.now()
      const live = hash()
      const expiring = hash()
      await store.putToken({ hash: live, kind: 'confirm', userId: user.id, expiresAt: now + HOUR })
      await store.putToken({ hash: expiring, kind: 'reset', userId: user.id, expiresAt: now + 1000 })
      expect(await store.consumeToken('reset', live, now)).toBeNull()
      expect(await store.consumeToken('confirm', live, now)).toBe(user.id)
      expect(await store.consumeToken('confirm', live, now)).toBeNull()
      expect(await store.consumeToken('reset', expiring, now + 2000)).toBeNull()
      expect(await store.consumeToken('reset', hash(), now)).toBeNull()
    })

    it('deletes the tokens of one kind for one user', async () => {
      const { store } = await fresh()
      const [a, b] = [newUser(), newUser()]
      await store.createUser(a)
      await store.createUser(b)
      const expiresAt = Date.now() + HOUR
      const [resetA, confirmA, resetB] = [hash(), hash(), hash()]
      await store.putToken({ hash: resetA, kind: 'reset', userId: a.id, expiresAt })
      await store.putToken({ hash: confirmA, kind: 'confirm', userId: a.id, expiresAt })
      await store.putToken({ hash: resetB, kind: 'reset', userId: b.id, expiresAt })
      await store.deleteTokens(a.id, 'reset')
      const now = Date.now()
      expect(await store.consumeToken('reset', resetA, now)).toBeNull()
      expect(await store.consumeToken('confirm', confirmA, now)).toBe(a.id)
      expect(await store.consumeToken('reset', resetB, now)).toBe(b.id)
    })

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

    it('stores, replaces and serves avatars', async () => {
      const { store } = await fresh()
      const user = newUser()
      await store.createUser(user)
      expect(await store.getAvatar(user.id)).toBeNull()
      expect(await store.putAvatar(id(), { bytes: new Uint8Array([1]), etag: 'x' })).toBe(false)
      expect(await store.putAvatar(user.id, { bytes: new Uint8Array([1, 2, 3]), etag: 'v1' })).toBe(true)
      expect(await store.putAvatar(user.id, { bytes: new Uint8Array([4, 5]), etag: 'v2' })).toBe(true)
      const avatar = await store.getAvatar(user.id)
      expect(avatar?.etag).toBe('v2')
      expect([...(avatar?.bytes ?? [])]).toEqual([4, 5])
      expect((await store.getUser(user.id))?.avatarEtag).toBe('v2')
    })

    it('keeps everything across a reopen (persistent backends)', async (context) => {
      const { store, reopen } = await fresh()
      if (!reopen) return context.skip()
      const user = newUser({ identity: { provider: 'p', subject: 's' } })
      await store.createUser(user)
      await store.updateUser(user.id, { name: 'Kept', emailConfirmed: true })
      const expiresAt = Date.now() + HOUR
      const [token, refresh] = [hash(), hash()]
      await store.putToken({ hash: token, kind: 'reset', userId: user.id, expiresAt })
      await store.createRefreshToken({ hash: refresh, userId: user.id, familyId: 'f', expiresAt })
      await store.putAvatar(user.id, { bytes: new Uint8Array([9, 9]), etag: 'v9' })

      const again = await reopen()
      opened.push(again)
      expect(await again.findUserByEmail(user.email)).toMatchObject({ id: user.id, name: 'Kept', emailConfirmed: true, avatarEtag: 'v9' })
      expect((await again.findUserByIdentity({ provider: 'p', subject: 's' }))?.id).toBe(user.id)
      expect(await again.consumeToken('reset', token, Date.now())).toBe(user.id)
      expect((await again.rotateRefreshToken(refresh, { hash: hash(), expiresAt }, Date.now())).status).toBe('rotated')
      expect([...((await again.getAvatar(user.id))?.bytes ?? [])]).toEqual([9, 9])
    })

    vaultContract(fresh)
    linksContract(fresh)
  })
}
