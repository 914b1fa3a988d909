/**
 * The vault with real accounts (signup, mailed links):
 * - wired to `Accounts` (as `FerryClient` holds them): approval between two browsers, revoking
 *   a device ends its session, signing out wipes the device keys;
 * - a password reset ends every session but does not touch the vault: after signing in again
 *   with the new password, the same browser is still an approved device with the same key;
 * - a link holder never gets near vault data: only collections can be shared, and a link
 *   token opens no socket on the environments doc.
 */
import { IDBFactory } from 'fake-indexeddb'
import { expect, it } from 'vitest'
import { Accounts } from '../../packages/client/src/accounts.ts'
import { openAccountVault } from '../../packages/client/src/account-vault.ts'
import { SignedOut } from '../../packages/client/src/errors.ts'
import { RelayApi } from '../../packages/client/src/relay-api.ts'
import { deviceKeysDatabase } from '../../packages/client/src/device-keys.ts'
import type { UserId } from '@ferry/protocol'
import { useMailingRelay } from '../helpers/mailing-relay.ts'
import { tokenFromLink } from '../helpers/smtp.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { openVaultDevice } from '../helpers/vault-devices.ts'
import { call, type Answer } from '../helpers/http.ts'

const suite = useMailingRelay()

const post = (path: string, body: unknown): Promise<Answer> => call(suite.relay, 'POST', path, undefined, body)

it('keeps the device approved and its secrets readable across a password reset', async () => {
  const email = 'vault-reset@example.test'
  await post('/v1/auth/signup', { email, password: 'first password here' })
  await suite.smtp.waitForMail(email)
  let session = (await post('/v1/auth/login', { email, password: 'first password here' })).body
  const owner = session.user.id as UserId

  const device = await openVaultDevice({ url: suite.relay.url, wsUrl: suite.relay.wsUrl, token: () => session.accessToken }, owner, 'Laptop')
  try {
    await device.vault.refresh()
    await device.vault.create()
    const id = await device.envs.addVariable(null, { key: 'token', value: 'survives resets' })

    await post('/v1/auth/recover', { email })
    const link = (await suite.smtp.waitForMail(email)).links.find((l) => l.includes('#/reset?token='))!
    expect((await post('/v1/auth/reset', { token: tokenFromLink(link), password: 'second password here' })).status).toBe(200)
    expect((await post('/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401)
    session = (await post('/v1/auth/login', { email, password: 'second password here' })).body

    const reopened = await device.reload()
    expect(await reopened.refresh()).toEqual({ kind: 'unlocked', generation: 1 })
    expect((await reopened.devices()).map((d) => [d.name, d.status, d.current])).toEqual([['Laptop', 'approved', true]])
    expect(await device.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'survives resets' })
  } finally {
    await device.close()
  }
})

it('gives a link holder no way to the environments doc', async () => {
  const email = 'vault-links@example.test'
  await post('/v1/auth/signup', { email, password: 'first password here' })
  await post('/v1/auth/confirm', { token: tokenFromLink((await suite.smtp.waitForMail(email)).links[0]!) })
  const session = (await post('/v1/auth/login', { email, password: 'first password here' })).body
  const owner = session.user.id as UserId
  const device = await openVaultDevice({ url: suite.relay.url, wsUrl: suite.relay.wsUrl, token: () => session.accessToken }, owner, 'Laptop')
  try {
    await device.vault.refresh()
    await device.vault.create()
    await device.connect()
    await device.envs.addVariable(null, { key: 'token', value: 'not for link holders' })

    const authed = { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` }
    const createLink = (docName: string) => fetch(`${suite.relay.url}/v1/links`, { method: 'POST', headers: authed, body: JSON.stringify({ docName }) })
    const refused = await createLink(device.docName)
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('not_a_collection')

    const link = (await (await createLink(`${owner}:collection:abc123`)).json()) as { token: string }
    const outcome = await rawClient(syncUrl(suite.relay.wsUrl, device.docName, link.token)).then(
      (client) => client.closed.then((code) => `closed ${code}`),
      (error: Error) => error.message,
    )
    expect(outcome).toMatch(/^(closed 4403|HTTP 403)$/)
  } finally {
    await device.close()
  }
})

it('works with the accounts of two browsers: approval, revocation signs the revoked browser out, sign-out wipes its device keys', async () => {
  const email = 'vault-browsers@example.test'
  await post('/v1/auth/signup', { email, password: 'first password here' })
  const relayApi = new RelayApi({ baseUrl: suite.relay.url })
  const browser = async () => {
    const indexedDB = new IDBFactory()
    const accounts = await Accounts.open({ relay: relayApi, indexedDB })
    const account = await accounts.signIn(email, 'first password here')
    const vault = await openAccountVault({ relay: relayApi, accounts, owner: account.id, indexedDB, deviceName: 'Test browser' })
    return { indexedDB, accounts, owner: account.id, vault }
  }
  const a = await browser()
  const b = await browser()
  try {
    await a.vault.refresh()
    await a.vault.create()
    expect(await b.vault.refresh()).toEqual({ kind: 'locked', reason: 'pending' })
    await a.vault.approve(b.vault.deviceId!)
    expect(await b.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1 })

    await a.vault.revoke(b.vault.deviceId!)
    await expect(b.accounts.refresh(b.owner)).rejects.toBeInstanceOf(SignedOut)
    expect(b.accounts.get(b.owner)?.state).toBe('signed-out')
    expect((await a.accounts.refresh(a.owner)).length).toBeGreaterThan(0)

    const name = deviceKeysDatabase(a.owner)
    expect((await a.indexedDB.databases()).map((d) => d.name)).toContain(name)
    a.vault.close()
    await a.accounts.signOut(a.owner)
    expect((await a.indexedDB.databases()).map((d) => d.name)).not.toContain(name)
  } finally {
    a.vault.close()
    b.vault.close()
    a.accounts.close()
    b.accounts.close()
  }
})
