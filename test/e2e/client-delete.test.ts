/**
 * Deleting a collection for good through the client (emptying the trash, the retention running
 * out: `deleteCollectionForever`) deletes it everywhere: on the other devices (their
 * local databases too, even when edited offline), on the relay (nothing served, nothing stored
 * but the tombstone, its share link dead), and — when the relay is down — as soon as it is
 * back, also after a reload.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CloseCode, docName, type DocName, type UserId } from '@ferry/protocol'
import { describeStatus, type FerryClient } from '../../packages/client/src/index.ts'
import { loadMasterKey, MasterKey } from '../../relay/src/storage/keys.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { readDoc } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = useClientRelay()
const client = (device: Device): Promise<FerryClient> => suite.open(device)

const collectionIds = (c: FerryClient) => c.workspace.index.collections().map((entry) => entry.id)

/** The request names the relay serves for `doc`, or the close code it answers instead. */
async function onRelay(owner: UserId, doc: DocName): Promise<string[] | number> {
  const read = await readDoc(suite.relay.wsUrl, doc, await sessionToken(suite.relay, owner))
  if (typeof read === 'number') return read
  return [...read.getMap<{ get(key: string): unknown }>('items').values()].map((item) => String(item.get('name'))).sort()
}

/** Files the relay keeps for `doc` in its data dir. */
function storedFiles(doc: DocName): string[] {
  const id = new MasterKey(loadMasterKey(suite.relay.config)).docId(doc)
  return readdirSync(join(suite.relay.dataDir, 'docs', id.slice(0, 2), id)).sort()
}

interface Account {
  email: string
  userId: UserId
  laptop: FerryClient
  laptopDevice: Device
  phone: FerryClient
  phoneDevice: Device
  keep: string
  drop: string
  dropDoc: DocName
}

/** An account on a laptop and a phone, both in sync, with a collection to keep and one to delete (open on both). */
async function account(label: string): Promise<Account> {
  const email = await signUp(suite.relay, label)
  const laptopDevice = createDevice('laptop')
  const laptop = await client(laptopDevice)
  const { id: userId } = await laptop.signIn(email, PASSWORD)
  const keep = await laptop.workspace.createCollection('Keep')
  const drop = await laptop.workspace.createCollection('Drop')
  ;(await laptop.workspace.collection(drop)).add({ kind: 'request', name: 'doomed', method: 'DELETE' })
  await inSync(laptop)
  const phoneDevice = createDevice('phone')
  const phone = await client(phoneDevice)
  await phone.signIn(email, PASSWORD)
  await vi.waitFor(async () => expect((await phone.workspace.collection(drop)).tree().map((n) => n.name)).toEqual(['doomed']), { timeout: 10_000 })
  await inSync(phone)
  const dropDoc = docName(userId, 'collection', drop)
  return { email, userId, laptop, laptopDevice, phone, phoneDevice, keep, drop, dropDoc }
}

/** Waits until `device` holds nothing of the collection: not listed, not loaded, no row stored. */
async function goneFrom(app: FerryClient, device: Device, a: Account): Promise<void> {
  await vi.waitFor(() => expect(collectionIds(app)).toEqual([a.keep]), { timeout: 10_000 })
  await vi.waitFor(async () => expect(await device.storedDocs(a.userId)).not.toContain(a.dropDoc), { timeout: 10_000 })
  expect(app.workspace.loadedDocs()).not.toContain(a.dropDoc)
}

describe('deleting a collection for good', { timeout: 90_000 }, () => {
  it('removes it from the other device, from the relay and from its share link', async () => {
    const a = await account('dora')
    await suite.relay.stores.users.updateUser(a.userId, { emailConfirmed: true })
    const token = await sessionToken(suite.relay, a.userId)
    const link = await call(suite.relay, 'POST', '/v1/links', token, { docName: a.dropDoc })
    expect(link.status).toBe(201)

    await a.laptop.workspace.deleteCollectionForever(a.drop)
    expect(await a.laptop.accounts.store.pendingDeletions(a.userId)).toEqual([])
    await goneFrom(a.laptop, a.laptopDevice, a)
    await goneFrom(a.phone, a.phoneDevice, a)

    expect(await onRelay(a.userId, a.dropDoc)).toBe(CloseCode.Gone)
    expect(storedFiles(a.dropDoc)).toEqual(['deleted'])
    expect(await call(suite.relay, 'GET', `/v1/links/resolve/${link.body.token}`)).toMatchObject({ status: 410 })
    const tablet = await client(createDevice('tablet'))
    await tablet.signIn(a.email, PASSWORD)
    await inSync(tablet)
    expect(collectionIds(tablet)).toEqual([a.keep])
    await Promise.all([inSync(a.laptop), inSync(a.phone)])
  })

  it('wipes it from a device whose index still lists it when the relay closes its socket with 4410', async () => {
    const a = await account('erin')
    const heard: string[] = []
    a.phone.workspace.onCollectionDeleted((id) => heard.push(id))
    // Deleted through the relay alone: only the socket's close tells the phone.
    expect((await call(suite.relay, 'DELETE', `/v1/docs/${a.dropDoc}`, await sessionToken(suite.relay, a.userId))).status).toBe(204)

    await goneFrom(a.phone, a.phoneDevice, a)
    expect(heard).toEqual([a.drop])
    await inSync(a.phone)
    await goneFrom(a.laptop, a.laptopDevice, a)
  })

  it('does not come back from a device that edited it offline, and that device loses its copy', async () => {
    const a = await account('finn')
    await a.phone.setSyncEnabled(false)
    const offline = await a.phone.workspace.collection(a.drop)
    offline.add({ kind: 'request', name: 'edited offline', method: 'POST' })
    a.phone.workspace.index.renameCollection(a.drop, 'Drop (renamed offline)')

    await a.laptop.workspace.deleteCollectionForever(a.drop)
    expect(await onRelay(a.userId, a.dropDoc)).toBe(CloseCode.Gone)
    await a.phone.setSyncEnabled(true)

    await goneFrom(a.phone, a.phoneDevice, a)
    await inSync(a.phone)
    expect(await onRelay(a.userId, a.dropDoc)).toBe(CloseCode.Gone)
    expect(storedFiles(a.dropDoc)).toEqual(['deleted'])
    expect(collectionIds(a.laptop)).toEqual([a.keep])
  })

  it('made while the relay is down, is carried out once it is back, also after a reload', async () => {
    const a = await account('gil')
    const start = await stopRelay(suite.relay)
    await vi.waitFor(() => expect(describeStatus(a.laptop.status)).toBe('offline'), { timeout: 10_000 })

    await a.laptop.workspace.deleteCollectionForever(a.drop)
    expect(collectionIds(a.laptop)).toEqual([a.keep])
    expect(await a.laptop.accounts.store.pendingDeletions(a.userId)).toEqual([a.dropDoc])
    await suite.close(a.laptop)
    const reloaded = await client(a.laptopDevice)
    expect(await reloaded.accounts.store.pendingDeletions(a.userId)).toEqual([a.dropDoc])

    suite.relay = await start()
    await vi.waitFor(async () => expect(await reloaded.accounts.store.pendingDeletions(a.userId)).toEqual([]), { timeout: 15_000 })
    expect(await onRelay(a.userId, a.dropDoc)).toBe(CloseCode.Gone)
    await goneFrom(a.phone, a.phoneDevice, a)
    await Promise.all([inSync(reloaded), inSync(a.phone)])
  })
})
