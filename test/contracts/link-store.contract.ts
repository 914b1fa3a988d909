/**
 * The share-link part of the `AccountStore` contract; run by `accountStoreContract` for every
 * backend.
 */
import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { docName, type UserId } from '@ferry/protocol'
import type { AccountStore, LinkId, NewLink } from '../../relay/src/storage/account-store.ts'

interface Fresh {
  store: AccountStore
  reopen?: () => Promise<AccountStore>
}

const randomId = <T extends string>(): T => randomBytes(16).toString('base64url') as T
const hash = (): string => randomBytes(32).toString('hex')
const HOUR = 3600_000

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

/** Registers the link cases; call inside the backend's `describe`, with its factory of fresh stores. */
export function linksContract(fresh: () => Promise<Fresh>): void {
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
    try {
      expect(await again.findLinkByToken(made.tokenHash)).toEqual({ ...made, uses: 1 })
      expect(await again.listLinks(owner)).toHaveLength(1)
    } finally {
      await again.close()
    }
  })
}
