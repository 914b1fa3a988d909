/**
 * `PgAccountStore`: every account port's contract on PostgreSQL, then races between two relay
 * instances (two stores on two pools over one schema), each checked for what a user would see.
 * Every race runs several rounds on warmed pools, so a read-then-write that is not atomic
 * across instances loses at least one of them.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type pg from 'pg'
import { docName, type UserId } from '@ferry/protocol'
import type { LinkId } from '../../relay/src/storage/accounts/links.ts'
import type { DeviceId } from '../../relay/src/storage/accounts/vault.ts'
import { openPool } from '../../relay/src/storage/postgres/database.ts'
import { PgAccountStore } from '../../relay/src/storage/postgres/pg-account-store.ts'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { accountBackendContracts } from './account-backend.ts'

const ROUNDS = 8
const HOUR = 3600_000
const randomId = <T extends string>(): T => randomBytes(16).toString('base64url') as T
const hash = (): string => randomBytes(32).toString('hex')
const blob = (): string => randomBytes(48).toString('base64url')

/** Pools and schemas this file made, released after all of its suites. */
const pools: pg.Pool[] = []
const schemas: TestSchema[] = []

function trackedPool(url: string): pg.Pool {
  const pool = openPool(url, () => undefined)
  pools.push(pool)
  return pool
}

afterAll(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end()))
  await Promise.all(schemas.splice(0).map((schema) => schema.drop()))
})

describe.skipIf(skipPostgres)('PgAccountStore', () => {
  accountBackendContracts('postgres', async () => {
    const schema = await createTestSchema()
    schemas.push(schema)
    const pool = trackedPool(schema.url)
    const store = await PgAccountStore.open(pool)
    return {
      store,
      reopen: async () => {
        await store.close()
        return PgAccountStore.open(pool)
      },
    }
  })

  it('stops serving on close but leaves the pool to its owner', async () => {
    const schema = await createTestSchema()
    schemas.push(schema)
    const pool = trackedPool(schema.url)
    const store = await PgAccountStore.open(pool)
    await store.close()
    await expect(store.ping()).rejects.toThrow(/closed/)
    await expect(store.getUser(randomId<UserId>())).rejects.toThrow(/closed/)
    await expect(pool.query('SELECT 1')).resolves.toBeDefined()
  })

  it('finishes the calls already running before close resolves, so the pool can end right after', async () => {
    const schema = await createTestSchema()
    schemas.push(schema)
    const pool = trackedPool(schema.url)
    const store = await PgAccountStore.open(pool)
    const settled: string[] = []
    const id = randomId<UserId>()
    const creating = store
      .createUser({ id, email: `${id.toLowerCase()}@example.test`, name: 'Ada', emailConfirmed: false, passwordHash: null, createdAt: Date.now() })
      .then((result) => settled.push(result.ok ? 'created' : result.error))
    await Promise.all([creating, store.close().then(() => settled.push('closed'))])
    expect(settled).toEqual(['created', 'closed'])
  })
})

