/**
 * The `/v1/links` routes against a real relay: who may create a link, what the owner sees,
 * what resolving answers (name from the owner's workspace doc as stored), 404/410 for unknown,
 * revoked, expired and used-up links, and the per-IP limit on resolving.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { call, createUser } from '../helpers/links.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'

let relay: TestRelay

beforeAll(async () => {
  relay = await startRelay({ PUBLIC_URL: 'https://ferry.example', LINK_RESOLVES_PER_MINUTE_PER_IP: '1000' })
})
afterAll(async () => {
  await relay?.close(true)
})

describe('creating links', () => {
  it('gives the owner a link whose url carries a 256-bit token, and lists it without the token', async () => {
    const owner = await createUser(relay)
    const doc = docName(owner.id, 'collection', 'c1')
    const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc, maxUses: 3 })
    expect(created.status).toBe(201)
    expect(created.body.url).toBe(`https://ferry.example/#/shared?token=${created.body.token}`)
    expect(created.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const listed = await call(relay, 'GET', '/v1/links', owner.token)
    expect(listed.body.links).toEqual([
      expect.objectContaining({ id: created.body.id, docName: doc, uses: 0, maxUses: 3, expiresAt: null, state: 'active' }),
    ])
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token)
  })

  it('stores only a hash of the token', async () => {
    const owner = await createUser(relay)
    const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c2') })
    await relay.app.close()
    const { readFileSync } = await import('node:fs')
    const file = readFileSync(`${relay.dataDir}/accounts.json`, 'utf8')
    expect(file).toContain(created.body.id)
    expect(file).not.toContain(created.body.token)
    relay = await startRelay({ PUBLIC_URL: 'https://ferry.example', LINK_RESOLVES_PER_MINUTE_PER_IP: '1000' }, relay.dataDir)
    expect((await call(relay, 'GET', `/v1/links/resolve/${created.body.token}`)).status).toBe(200)
  })

  it('refuses a collection of another account (403), an unconfirmed email (403) and non-collections (400)', async () => {
    const [owner, other] = [await createUser(relay), await createUser(relay)]
    const unconfirmed = await createUser(relay, { confirmed: false })
    const theirs = await call(relay, 'POST', '/v1/links', other.token, { docName: docName(owner.id, 'collection', 'c1') })
    expect(theirs).toMatchObject({ status: 403, body: { error: { code: 'not_owner' } } })
    const mine = await call(relay, 'POST', '/v1/links', unconfirmed.token, { docName: docName(unconfirmed.id, 'collection', 'c1') })
    expect(mine).toMatchObject({ status: 403, body: { error: { code: 'email_unconfirmed' } } })
    expect((await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'environments') })).body.error.code).toBe('not_a_collection')
    expect((await call(relay, 'POST', '/v1/links', owner.token, { docName: 'nope' })).status).toBe(400)
    expect((await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c1'), maxUses: 0 })).status).toBe(400)
    expect((await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c1'), expiresAt: Date.now() - 1 })).body.error.code).toBe('invalid_expiry')
    expect((await call(relay, 'POST', '/v1/links', undefined, { docName: docName(owner.id, 'collection', 'c1') })).status).toBe(401)
    expect((await call(relay, 'GET', '/v1/links', other.token)).body.links).toEqual([])
  })

  it('refuses an unconfirmed account made by real sign-up', async () => {
    const email = `links-${Date.now()}@example.test`
    await call(relay, 'POST', '/v1/auth/signup', undefined, { email, password: 'correct horse battery' })
    const login = await call(relay, 'POST', '/v1/auth/login', undefined, { email, password: 'correct horse battery' })
    expect(login.body.user.emailConfirmed).toBe(false)
    const answer = await call(relay, 'POST', '/v1/links', login.body.accessToken, { docName: docName(login.body.user.id, 'collection', 'c1') })
    expect(answer.status).toBe(403)
  })
})

describe('resolving links', () => {
  it('answers the doc, the collection name from the owner’s workspace doc, and the owner’s name', async () => {
    const owner = await createUser(relay, { name: 'Grace' })
    const index = stockProvider(relay.wsUrl, docName(owner.id, 'workspace'), owner.token)
    await synced(index)
    const workspace = new WorkspaceIndex(index.doc)
    const id = workspace.addCollection('Payments API')
    const doc = docName(owner.id, 'collection', id)
    const { body } = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc })
    // The stock provider sends its edit over the socket; resolve once the relay has stored it.
    const resolveStored = async () => {
      await relay.app.sync.flush()
      return call(relay, 'GET', `/v1/links/resolve/${body.token}`)
    }
    await vi.waitFor(async () => expect((await resolveStored()).body.collectionName).toBe('Payments API'), 5_000)
    const resolved = await resolveStored()
    expect(resolved.status).toBe(200)
    expect(resolved.body).toMatchObject({ docName: doc, collectionName: 'Payments API', ownerName: 'Grace' })
    expect(resolved.body.viewerToken).toMatch(new RegExp(`^${body.token}\\.[A-Za-z0-9_-]{43}$`))

    workspace.renameCollection(id, 'Payments API v2')
    await vi.waitFor(async () => expect((await resolveStored()).body.collectionName).toBe('Payments API v2'), 5_000)
    index.destroy()
  })

  it('names a collection the workspace does not list, or lists malformed, "Untitled collection"', async () => {
    const owner = await createUser(relay)
    const { body } = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'x') })
    expect((await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).body.collectionName).toBe('Untitled collection')

    // A workspace doc whose `collections` is not a map at all still resolves.
    const index = stockProvider(relay.wsUrl, docName(owner.id, 'workspace'), owner.token)
    await synced(index)
    index.doc.getArray('collections').push(['x'])
    const check = stockProvider(relay.wsUrl, docName(owner.id, 'workspace'), owner.token)
    await vi.waitFor(() => expect(check.doc.getArray('collections').length).toBe(1), 5_000)
    await relay.app.sync.flush()
    expect(await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).toMatchObject({ status: 200, body: { collectionName: 'Untitled collection' } })
    index.destroy()
    check.destroy()
  })

  it('answers 404 for unknown or malformed tokens and 410 once revoked', async () => {
    const owner = await createUser(relay)
    const { body } = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c1') })
    const unknown = 'A'.repeat(43)
    expect(await call(relay, 'GET', `/v1/links/resolve/${unknown}`)).toMatchObject({ status: 404, body: { error: { code: 'unknown_link' } } })
    expect((await call(relay, 'GET', '/v1/links/resolve/short')).status).toBe(404)
    const other = await createUser(relay)
    expect((await call(relay, 'DELETE', `/v1/links/${body.id}`, other.token)).status).toBe(404)
    expect((await call(relay, 'DELETE', `/v1/links/${body.id}`, owner.token)).status).toBe(204)
    expect(await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).toMatchObject({ status: 410, body: { error: { code: 'link_revoked' } } })
    expect((await call(relay, 'GET', '/v1/links', owner.token)).body.links[0]).toMatchObject({ state: 'revoked' })
  })

  it('counts each open and answers 410 once the uses are spent', async () => {
    const owner = await createUser(relay)
    const { body } = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c1'), maxUses: 2 })
    expect((await fetch(`${relay.url}/v1/links/resolve/${body.token}`, { method: 'HEAD' })).status).toBe(404)
    expect((await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).status).toBe(200)
    expect((await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).status).toBe(200)
    expect(await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).toMatchObject({ status: 410, body: { error: { code: 'link_used_up' } } })
    expect((await call(relay, 'GET', '/v1/links', owner.token)).body.links[0]).toMatchObject({ uses: 2, state: 'used_up' })
  })

  it('answers 410 once the link has expired', async () => {
    const owner = await createUser(relay)
    const expiresAt = Date.now() + 300
    const { body } = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'c1'), expiresAt })
    expect((await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).status).toBe(200)
    await vi.waitFor(async () => {
      expect(await call(relay, 'GET', `/v1/links/resolve/${body.token}`)).toMatchObject({ status: 410, body: { error: { code: 'link_expired' } } })
    }, 5_000)
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt)
    expect((await call(relay, 'GET', '/v1/links', owner.token)).body.links[0]).toMatchObject({ state: 'expired' })
  })
})

describe('guessing', () => {
  it('rate limits resolving per IP with 429 and Retry-After', async () => {
    const limited = await startRelay({ LINK_RESOLVES_PER_MINUTE_PER_IP: '5' })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 7; i++) {
        const response = await fetch(`${limited.url}/v1/links/resolve/${'B'.repeat(42)}${i}`)
        statuses.push(response.status)
        if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      }
      expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429])
    } finally {
      await limited.close(true)
    }
  })
})
