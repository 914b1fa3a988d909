/**
 * The `UserStore` contract: accounts, OIDC identities, single-use tokens, deleting a user. Run
 * against every backend by `accountBackendContracts` (account-backend.ts).
 */
import { expect, it } from 'vitest'
import { hash, HOUR, newUser, randomId as id, type Fresh } from './account-backend.ts'

export function userStoreContract(fresh: Fresh): void {
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

  it('disables and enables a user (absent means enabled)', async () => {
    const { store } = await fresh()
    const input = newUser()
    await store.createUser(input)
    expect((await store.getUser(input.id))?.disabled ?? false).toBe(false)
    expect((await store.updateUser(input.id, { disabled: true }))?.disabled).toBe(true)
    expect(await store.findUserByEmail(input.email)).toMatchObject({ disabled: true, name: 'Ada' })
    expect((await store.updateUser(input.id, { name: 'Ada L.' }))?.disabled).toBe(true)
    expect((await store.updateUser(input.id, { disabled: false }))?.disabled).toBe(false)
  })

  it('lists every user, oldest first', async () => {
    const { store } = await fresh()
    const first = newUser({ name: 'First', createdAt: 1_000 })
    const second = newUser({ name: 'Second', createdAt: 2_000 })
    await store.createUser(second)
    await store.createUser(first)
    expect((await store.listUsers()).map((user) => user.name)).toEqual(['First', 'Second'])
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


  it('deletes a user with their identities and tokens; the email signs up afresh', async () => {
    const { store } = await fresh()
    const [user, other] = [newUser({ identity: { provider: 'p', subject: 'gone' } }), newUser()]
    await store.createUser(user)
    await store.createUser(other)
    const now = Date.now()
    const [mine, theirs] = [hash(), hash()]
    await store.putToken({ hash: mine, kind: 'confirm', userId: user.id, expiresAt: now + HOUR })
    await store.putToken({ hash: theirs, kind: 'confirm', userId: other.id, expiresAt: now + HOUR })

    expect(await store.deleteUser(user.id)).toBe(true)
    expect(await store.deleteUser(user.id)).toBe(false)
    expect(await store.getUser(user.id)).toBeNull()
    expect(await store.findUserByEmail(user.email)).toBeNull()
    expect(await store.findUserByIdentity({ provider: 'p', subject: 'gone' })).toBeNull()
    expect(await store.consumeToken('confirm', mine, now)).toBeNull()
    // Nobody else is touched, and the address and identity are free again.
    expect(await store.consumeToken('confirm', theirs, now)).toBe(other.id)
    const again = newUser({ email: user.email, identity: { provider: 'p', subject: 'gone' } })
    expect((await store.createUser(again)).ok).toBe(true)
    expect((await store.findUserByEmail(user.email))?.id).toBe(again.id)
  })

  it('keeps users, identities and tokens across a reopen (persistent backends)', async (context) => {
    const { store, reopen } = await fresh()
    if (!reopen) return context.skip()
    const user = newUser({ identity: { provider: 'p', subject: 's' } })
    await store.createUser(user)
    await store.updateUser(user.id, { name: 'Kept', emailConfirmed: true })
    const token = hash()
    await store.putToken({ hash: token, kind: 'reset', userId: user.id, expiresAt: Date.now() + HOUR })

    const again = await reopen()
    expect(await again.findUserByEmail(user.email)).toMatchObject({ id: user.id, name: 'Kept', emailConfirmed: true })
    expect((await again.findUserByIdentity({ provider: 'p', subject: 's' }))?.id).toBe(user.id)
    expect(await again.consumeToken('reset', token, Date.now())).toBe(user.id)
  })
}