describe.skipIf(skipPostgres)('PgAccountStore on two relay instances at once', () => {
  let a: PgAccountStore
  let b: PgAccountStore

  beforeAll(async () => {
    const schema = await createTestSchema()
    schemas.push(schema)
    const [poolA, poolB] = [trackedPool(schema.url), trackedPool(schema.url)]
    // Both instances migrate at once, as they do when a deployment starts.
    ;[a, b] = await Promise.all([PgAccountStore.open(poolA), PgAccountStore.open(poolB)])
    // Warm connections, so the racing calls start together instead of queueing on connects.
    await Promise.all([poolA, poolB].flatMap((pool) => Array.from({ length: 5 }, () => pool.query('SELECT pg_sleep(0.05)'))))
  })

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
  })

  async function newUser(): Promise<UserId> {
    const id = randomId<UserId>()
    const created = await a.createUser({ id, email: `${id.toLowerCase()}@example.test`, name: 'Ada', emailConfirmed: false, passwordHash: null, createdAt: Date.now() })
    if (!created.ok) throw new Error(created.error)
    return id
  }

  it('signs the same email up once when it arrives at both instances', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const email = `race-${round}-${hash().slice(0, 8)}@example.test`
      const signUp = (store: PgAccountStore) =>
        store.createUser({ id: randomId<UserId>(), email, name: 'Ada', emailConfirmed: false, passwordHash: 'scrypt$x', createdAt: Date.now() })
      const results = await Promise.all([signUp(a), signUp(b)])
      const winners = results.flatMap((r) => (r.ok ? [r.value.id] : []))
      expect(winners).toHaveLength(1)
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, error: 'email_taken' }])
      expect((await b.findUserByEmail(email))?.id).toBe(winners[0])
    }
  })

  it('lets a confirmation link work once when both instances consume it', async () => {
    const user = await newUser()
    for (let round = 0; round < ROUNDS; round++) {
      const token = hash()
      await a.putToken({ hash: token, kind: 'confirm', userId: user, expiresAt: Date.now() + HOUR })
      const now = Date.now()
      const results = await Promise.all([a.consumeToken('confirm', token, now), b.consumeToken('confirm', token, now)])
      expect(results.filter((r) => r === user)).toHaveLength(1)
      expect(results.filter((r) => r === null)).toHaveLength(1)
    }
  })

  it('lets a link with 3 uses open exactly 3 times out of 10 concurrent opens on both instances', async () => {
    const owner = randomId<UserId>()
    for (let round = 0; round < ROUNDS; round++) {
      const link = await a.createLink({
        id: randomId<LinkId>(),
        ownerId: owner,
        docName: docName(owner, 'collection', 'c1'),
        tokenHash: hash(),
        passKey: blob(),
        createdAt: Date.now(),
        expiresAt: null,
        maxUses: 3,
      })
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).useLink(link.tokenHash, Date.now())))
      expect(results.filter((r) => r.ok)).toHaveLength(3)
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error)).toEqual(Array(7).fill('used_up'))
      expect((await b.findLinkByToken(link.tokenHash))?.uses).toBe(3)
    }
  })

  it('treats a refresh token rotated on both instances at once as reused and ends that session', async () => {
    const user = await newUser()
    const expiresAt = Date.now() + HOUR
    for (let round = 0; round < ROUNDS; round++) {
      const [token, other] = [hash(), hash()]
      await a.createRefreshToken({ hash: token, userId: user, familyId: `session-${round}`, expiresAt })
      await a.createRefreshToken({ hash: other, userId: user, familyId: `other-${round}`, expiresAt })
      const next = [hash(), hash()]
      const outcomes = await Promise.all([
        a.rotateRefreshToken(token, { hash: next[0]!, expiresAt }, Date.now()),
        b.rotateRefreshToken(token, { hash: next[1]!, expiresAt }, Date.now()),
      ])
      expect(outcomes.map((o) => o.status).sort()).toEqual(['reused', 'rotated'])
      // The winner's new token died with the family: that session is signed out everywhere …
      const winner = next[outcomes.findIndex((o) => o.status === 'rotated')]!
      expect(await b.rotateRefreshToken(winner, { hash: hash(), expiresAt }, Date.now())).toEqual({ status: 'invalid' })
      // … and the user's other sessions carry on.
      expect((await b.rotateRefreshToken(other, { hash: hash(), expiresAt }, Date.now())).status).toBe('rotated')
    }
  })

  it('signs a session out for good even while the other instance rotates its token', async () => {
    const user = await newUser()
    const expiresAt = Date.now() + HOUR
    for (let round = 0; round < ROUNDS; round++) {
      const token = hash()
      const next = hash()
      await a.createRefreshToken({ hash: token, userId: user, familyId: `signout-${round}`, expiresAt })
      // The sign-out starts 0–3 round trips after the rotation, so both orders (and the
      // sign-out waiting on a rotation in flight) occur across the rounds.
      const signOut = async (): Promise<unknown> => {
        for (let trip = 0; trip < round % 4; trip++) await b.ping()
        return b.revokeRefreshFamily(token)
      }
      const [rotated] = await Promise.all([a.rotateRefreshToken(token, { hash: next, expiresAt }, Date.now()), signOut()])
      if (rotated.status === 'rotated') {
        expect(await a.rotateRefreshToken(next, { hash: hash(), expiresAt }, Date.now())).toEqual({ status: 'invalid' })
      } else {
        expect(rotated).toEqual({ status: 'invalid' })
      }
      expect(await a.sessionLive(user, `signout-${round}`, Date.now())).toBe(false)
    }
  })

  it('creates a vault once when two devices set it up on both instances at once', async () => {
    const user = await newUser()
    const devices = await Promise.all(
      [a, b].map((store) => store.registerDevice({ id: randomId<DeviceId>(), userId: user, name: 'Laptop', publicKey: blob(), sessionHash: null, createdAt: Date.now() })),
    )
    const results = await Promise.all(
      [a, b].map((store, i) => store.createVault(user, { deviceId: devices[i]!.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: Date.now() })),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, error: 'vault_exists' }])
    // Only the device that created the vault holds its key.
    const statuses = (await b.listDevices(user)).map((d) => d.status).sort()
    expect(statuses).toEqual(['approved', 'pending'])
  })

  it('lets one of two vault rotations from the same generation win; the other is told it is stale', async () => {
    const user = await newUser()
    const laptop = await a.registerDevice({ id: randomId<DeviceId>(), userId: user, name: 'Laptop', publicKey: blob(), sessionHash: null, createdAt: Date.now() })
    const created = await a.createVault(user, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: Date.now() })
    expect(created.ok).toBe(true)
    for (let round = 0; round < ROUNDS; round++) {
      const generation = round + 2
      const rotations = [a, b].map(() => ({ generation, wrappedKeys: { [laptop.id]: blob() }, recoveryWrappedKey: blob(), recoveryTag: blob(), link: blob() }))
      const results = await Promise.all([a.rotateVault(user, rotations[0]!), b.rotateVault(user, rotations[1]!)])
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, error: 'stale_generation' }])
      // The vault and the laptop's key are the winner's, never a mix of both.
      const won = rotations[results.findIndex((r) => r.ok)]!
      expect(await b.getVault(user)).toEqual({ generation, recoveryWrappedKey: won.recoveryWrappedKey, recoveryTag: won.recoveryTag })
      expect((await b.getVaultChain(user))?.links.at(-1)).toEqual({ generation, link: won.link })
      expect(await b.getDevice(user, laptop.id)).toMatchObject({ generation, wrappedKey: won.wrappedKeys[laptop.id] })
    }
  })
})
