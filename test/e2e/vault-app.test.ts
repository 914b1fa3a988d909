/**
 * The vault as an app wires it: `FerryClient` on two simulated browsers, the vault opened with
 * `openAccountVault`, values written through `SecretEnvironments` over the workspace's own
 * environments doc (persisted in IndexedDB, synced by the client's provider). The secret
 * reaches the other browser in clear and is ciphertext in both browsers' IndexedDB too.
 */
import { randomBytes } from 'node:crypto'
import { expect, it, vi } from 'vitest'
import { describeStatus, FerryClient, openAccountVault, SecretEnvironments, type Vault } from '../../packages/client/src/index.ts'
import { openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { useRelayEachTest } from '../helpers/relay-each-test.ts'
import { storedBytes } from '../helpers/stored-bytes.ts'

const suite = useRelayEachTest()

async function browser(name: string, email: string): Promise<{ device: Device; client: FerryClient; vault: Vault; envs: SecretEnvironments }> {
  const device = createDevice(name)
  const client = await openClient(suite.relay, device)
  suite.afterTest(() => client.close())
  const account = await client.signIn(email, PASSWORD)
  const vault = await openAccountVault({ relay: client.relay, accounts: client.accounts, owner: account.id, indexedDB: device.indexedDB, deviceName: name })
  suite.afterTest(() => vault.close())
  const envs = new SecretEnvironments(await client.workspace.environments(), client.workspace.docName('environments'), vault)
  return { device, client, vault, envs }
}


it('a secret written in one browser is read in clear in the other and stored as ciphertext in both', async () => {
  const email = await signUp(suite.relay, 'vera')
  const canary = `canary-app-${randomBytes(12).toString('hex')}`
  const laptop = await browser('laptop', email)
  await laptop.vault.refresh()
  await laptop.vault.create()
  const id = await laptop.envs.addVariable(null, { key: 'apiKey', value: canary, secret: true })

  const phone = await browser('phone', email)
  expect(await phone.vault.refresh()).toEqual({ kind: 'locked', reason: 'pending' })
  await laptop.vault.approve(phone.vault.deviceId!)
  expect((await phone.vault.refresh()).kind).toBe('unlocked')
  await vi.waitFor(async () => expect(await phone.envs.readVariable(null, id)).toEqual({ state: 'value', value: canary }), { timeout: 15_000 })
  await vi.waitFor(() => expect(describeStatus(laptop.client.status)).toBe('in sync'), { timeout: 15_000 })
  expect((await phone.envs.resolve('Bearer {{apiKey}}', null)).text).toBe(`Bearer ${canary}`)

  for (const { device } of [laptop, phone]) {
    const bytes = await storedBytes(device.indexedDB)
    expect(bytes.includes(Buffer.from('apiKey'))).toBe(true)
    expect(bytes.includes(Buffer.from(canary))).toBe(false)
  }
})
