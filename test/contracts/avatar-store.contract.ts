/**
 * The `AvatarStore` contract: one avatar per user, named on the user by its etag. Run against
 * every backend by `accountBackendContracts` (account-backend.ts).
 */
import { expect, it } from 'vitest'
import { newUser, randomId as id, type Fresh } from './account-backend.ts'

export function avatarStoreContract(fresh: Fresh): void {
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

  it('deletes an avatar: no bytes, no etag on the user; false when there was none', async () => {
    const { store } = await fresh()
    const [user, other] = [newUser(), newUser()]
    await store.createUser(user)
    await store.createUser(other)
    await store.putAvatar(user.id, { bytes: new Uint8Array([1, 2]), etag: 'v1' })
    await store.putAvatar(other.id, { bytes: new Uint8Array([3]), etag: 'o1' })
    expect(await store.deleteAvatar(user.id)).toBe(true)
    expect(await store.getAvatar(user.id)).toBeNull()
    expect((await store.getUser(user.id))?.avatarEtag).toBeNull()
    expect(await store.deleteAvatar(user.id)).toBe(false)
    expect(await store.deleteAvatar(id())).toBe(false)
    expect((await store.getAvatar(other.id))?.etag).toBe('o1')
  })

  it('keeps avatars across a reopen (persistent backends)', async (context) => {
    const { store, reopen } = await fresh()
    if (!reopen) return context.skip()
    const user = newUser()
    await store.createUser(user)
    await store.putAvatar(user.id, { bytes: new Uint8Array([9, 9]), etag: 'v9' })

    const again = await reopen()
    expect((await again.getUser(user.id))?.avatarEtag).toBe('v9')
    expect([...((await again.getAvatar(user.id))?.bytes ?? [])]).toEqual([9, 9])
  })
}
