/**
 * Account backup in the client (issue 15): `downloadBackup` and `restoreBackup` on simulated
 * browsers against real relays. A file of one account restores into another account on a
 * fresh relay, merging with what is there: without the recovery key its values wait, empty;
 * with it they are sealed for the new account, and restoring again changes nothing. Neither
 * the secret nor the old account's ciphertext ever reaches the new account's doc. Also: the
 * local-only workspace's plain values are sealed (or kept back) on the way into an account, a
 * file built offline, a wrong recovery key, and a collection deleted for good staying deleted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, parseBackup, type UserId } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import {
  downloadBackup,
  inspectBackup,
  openAccountVault,
  restoreBackup,
  SecretEnvironments,
  WrongRecoveryKey,
  type FerryClient,
  type Vault,
} from '../../packages/client/src/index.ts'
import { collectionNames, inSync, openClient, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'

const SECRET = 'backup-secret-7f3a9c'
const PLAIN = 'local-plain-value-51b2'

const relays: TestRelay[] = []
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  for (const relay of relays.splice(0)) await relay.close(true)
})

async function relay(): Promise<TestRelay> {
  const started = await startRelay()
  relays.push(started)
  return started
}

/** A browser signed in to a new account of `on` (or in the local-only workspace without `label`). */
async function browser(on: TestRelay, label?: string): Promise<{ client: FerryClient; vault: Vault | null; indexedDB: IDBFactory }> {
  const device = createDevice(label ?? 'local')
  const client = await openClient(on, device)
  cleanups.push(() => client.close())
  if (label === undefined) return { client, vault: null, indexedDB: device.indexedDB }
  const account = await client.signIn(await signUp(on, label), PASSWORD)
  const vault = await openAccountVault({ relay: client.relay, accounts: client.accounts, owner: account.id, indexedDB: device.indexedDB, deviceName: label })
  cleanups.push(() => vault.close())
  await vault.refresh()
  return { client, vault, indexedDB: device.indexedDB }
}

const secrets = async (client: FerryClient, vault: Vault) => new SecretEnvironments(await client.workspace.environments(), client.workspace.docName('environments'), vault)

/** The value of the one variable of environment `name`, as this account reads it. */
async function valueIn(client: FerryClient, vault: Vault, name: string): Promise<unknown> {
  const envs = await secrets(client, vault)
  const environment = envs.environments.list().find((e) => e.name === name)!
  return envs.readVariable(environment.id, environment.variables[0]!.id)
}

/** What the relay stores of one of `owner`'s docs, as bytes (every update merged). */
async function relayBytes(on: TestRelay, owner: UserId, kind: 'environments' | 'workspace'): Promise<Buffer> {
  await on.app.sync.flush()
  const doc = new Y.Doc()
  applyUpdates(doc, storedUpdates(await on.stores.docs.load(docName(owner, kind))))
  return Buffer.from(Y.encodeStateAsUpdate(doc))
}


