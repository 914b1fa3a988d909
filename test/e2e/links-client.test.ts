/**
 * Collection links through `@ferry/client` against a real relay: the owner shares, a holder
 * opens the link read-only in memory (live, typed, writes raise `ReadOnly`), imports an
 * independent copy into their own workspace, and loses the view when the owner revokes. A
 * collection referencing `{{token}}` shares the reference and never the variable's value.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { docName } from '@ferry/protocol'
import { Environments } from '@ferry/schema'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import {
  importSharedCollection,
  LinkUnavailable,
  openSharedCollection,
  ReadOnly,
  RelayApi,
  Share,
  Workspace,
  type OpenSharedOptions,
  type SharedCollection,
} from '../../packages/client/src/index.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { createUser, type TestUser } from '../helpers/links.ts'
import { useRelayEachTest } from '../helpers/relay-each-test.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const SECRET = 's3cr3t-environment-value'

const suite = useRelayEachTest()
let api: RelayApi

beforeEach(() => {
  api = new RelayApi({ baseUrl: suite.relay.url })
})

/** A signed-in user's workspace on its own simulated browser, syncing with the relay. */
async function workspaceOf(user: TestUser, device: Device = createDevice('browser')): Promise<Workspace> {
  const workspace = await Workspace.open({
    owner: user.id,
    indexedDB: device.indexedDB,
    store: await AccountStore.open(device.indexedDB),
    sync: {
      url: (name, token) => api.syncUrl(name, token, true),
      token: () => sessionToken(suite.relay, user.id),
      refreshToken: () => sessionToken(suite.relay, user.id),
      createSocket: device.createSocket,
      online: null,
    },
  })
  suite.afterTest(() => workspace.destroy())
  return workspace
}

const shareFor = (user: TestUser): Share => new Share({ relay: api, owner: user.id, accessToken: async () => user.token })

async function open(url: string, device: Device = createDevice('holder')): Promise<SharedCollection> {
  const shared = await openSharedCollection(url, { relay: api, createSocket: device.createSocket })
  suite.afterTest(() => shared.close())
  await shared.loaded
  return shared
}

const inSync = async (workspace: Workspace): Promise<void> =>
  vi.waitFor(() => expect(workspace.status.kind).toBe('in-sync'), 10_000)

/** The owner's workspace with a collection "Orders API" whose request sends `Bearer {{token}}`, and `token` set in an environment. */
async function ownerWithCollection(): Promise<{ owner: TestUser; workspace: Workspace; collectionId: string }> {
  const owner = await createUser(suite.relay, { name: 'Olive' })
  const workspace = await workspaceOf(owner)
  const collectionId = await workspace.createCollection('Orders API')
  const collection = await workspace.collection(collectionId)
  const folder = collection.add({ kind: 'folder', name: 'Orders' })
  collection.add(
    {
      kind: 'request', name: 'List orders', method: 'GET', url: '{{baseUrl}}/orders', headers: [{ key: 'Authorization', value: 'Bearer {{token}}', enabled: true }],
      scripts: [{ listen: 'test', code: 'pm.test("ok")' }], examples: [{ name: 'ok', code: 200 }],
    },
    { parentId: folder },
  )
  collection.variables(null)!.insert({ key: 'baseUrl', value: 'https://orders.test' })
  collection.scripts(null)!.text('prerequest').insert(0, 'console.log(1)')
  const environments = new Environments(await workspace.doc('environments'))
  const prod = environments.add('Production')
  environments.variables(prod)!.add({ key: 'token', value: SECRET, secret: true })
  await inSync(workspace)
  return { owner, workspace, collectionId }
}

