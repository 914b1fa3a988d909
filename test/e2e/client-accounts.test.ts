import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deleteDatabase } from '../../packages/client/src/idb.ts'
import { Accounts, BadRequest, InvalidCredentials, Offline, RateLimited, RelayApi, SignedOut } from '../../packages/client/src/index.ts'
import { createDevice, uniqueEmail, type Device } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'

const PASSWORD = 'correct horse battery staple'

let relay: TestRelay
let api: RelayApi

beforeEach(async () => {
  relay = await startRelay({ ACCESS_TOKEN_TTL_SECONDS: '10', AUTH_ATTEMPTS_PER_WINDOW: '3' })
  api = new RelayApi({ baseUrl: relay.url })
})
afterEach(async () => {
  await relay.close(true)
})

async function signedUp(label: string): Promise<string> {
  const email = uniqueEmail(label)
  await api.signup({ email, password: PASSWORD, name: label })
  return email
}

/** Registers and creates `ferry:<owner>:<kind>` databases, as a workspace opening them would. */
async function createDatabases(accounts: Accounts, device: Device, names: string[]): Promise<void> {
  for (const name of names) {
    await accounts.store.registerDatabase(name.split(':')[1] as never, name)
    device.indexedDB.open(name).onsuccess = (event) => (event.target as IDBOpenDBRequest).result.close()
  }
  await expect.poll(() => device.databases()).toEqual(expect.arrayContaining(names))
}

describe('client accounts against a real relay', { timeout: 60_000 }, () => {
  it('signs up and in, keeps several accounts across a reload, and switches between them', async () => {
    const device = createDevice('laptop')
    const [alice, bob] = [await signedUp('alice'), await signedUp('bob')]
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    const a = await accounts.signIn(alice, PASSWORD)
    await accounts.switchTo(a.id)
    const b = await accounts.signIn(bob, PASSWORD)
    expect(a.profile).toMatchObject({ email: alice, name: 'alice', emailConfirmed: false })
    expect(accounts.activeId).toBe(a.id)
    await accounts.switchTo(b.id)
    await accounts.setSyncEnabled(a.id, false)
    accounts.close()

    const reopened = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    expect(reopened.list().map((x) => [x.profile.email, x.state])).toEqual([
      [alice, 'signed-in'],
      [bob, 'signed-in'],
    ])
    expect(reopened.activeId).toBe(b.id)
    expect(reopened.list().map((x) => x.syncEnabled)).toEqual([false, true])
    const token = await reopened.accessToken(a.id)
    expect(relay.app.accessTokens.verify(token)).toMatchObject({ userId: a.id })
    reopened.close()
  })

  it('tells a wrong password from too many attempts from an unreachable relay', async () => {
    const device = createDevice('laptop')
    const email = await signedUp('carol')
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    await expect(accounts.signIn(email, 'wrong password')).rejects.toBeInstanceOf(InvalidCredentials)
    await expect(api.signup({ email: 'not an email', password: PASSWORD })).rejects.toBeInstanceOf(BadRequest)
    let limited: unknown
    for (let i = 0; i < 5 && !limited; i++) {
      await accounts.signIn(email, 'wrong password').catch((error: unknown) => {
        if (error instanceof RateLimited) limited = error
      })
    }
    expect(limited).toBeInstanceOf(RateLimited)
    expect((limited as RateLimited).retryAfterSeconds).toBeGreaterThan(0)
    accounts.close()

    const closedPort = await startRelay()
    const deadUrl = closedPort.url
    await closedPort.close(true)
    await expect(new RelayApi({ baseUrl: deadUrl }).login(email, PASSWORD)).rejects.toBeInstanceOf(Offline)
  })

  it('refreshes the access token before it expires, rotating the refresh token', async () => {
    const device = createDevice('laptop')
    const email = await signedUp('dave')
    let now = Date.now()
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB, now: () => now })
    const { id } = await accounts.signIn(email, PASSWORD)
    const first = await accounts.accessToken(id)
    const firstRefresh = (await accounts.store.account(id))!.refreshToken
    now += 7_000
    expect(await accounts.accessToken(id)).toBe(first)
    expect((await accounts.store.account(id))!.refreshToken).toBe(firstRefresh)
    now += 2_000 // inside the last 20 % of a 10 s lifetime
    const second = await accounts.accessToken(id)
    expect((await accounts.store.account(id))!.refreshToken).not.toBe(firstRefresh)
    expect(relay.app.accessTokens.verify(second)).toMatchObject({ userId: id })
    accounts.close()
  })

  it('surfaces an ended session as a signed-out account, not as a silent failure', async () => {
    const device = createDevice('laptop')
    const email = await signedUp('erin')
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    const { id } = await accounts.signIn(email, PASSWORD)
    await accounts.switchTo(id)
    // The password is reset elsewhere, say: every session of the account ends.
    const elsewhere = await api.login(email, PASSWORD)
    const stored = await accounts.store.account(id)
    await api.logout(stored!.refreshToken!)
    const changes: string[] = []
    accounts.onChange(() => changes.push(accounts.get(id)!.state))
    await expect(accounts.refresh(id)).rejects.toBeInstanceOf(SignedOut)
    expect(accounts.get(id)?.state).toBe('signed-out')
    expect(changes).toContain('signed-out')
    await expect(accounts.accessToken(id)).rejects.toBeInstanceOf(SignedOut)
    expect(elsewhere.user.id).toBe(id)
    accounts.close()
  })

  it('signing one account out revokes its session and wipes its databases only', async () => {
    const device = createDevice('laptop')
    const [frank, grace] = [await signedUp('frank'), await signedUp('grace')]
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    const f = await accounts.signIn(frank, PASSWORD)
    const g = await accounts.signIn(grace, PASSWORD)
    await accounts.switchTo(f.id)
    const names = [`ferry:${f.id}:workspace`, `ferry:${f.id}:history`, `ferry:${g.id}:workspace`, 'ferry:local:workspace']
    await createDatabases(accounts, device, names)
    const refreshToken = (await accounts.store.account(f.id))!.refreshToken!

    await accounts.signOut(f.id)

    expect(await device.databases()).toEqual(['ferry:accounts', `ferry:${g.id}:workspace`, 'ferry:local:workspace'].sort())
    expect(accounts.list().map((a) => a.id)).toEqual([g.id])
    expect(accounts.activeId).toBe(g.id)
    await expect(api.refresh(refreshToken)).rejects.toBeInstanceOf(SignedOut)
    accounts.close()
    await deleteDatabase(device.indexedDB, 'ferry:accounts')
  })

  it('finishes at the next start a sign-out whose page died before wiping the databases', async () => {
    const device = createDevice('laptop')
    const [hugo, iris] = [await signedUp('hugo'), await signedUp('iris')]
    const accounts = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    const h = await accounts.signIn(hugo, PASSWORD)
    const i = await accounts.signIn(iris, PASSWORD)
    const names = [`ferry:${h.id}:workspace`, `ferry:${h.id}:history`, `ferry:${i.id}:workspace`]
    await createDatabases(accounts, device, names)
    // The first step of a sign-out, then the page is gone before the wipe.
    await accounts.store.removeAccount(h.id)
    accounts.close()

    const reopened = await Accounts.open({ relay: api, indexedDB: device.indexedDB })
    expect(await device.databases()).toEqual(['ferry:accounts', `ferry:${i.id}:workspace`].sort())
    expect(reopened.list().map((a) => a.id)).toEqual([i.id])
    reopened.close()
  })
})