describe('account backup in the client', () => {
  it('restores an account into another on a fresh relay: values wait without the recovery key and are sealed for the new account with it', async () => {
    const a = await relay()
    const alice = await browser(a, 'alice')
    const recoveryKey = await alice.vault!.create()
    const workspace = alice.client.workspace
    const pets = await workspace.createCollection('Pets')
    ;(await workspace.collection(pets)).add({ kind: 'request', name: 'List pets', method: 'GET', url: 'https://api.example.com/pets' })
    workspace.index.addHeaderPreset('JSON', [{ key: 'Accept', value: 'application/json' }])
    workspace.index.setSetting('requestTimeoutMs', 5000)
    ;(await workspace.history()).append({ request: { method: 'GET', url: 'https://api.example.com/pets', headers: [], body: '' }, status: 200, timingMs: 5, responseSize: 10, time: 1_700_000_000_000, source: null })
    const envs = await secrets(alice.client, alice.vault!)
    await envs.addVariable(envs.environments.add('Prod'), { key: 'token', value: SECRET, secret: true })
    await inSync(alice.client)

    const downloaded = await downloadBackup(alice.client)
    expect(downloaded.from).toBe('relay')
    expect(downloaded.fileName).toMatch(/^ferry-backup-alice-.*@.*-\d{4}-\d\d-\d\d\.json$/)
    expect(downloaded.text).not.toContain(SECRET)
    const aliceCiphertext = envs.environments.list()[0]!.variables[0]!.value

    const b = await relay()
    const bob = await browser(b, 'bob')
    await bob.client.workspace.createCollection('Mine')
    expect(inspectBackup(bob.client.workspace, downloaded.text)).toMatchObject({ collections: 1, values: 1, needsRecoveryKey: true, valuesUnreadable: false })

    // No vault and no key yet: everything else comes in, the value waits (empty).
    const first = await restoreBackup(bob.client.workspace, downloaded.text, { vault: bob.vault })
    expect(first).toEqual({ merged: 4, skipped: [], secrets: { kept: 0, restored: 0, needKey: 1, needVault: 0 } })
    expect(collectionNames(bob.client)).toEqual(['Mine', 'Pets'])
    await bob.vault!.create()
    expect(await valueIn(bob.client, bob.vault!, 'Prod')).toEqual({ state: 'value', value: '' })

    // With the key: filled, sealed for Bob's account.
    const second = await restoreBackup(bob.client.workspace, downloaded.text, { vault: bob.vault, recoveryKey })
    expect(second.secrets).toEqual({ kept: 0, restored: 1, needKey: 0, needVault: 0 })
    expect(await valueIn(bob.client, bob.vault!, 'Prod')).toEqual({ state: 'value', value: SECRET })
    const restored = bob.client.workspace.index
    expect(restored.headerPresets().map((p) => p.name)).toEqual(['JSON'])
    expect(restored.settings().requestTimeoutMs).toBe(5000)
    expect((await bob.client.workspace.collection(pets)).tree().map((item) => item.name)).toEqual(['List pets'])
    expect((await bob.client.workspace.history()).entries()).toHaveLength(1)

    await inSync(bob.client)
    const bobId = bob.client.workspace.owner
    const usedBefore = (await b.stores.docs.usage(bobId)).used
    const again = await restoreBackup(bob.client.workspace, downloaded.text, { vault: bob.vault, recoveryKey })
    expect(again).toEqual({ merged: 4, skipped: [], secrets: { kept: 0, restored: 0, needKey: 0, needVault: 0 } })
    await inSync(bob.client)
    expect((await b.stores.docs.usage(bobId)).used).toBe(usedBefore)

    const stored = await relayBytes(b, bobId, 'environments')
    expect(stored.includes(Buffer.from('token'))).toBe(true)
    expect(stored.includes(Buffer.from(SECRET))).toBe(false)
    expect(stored.includes(Buffer.from(aliceCiphertext.slice(3, 40)))).toBe(false)
  })

  it('refuses a wrong recovery key before writing anything', async () => {
    const a = await relay()
    const alice = await browser(a, 'alice')
    await alice.vault!.create()
    const envs = await secrets(alice.client, alice.vault!)
    await envs.addVariable(null, { key: 'token', value: SECRET })
    await alice.client.workspace.createCollection('Pets')
    const { text } = await downloadBackup(alice.client)
    const bob = await browser(a, 'bob')
    const other = await browser(a, 'carol')
    const wrongKey = await other.vault!.create()
    await expect(restoreBackup(bob.client.workspace, text, { vault: bob.vault, recoveryKey: wrongKey })).rejects.toBeInstanceOf(WrongRecoveryKey)
    expect(collectionNames(bob.client)).toEqual([])
  })

  it('seals the local-only workspace’s plain values for the account, and sends none in clear while the account has no vault', async () => {
    const a = await relay()
    const local = await browser(a)
    await local.client.workspace.createCollection('Scratch')
    const environments = await local.client.workspace.environments()
    environments.globals.add({ key: 'apiKey', value: PLAIN })
    const downloaded = await downloadBackup(local.client)
    expect(downloaded.from).toBe('device')
    expect(parseBackup(downloaded.text)).toMatchObject({ ok: true, value: { source: { accountId: 'local', relay: null }, vault: null } })

    const bob = await browser(a, 'bob')
    expect(inspectBackup(bob.client.workspace, downloaded.text)).toMatchObject({ needsRecoveryKey: false, valuesUnreadable: false })
    expect((await restoreBackup(bob.client.workspace, downloaded.text, { vault: bob.vault })).secrets).toEqual({ kept: 0, restored: 0, needKey: 0, needVault: 1 })
    await inSync(bob.client)
    const bobId = bob.client.workspace.owner
    expect((await relayBytes(a, bobId, 'environments')).includes(Buffer.from(PLAIN))).toBe(false)

    await bob.vault!.create()
    expect((await restoreBackup(bob.client.workspace, downloaded.text, { vault: bob.vault })).secrets).toEqual({ kept: 0, restored: 1, needKey: 0, needVault: 0 })
    const envs = await secrets(bob.client, bob.vault!)
    expect(await envs.readVariable(null, envs.environments.globals.list()[0]!.id)).toEqual({ state: 'value', value: PLAIN })
    await inSync(bob.client)
    expect((await relayBytes(a, bobId, 'environments')).includes(Buffer.from(PLAIN))).toBe(false)
    expect(collectionNames(bob.client)).toEqual(['Scratch'])
  })

  it('builds the file on the device while the relay is down, and leaves a collection deleted for good deleted', async () => {
    const a = await relay()
    const alice = await browser(a, 'alice')
    const workspace = alice.client.workspace
    const [keep, drop] = [await workspace.createCollection('Keep'), await workspace.createCollection('Drop')]
    ;(await workspace.collection(keep)).add({ kind: 'request', name: 'Stays', method: 'GET', url: 'https://example.com/keep' })
    ;(await workspace.collection(drop)).add({ kind: 'request', name: 'Gone soon', method: 'GET', url: 'https://example.com/drop' })
    await inSync(alice.client)
    relays.splice(relays.indexOf(a), 1)
    await a.close(true)
    const offline = await downloadBackup(alice.client)
    expect(offline.from).toBe('device')
    const file = parseBackup(offline.text)
    expect(file.ok && file.value.vault).toBeNull()
    expect(file.ok && file.value.docs.filter((d) => d.kind === 'collection').map((d) => d.id).sort()).toEqual([keep, drop].sort())

    // Deleted for good here: unlisted (as emptying the trash leaves it).
    workspace.index.removeCollection(drop)
    const report = await restoreBackup(workspace, offline.text)
    expect(report).toMatchObject({ merged: 2, skipped: [drop] })
    expect(collectionNames(alice.client)).toEqual(['Keep'])
    expect(new Collection(await workspace.doc('collection', drop)).tree()).toEqual([])
  })

  it("builds the file from a second device's copy without loading the collections it opened in an earlier session", async () => {
    const a = await relay()
    const alice = await browser(a, 'alice')
    const ids = [await alice.client.workspace.createCollection('One'), await alice.client.workspace.createCollection('Two')]
    for (const [i, id] of ids.entries()) (await alice.client.workspace.collection(id)).add({ kind: 'request', name: `Request ${i}`, method: 'GET', url: `https://example.com/${i}` })
    await inSync(alice.client)
    const laptop = createDevice('laptop')
    const first = await openClient(a, laptop)
    await first.signIn(alice.client.accounts.get(alice.client.workspace.owner)!.profile.email, PASSWORD)
    await inSync(first)
    // Opened once: every row of them seen by a view.
    for (const id of ids) await first.workspace.collection(id)
    await first.workspace.flushed()
    await first.close()
    const reloaded = await openClient(a, laptop)
    cleanups.push(() => reloaded.close())
    await inSync(reloaded)
    relays.splice(relays.indexOf(a), 1)
    await a.close(true)

    const offline = await downloadBackup(reloaded)
    expect(offline.from).toBe('device')
    const file = parseBackup(offline.text)
    const requestNames = (file.ok ? file.value.docs.filter((d) => d.kind === 'collection') : []).map((d) => {
      const doc = new Y.Doc()
      Y.applyUpdate(doc, d.update)
      return new Collection(doc).tree().map((item) => item.name)
    })
    expect(requestNames.flat().sort()).toEqual(['Request 0', 'Request 1'])
    expect(reloaded.workspace.loadedDocs().filter((name) => name.includes(':collection:'))).toEqual([])
  })
})