describe('sharing a collection', () => {
  it('opens read-only in memory, with the typed schema API, and follows later edits live', async () => {
    const { owner, workspace, collectionId } = await ownerWithCollection()
    const link = await shareFor(owner).createLink(collectionId)
    expect(link.url).toBe(`${suite.relay.config.publicUrl}/#/shared?token=${link.token}`)

    const holderDevice = createDevice('holder')
    const shared = await open(link.url, holderDevice)
    expect(shared).toMatchObject({ name: 'Orders API', ownerName: 'Olive' })
    const [folder] = shared.collection.tree()
    expect(folder).toMatchObject({ kind: 'folder', name: 'Orders', children: [{ name: 'List orders', url: '{{baseUrl}}/orders' }] })
    expect(await holderDevice.databases()).toEqual([])

    const changes = vi.fn()
    shared.collection.observe(changes)
    ;(await workspace.collection(collectionId)).add({ kind: 'request', name: 'Create order', method: 'POST' })
    await vi.waitFor(() => expect(shared.collection.tree().map((n) => n.name)).toEqual(['Orders', 'Create order']), 5_000)
    expect(changes).toHaveBeenCalled()
    expect(shared.status.kind).toBe('in-sync')
  })

  it('raises ReadOnly on every write and changes nothing', async () => {
    const { owner, collectionId } = await ownerWithCollection()
    const shared = await open((await shareFor(owner).createLink(collectionId)).url)
    const before = shared.collection.snapshot()
    const id = before.items[0]!.id
    const writes = [
      () => shared.collection.add({ kind: 'request', name: 'sneaky' }),
      () => shared.collection.addAll([{ kind: 'folder' }]),
      () => shared.collection.move(id, { index: 0 }),
      () => shared.collection.remove(id),
      () => shared.collection.update(id, { name: 'renamed' }),
      () => shared.collection.setAuth({ type: 'none' }),
    ]
    for (const write of writes) {
      expect(write).toThrow(ReadOnly)
      try {
        write()
      } catch (error) {
        expect((error as ReadOnly).code).toBe('read_only')
      }
    }
    expect(shared.collection.snapshot()).toEqual(before)
  })

  it('shares {{token}} as a reference and no environment value', async () => {
    const { owner, collectionId } = await ownerWithCollection()
    // The value did reach the relay, in the owner's environments doc…
    const environments = stockProvider(suite.relay.wsUrl, `${owner.id}:environments`, owner.token)
    suite.afterTest(() => environments.destroy())
    await synced(environments)
    await vi.waitFor(() => {
      const relayed = new Environments(environments.doc)
      expect(relayed.variables(relayed.list()[0]!.id)!.list()).toEqual([expect.objectContaining({ key: 'token', value: SECRET })])
    }, 5_000)
    // …but the link shows only the reference.
    const shared = await open((await shareFor(owner).createLink(collectionId)).url)
    const seen = JSON.stringify(shared.collection.snapshot())
    expect(seen).toContain('Bearer {{token}}')
    expect(seen).not.toContain(SECRET)
  })

  it('refuses to share for an unconfirmed email or someone else’s collection', async () => {
    const { owner, collectionId } = await ownerWithCollection()
    const unconfirmed = await createUser(suite.relay, { confirmed: false })
    const own = await (await workspaceOf(unconfirmed)).createCollection('Mine')
    await expect(shareFor(unconfirmed).createLink(own)).rejects.toMatchObject({ code: 'forbidden', relayCode: 'email_unconfirmed' })
    // `Share` only names the caller's own collections, so a stranger has to ask the relay directly.
    const stranger = await createUser(suite.relay)
    await expect(api.createLink(stranger.token, docName(owner.id, 'collection', collectionId))).rejects.toMatchObject({ code: 'forbidden', relayCode: 'not_owner' })
  })
})

