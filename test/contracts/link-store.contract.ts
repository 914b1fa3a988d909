/**
 * The `LinkStore` contract: share links, their use counts, revocation and deletion. Run against
 * every backend by `accountBackendContracts` (account-backend.ts).
 */
import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import type { LinkId, NewLink } from '../../relay/src/storage/accounts/links.ts'
import { hash, HOUR, randomId, type Fresh } from './account-backend.ts'

function link(ownerId: UserId, overrides: Partial<NewLink> = {}): NewLink {
  return {
    id: randomId<LinkId>(),
    ownerId,
    docName: docName(ownerId, 'collection', 'c1'),
    tokenHash: hash(),
    passKey: randomBytes(32).toString('base64url'),
    createdAt: Date.now(),
    expiresAt: null,
    maxUses: null,
    ...overrides,
  }
}

export function linkStoreContract(fresh: Fresh): void {
  it('links: creates, finds by token hash and lists only the owner’s, oldest first', async () => {
    const { store } = await fresh()
    const [a, b] = [randomId<UserId>(), randomId<UserId>()]
    const first = await store.createLink(link(a, { createdAt: 1000 }))
    const second = await store.createLink(link(a, { createdAt: 2000, expiresAt: 5000, maxUses: 3 }))
    await store.createLink(link(b))
    expect(first).toMatchObject({ ownerId: a, uses: 0, revokedAt: null, expiresAt: null, maxUses: null })
    expect((await store.listLinks(a)).map((l) => l.id)).toEqual([first.id, second.id])
    expect(await store.findLinkByToken(second.tokenHash)).toEqual(second)
    expect(await store.findLinkByToken(hash())).toBeNull()
  })

  it('links: counts uses up to maxUses, then refuses as used up', async () => {
    const { store } = await fresh()
    const made = await store.createLink(link(randomId<UserId>(), { maxUses: 2 }))
    const now = Date.now()
    expect(await store.useLink(made.tokenHash, now)).toMatchObject({ ok: true, value: { uses: 1 } })
    expect(await store.useLink(made.tokenHash, now)).toMatchObject({ ok: true, value: { uses: 2 } })
    expect(await store.useLink(made.tokenHash, now)).toEqual({ ok: false, error: 'used_up' })
    expect((await store.findLinkByToken(made.tokenHash))?.uses).toBe(2)
    expect(await store.useLink(hash(), now)).toEqual({ ok: false, error: 'unknown' })
  })

  it('links: concurrent uses never pass maxUses', async () => {
    const { store } = await fresh()
    const made = await store.createLink(link(randomId<UserId>(), { maxUses: 5 }))
    const results = await Promise.all(Array.from({ length: 20 }, () => store.useLink(made.tokenHash, Date.now())))
    expect(results.filter((r) => r.ok)).toHaveLength(5)
    expect((await store.findLinkByToken(made.tokenHash))?.uses).toBe(5)
  })

  it('links: refuses an expired link without counting it', async () => {
    const { store } = await fresh()
    const made = await store.createLink(link(randomId<UserId>(), { expiresAt: 10_000 }))
    expect((await store.useLink(made.tokenHash, 9_999)).ok).toBe(true)
    expect(await store.useLink(made.tokenHash, 10_000)).toEqual({ ok: false, error: 'expired' })
    expect((await store.findLinkByToken(made.tokenHash))?.uses).toBe(1)
  })

  it('links: only the owner revokes; revoking is final and idempotent', async () => {
    const { store } = await fresh()
    const [owner, other] = [randomId<UserId>(), randomId<UserId>()]
    const made = await store.createLink(link(owner))
    expect(await store.revokeLink(other, made.id, 5)).toBeNull()
    expect(await store.revokeLink(owner, randomId<LinkId>(), 5)).toBeNull()
    expect((await store.useLink(made.tokenHash, Date.now())).ok).toBe(true)
    expect(await store.revokeLink(owner, made.id, 5)).toMatchObject({ id: made.id, revokedAt: 5, uses: 1 })
    expect(await store.revokeLink(owner, made.id, 9)).toMatchObject({ revokedAt: 5 })
    expect(await store.useLink(made.tokenHash, Date.now())).toEqual({ ok: false, error: 'revoked' })
    expect((await store.listLinks(owner))[0]).toMatchObject({ revokedAt: 5 })
  })

  it('links: survive a reopen with their use counts (persistent backends)', async (context) => {
    const { store, reopen } = await fresh()
    if (!reopen) return context.skip()
    const owner = randomId<UserId>()
    const made = await store.createLink(link(owner, { expiresAt: Date.now() + HOUR, maxUses: 4 }))
    await store.useLink(made.tokenHash, Date.now())
    const again = await reopen()
    expect(await again.findLinkByToken(made.tokenHash)).toEqual({ ...made, uses: 1 })
    expect(await again.listLinks(owner)).toHaveLength(1)
  })

  it('links: deletes every link of one owner, revoked ones too; their tokens are unknown after', async () => {
    const { store } = await fresh()
    const [owner, other] = [randomId<UserId>(), randomId<UserId>()]
    const [live, revoked, theirs] = [
      await store.createLink(link(owner)),
      await store.createLink(link(owner)),
      await store.createLink(link(other)),
    ]
    await store.revokeLink(owner, revoked.id, Date.now())
    expect(await store.deleteLinks(owner)).toBe(2)
    expect(await store.listLinks(owner)).toEqual([])
    expect(await store.findLinkByToken(live.tokenHash)).toBeNull()
    expect(await store.useLink(live.tokenHash, Date.now())).toEqual({ ok: false, error: 'unknown' })
    expect(await store.deleteLinks(owner)).toBe(0)
    expect((await store.useLink(theirs.tokenHash, Date.now())).ok).toBe(true)
  })
}
