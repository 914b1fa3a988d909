/**
 * Issue 15's trash, end to end with real clients on a real relay, on files and on PostgreSQL:
 * deleting moves a collection or environment to the trash on every device; a device that was
 * offline keeps editing it and its edits merge; a restore on another device brings it back with
 * those edits everywhere; emptying the trash or the retention running out deletes it for good
 * (the relay's tombstone, gone from every device).
 */
import { describe, expect, it, vi } from 'vitest'
import { CloseCode, docName, type UserId } from '@ferry/protocol'
import type { RequestNode } from '@ferry/schema'
import type { FerryClient, FerryClientOptions } from '../../packages/client/src/index.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { readDoc } from '../helpers/sync-clients.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const waitLong = { timeout: 15_000 }

describe.each(RELAY_BACKENDS)('the trash on $name', { timeout: 120_000 }, (backend) => {
  const suite = useClientRelay({}, backend)

  /** A device of the account `email`, signed in and in sync. */
  async function device(email: string, name: string, extra: Partial<FerryClientOptions> = {}): Promise<{ app: FerryClient; device: Device; userId: UserId }> {
    const dev = createDevice(name)
    const app = await suite.open(dev, extra)
    const { id } = await app.signIn(email, PASSWORD)
    await inSync(app)
    return { app, device: dev, userId: id }
  }

  const live = (app: FerryClient): string[] => app.workspace.index.collections().map((c) => c.id)
  const trashed = (app: FerryClient): string[] => app.workspace.index.trashedCollections().map((c) => c.id)
  const request = async (app: FerryClient, collection: string, id: string): Promise<RequestNode | undefined> =>
    (await app.workspace.collection(collection)).get(id) as RequestNode | undefined

  it.skipIf(backend.skip)("delete → restore from the trash on another device → the offline device's edits are there", async () => {
    const email = await signUp(suite.relay, 'tess')
    const laptop = await device(email, 'laptop')
    const api = await laptop.app.workspace.createCollection('Shop API')
    const getUser = (await laptop.app.workspace.collection(api)).add({ kind: 'request', name: 'Get user', method: 'GET', url: 'https://api.example.com/users/1' })
    await inSync(laptop.app)
    const phone = await device(email, 'phone')
    await vi.waitFor(async () => expect((await request(phone.app, api, getUser))?.url).toBe('https://api.example.com/users/1'), waitLong)
    await inSync(phone.app)

    // The phone goes offline and edits the collection; meanwhile the laptop deletes it.
    await phone.app.setSyncEnabled(false)
    const offline = await phone.app.workspace.collection(api)
    offline.update(getUser, { url: 'https://api.example.com/users/2', method: 'PUT' })
    const added = offline.add({ kind: 'request', name: 'Added offline', method: 'POST' })
    expect(laptop.app.workspace.trashCollection(api)).toBe(true)
    expect(live(laptop.app)).toEqual([])
    expect(await laptop.app.workspace.trash()).toMatchObject([{ kind: 'collection', id: api, name: 'Shop API', expiresAt: expect.any(Number) }])
    await inSync(laptop.app)
    expect(live(phone.app)).toEqual([api])

    // Back online: its edits merge into the trashed collection, which is in its trash too.
    await phone.app.setSyncEnabled(true)
    await vi.waitFor(() => expect(trashed(phone.app)).toEqual([api]), waitLong)
    expect(live(phone.app)).toEqual([])
    await inSync(phone.app)
    expect(await readDoc(suite.relay.wsUrl, docName(phone.userId, 'collection', api), await sessionToken(suite.relay, phone.userId))).not.toBe(CloseCode.Gone)

    // A third device restores it: every device shows the collection with the phone's offline edits.
    const tablet = await device(email, 'tablet')
    expect((await tablet.app.workspace.trash()).map((e) => e.id)).toEqual([api])
    expect(tablet.app.workspace.restoreCollection(api)).toBe(true)
    for (const { app } of [tablet, laptop, phone]) {
      await vi.waitFor(() => expect(live(app)).toEqual([api]), waitLong)
      await vi.waitFor(async () => expect(await request(app, api, getUser)).toMatchObject({ url: 'https://api.example.com/users/2', method: 'PUT' }), waitLong)
      expect(await request(app, api, added)).toMatchObject({ name: 'Added offline', method: 'POST' })
      expect(await app.workspace.trash()).toEqual([])
    }
    await Promise.all([inSync(laptop.app), inSync(phone.app), inSync(tablet.app)])
  })

  it.skipIf(backend.skip)("an environment: deleted on one device, edited offline on another, restored with the offline edits", async () => {
    const email = await signUp(suite.relay, 'vera')
    const laptop = await device(email, 'laptop')
    const envs = await laptop.app.workspace.environments()
    const staging = envs.add('Staging')
    const host = envs.variables(staging)!.add({ key: 'host' })
    await inSync(laptop.app)
    const phone = await device(email, 'phone')
    const phoneEnvs = await phone.app.workspace.environments()
    await vi.waitFor(() => expect(phoneEnvs.get(staging)?.variables.map((v) => v.key)).toEqual(['host']), waitLong)
    await inSync(phone.app)

    await phone.app.setSyncEnabled(false)
    phoneEnvs.variables(staging)!.update(host, { key: 'hostname', enabled: false })
    phoneEnvs.variables(staging)!.add({ key: 'port' })
    expect(await laptop.app.workspace.trashEnvironment(staging)).toBe(true)
    expect(envs.list()).toEqual([])
    await inSync(laptop.app)

    await phone.app.setSyncEnabled(true)
    await vi.waitFor(() => expect(phoneEnvs.list()).toEqual([]), waitLong)
    expect(await phone.app.workspace.trash()).toMatchObject([{ kind: 'environment', id: staging, name: 'Staging' }])
    await inSync(phone.app)

    expect(await laptop.app.workspace.restoreEnvironment(staging)).toBe(true)
    for (const environments of [envs, phoneEnvs]) {
      await vi.waitFor(() => expect(environments.get(staging)?.variables.map((v) => [v.key, v.enabled])).toEqual([['hostname', false], ['port', true]]), waitLong)
    }
  })

  it.skipIf(backend.skip)('emptying the trash deletes for good: the relay keeps a tombstone, every device drops its copy', async () => {
    const email = await signUp(suite.relay, 'wren')
    const laptop = await device(email, 'laptop')
    const [keep, drop] = [await laptop.app.workspace.createCollection('Keep'), await laptop.app.workspace.createCollection('Drop')]
    ;(await laptop.app.workspace.collection(drop)).add({ kind: 'request', name: 'doomed' })
    const envs = await laptop.app.workspace.environments()
    const old = envs.add('Old')
    laptop.app.workspace.trashCollection(drop)
    await laptop.app.workspace.trashEnvironment(old)
    await inSync(laptop.app)
    const phone = await device(email, 'phone')
    const dropDoc = docName(phone.userId, 'collection', drop)
    await vi.waitFor(async () => expect(await phone.device.storedDocs(phone.userId)).toContain(dropDoc), waitLong)
    const phoneEnvs = await phone.app.workspace.environments()
    await vi.waitFor(() => expect(phoneEnvs.trashed().map((e) => e.id)).toEqual([old]), waitLong)

    await laptop.app.workspace.emptyTrash()
    expect(await laptop.app.workspace.trash()).toEqual([])
    expect(await readDoc(suite.relay.wsUrl, dropDoc, await sessionToken(suite.relay, phone.userId))).toBe(CloseCode.Gone)
    await vi.waitFor(async () => expect(await phone.device.storedDocs(phone.userId)).not.toContain(dropDoc), waitLong)
    await vi.waitFor(() => expect(phone.app.workspace.index.allCollections().map((c) => c.id)).toEqual([keep]), waitLong)
    await vi.waitFor(() => expect(phoneEnvs.trashed()).toEqual([]), waitLong)
    await Promise.all([inSync(laptop.app), inSync(phone.app)])
  })

  it.skipIf(backend.skip)('what stayed in the trash longer than the retention is deleted for good by a device that saw it go there, when it opens the workspace', async () => {
    const email = await signUp(suite.relay, 'yuri')
    let skew = 0
    const clock = { now: () => Date.now() + skew }
    const laptop = await device(email, 'laptop', clock)
    const [fresh, stale] = [await laptop.app.workspace.createCollection('Fresh'), await laptop.app.workspace.createCollection('Stale')]
    const envs = await laptop.app.workspace.environments()
    const oldEnv = envs.add('Old env')
    laptop.app.workspace.index.setSetting('trashRetentionDays', 7)
    laptop.app.workspace.trashCollection(stale)
    await laptop.app.workspace.trashEnvironment(oldEnv)
    await inSync(laptop.app)
    // Nothing ran out on the laptop's own clock.
    expect((await laptop.app.workspace.trash()).map((e) => [e.id, e.expiresAt - e.trashedAt])).toEqual(
      expect.arrayContaining([[stale, 7 * DAY_MS], [oldEnv, 7 * DAY_MS]]),
    )
    const phone = await device(email, 'phone')
    const phoneEnvs = await phone.app.workspace.environments()
    await vi.waitFor(() => expect(phoneEnvs.trashed().map((e) => e.id)).toEqual([oldEnv]), waitLong)

    // Eight days later the laptop opens the workspace again: the index in sync, the trashed
    // collection goes for good; the environments as soon as it loads them.
    await suite.close(laptop.app)
    skew = 8 * DAY_MS
    const later = await suite.open(laptop.device, clock)
    const staleDoc = docName(laptop.userId, 'collection', stale)
    await vi.waitFor(async () => expect(await readDoc(suite.relay.wsUrl, staleDoc, await sessionToken(suite.relay, laptop.userId))).toBe(CloseCode.Gone), waitLong)
    await later.workspace.environments()
    await vi.waitFor(() => expect(phoneEnvs.trashed()).toEqual([]), waitLong)
    await vi.waitFor(() => expect(phone.app.workspace.index.allCollections().map((c) => c.id)).toEqual([fresh]), waitLong)
    await vi.waitFor(async () => expect(await phone.device.storedDocs(phone.userId)).not.toContain(staleDoc), waitLong)
    expect(later.workspace.index.allCollections().map((c) => c.id)).toEqual([fresh])
    await Promise.all([inSync(later), inSync(phone.app)])
  })
})