describe('importing', () => {
  it('copies into a new collection of the importer’s workspace with new ids, independent of the original', async () => {
    const { owner, workspace: ownerWorkspace, collectionId } = await ownerWithCollection()
    const shared = await open((await shareFor(owner).createLink(collectionId)).url)
    const importer = await createUser(suite.relay)
    const importerWorkspace = await workspaceOf(importer)

    const copyId = await importSharedCollection(shared, importerWorkspace)
    expect(importerWorkspace.index.collections()).toEqual([expect.objectContaining({ id: copyId, name: 'Orders API' })])
    const copy = await importerWorkspace.collection(copyId)
    const original = shared.collection.snapshot()
    const copied = copy.snapshot()
    const strip = (nodes: unknown): unknown => JSON.parse(JSON.stringify(nodes, (k, v) => (['id', 'parentId', 'order'].includes(k) ? undefined : v)))
    expect(strip(copied.items)).toEqual(strip(original.items))
    expect(JSON.stringify(copied.items)).toContain('pm.test(\\"ok\\")')
    // The collection's own variables and scripts come along.
    expect(copied.variables).toEqual([expect.objectContaining({ key: 'baseUrl', value: 'https://orders.test' })])
    expect(copied.scripts).toEqual([expect.objectContaining({ listen: 'prerequest', code: 'console.log(1)' })])
    const ids = (s: typeof original): string[] => JSON.stringify(s).match(/"id":"[^"]+"/g) ?? []
    expect(ids(copied).some((id) => ids(original).includes(id))).toBe(false)
    expect(JSON.stringify(copied)).not.toContain(SECRET)

    // Independent both ways.
    copy.add({ kind: 'request', name: 'Mine only' })
    ;(await ownerWorkspace.collection(collectionId)).add({ kind: 'request', name: 'Owner only' })
    await vi.waitFor(() => expect(shared.collection.tree().map((n) => n.name)).toContain('Owner only'), 5_000)
    expect(copy.tree().map((n) => n.name)).not.toContain('Owner only')
    expect(shared.collection.tree().map((n) => n.name)).not.toContain('Mine only')

    // It syncs as the importer's own: the relay holds it under the importer's account.
    await inSync(importerWorkspace)
    const check = stockProvider(suite.relay.wsUrl, `${importer.id}:collection:${copyId}`, importer.token)
    suite.afterTest(() => check.destroy())
    await synced(check)
    expect(check.doc.getMap('items').size).toBe(3)
  })

  it('imports straight from a URL, spending one use', async () => {
    const { owner, collectionId } = await ownerWithCollection()
    const share = shareFor(owner)
    const link = await share.createLink(collectionId, { maxUses: 1 })
    const importer = await workspaceOf(await createUser(suite.relay))
    const options: OpenSharedOptions = { relay: api, createSocket: createDevice('importer').createSocket }
    const copyId = await importSharedCollection(link.url, importer, options)
    expect((await importer.collection(copyId)).tree()).toHaveLength(1)
    expect((await share.list())[0]).toMatchObject({ uses: 1, state: 'used_up' })
    await expect(openSharedCollection(link.url, options)).rejects.toMatchObject({ name: 'LinkUnavailable', code: 'link_used_up' })
  })
})

describe('managing links', () => {
  it('lists links with use counts, and revoking closes open views and refuses new opens', async () => {
    const { owner, collectionId } = await ownerWithCollection()
    const share = shareFor(owner)
    const link = await share.createLink(collectionId, { expiresAt: new Date(Date.now() + 3_600_000), maxUses: 5 })
    const shared = await open(link.url)
    expect(await share.list()).toEqual([expect.objectContaining({ id: link.id, uses: 1, maxUses: 5, state: 'active' })])

    await share.revoke(link.id)
    await vi.waitFor(() => expect(shared.status.kind).toBe('error'), 2_000)
    const refused = openSharedCollection(link.url, { relay: api, createSocket: createDevice('late').createSocket })
    await expect(refused).rejects.toBeInstanceOf(LinkUnavailable)
    await expect(refused).rejects.toMatchObject({ code: 'link_revoked' })
    expect((await share.list())[0]).toMatchObject({ state: 'revoked', uses: 1 })
  })

  it('rejects a URL without a token', async () => {
    await expect(openSharedCollection('https://ferry.example/#/shared', { relay: api })).rejects.toMatchObject({ code: 'invalid_link' })
  })
})

