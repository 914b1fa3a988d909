/**
 * Attack on the trash's deletions for good: a device must not delete a collection another
 * device restored while it was not listening. A laptop whose tab stays open while its network is
 * gone keeps the index it last heard — and so does one just woken from sleep, whose socket has
 * not noticed it is dead and still says "in sync". A collection restored on another device
 * meanwhile must survive the laptop's purge and its "Empty trash", also when the laptop comes
 * back.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CloseCode, docName, type UserId } from '@ferry/protocol'
import type { FerryClient, FerryClientOptions } from '../../packages/client/src/index.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { partitionedDevice } from '../helpers/partition.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { readDoc } from '../helpers/sync-clients.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const waitLong = { timeout: 15_000 }

describe.each(RELAY_BACKENDS)('attack: deleting from the trash with a stale index on $name', { timeout: 120_000 }, (backend) => {
  const suite = useClientRelay({}, backend)
  const proxies: TcpProxy[] = []
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close()
  })
  const live = (app: FerryClient): string[] => app.workspace.index.collections().map((c) => c.id)

  /** A laptop on `device` (its clock `skew()` ahead) and a phone of a new account, with a collection in the trash on both. */
  async function trashedOnTwo(device: Device, options: Partial<FerryClientOptions>, skew: () => number) {
    const email = await signUp(suite.relay, 'stale')
    const laptop = await suite.open(device, { ...options, now: () => Date.now() + skew() })
    const { id: owner } = await laptop.signIn(email, PASSWORD)
    const api = await laptop.workspace.createCollection('Shop API')
    laptop.workspace.trashCollection(api)
    await inSync(laptop)
    const phone = await suite.open(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    await vi.waitFor(() => expect(phone.workspace.index.trashedCollections().map((c) => c.id)).toEqual([api]), waitLong)
    await inSync(phone)
    return { owner, laptop, phone, api }
  }

  /** The phone restores `api` and adds a request to it; answers the request's id once stored. */
  async function restoreAndWork(phone: FerryClient, api: string): Promise<string> {
    expect(phone.workspace.restoreCollection(api)).toBe(true)
    const added = (await phone.workspace.collection(api)).add({ kind: 'request', name: 'Made after the restore' })
    await inSync(phone)
    return added
  }

  /** The collection is alive on the relay and on every device, with the phone's request, and nobody owes a deletion. */
  async function survived(owner: UserId, api: string, added: string, phone: FerryClient, laptop: FerryClient): Promise<void> {
    expect(await readDoc(suite.relay.wsUrl, docName(owner, 'collection', api), await sessionToken(suite.relay, owner))).not.toBe(CloseCode.Gone)
    for (const app of [phone, laptop]) await vi.waitFor(() => expect(live(app)).toEqual([api]), waitLong)
    for (const app of [phone, laptop]) await vi.waitFor(async () => expect((await app.workspace.collection(api)).get(added)).toMatchObject({ name: 'Made after the restore' }), waitLong)
    await vi.waitFor(async () => expect(await laptop.accounts.store.pendingDeletions(owner)).toEqual([]), waitLong)
    await Promise.all([inSync(phone), inSync(laptop)])
  }

  it.skipIf(backend.skip)('a laptop cut off from the relay does not delete for good, on its next purge, a collection another device restored meanwhile', async () => {
    let skew = 0
    const net = partitionedDevice('laptop')
    const { owner, laptop, phone, api } = await trashedOnTwo(net.device, net.options, () => skew)

    // The laptop's network goes; its tab stays open. The phone restores the collection and works in it.
    net.cut()
    await vi.waitFor(() => expect(laptop.status.kind).toMatch(/offline|connecting/), waitLong)
    const added = await restoreAndWork(phone, api)

    // Weeks pass with the laptop still offline; it looks at its environments (a purge check).
    skew = 40 * DAY_MS
    await laptop.workspace.environments()
    net.heal()
    laptop.syncNow()
    await survived(owner, api, added, phone, laptop)
  })

  it.skipIf(backend.skip)("a laptop cut off from the relay empties its trash: the collection another device restored meanwhile is not deleted", async () => {
    const net = partitionedDevice('laptop')
    const { owner, laptop, phone, api } = await trashedOnTwo(net.device, net.options, () => 0)
    net.cut()
    await vi.waitFor(() => expect(laptop.status.kind).toMatch(/offline|connecting/), waitLong)
    const added = await restoreAndWork(phone, api)

    // The laptop, which still sees it in the trash, empties the trash: it is gone from its list at once.
    await laptop.workspace.emptyTrash()
    expect(await laptop.workspace.trash()).toEqual([])
    net.heal()
    laptop.syncNow()
    await survived(owner, api, added, phone, laptop)
  })

  it.skipIf(backend.skip)('a laptop cut off from the relay does not remove, on its next purge, an environment another device restored meanwhile', async () => {
    let skew = 0
    const email = await signUp(suite.relay, 'stale-env')
    const phone = await suite.open(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    const phoneEnvs = await phone.workspace.environments()
    const staging = phoneEnvs.add('Staging')
    await phone.workspace.trashEnvironment(staging)
    await inSync(phone)
    // The laptop holds the environments (synced, not loaded yet), the trashed one with them.
    const net = partitionedDevice('laptop')
    const laptop = await suite.open(net.device, { ...net.options, now: () => Date.now() + skew })
    await laptop.signIn(email, PASSWORD)
    await inSync(laptop)

    // Offline, the laptop's copy is what it last heard; the phone restores Staging and fills it in.
    net.cut()
    await vi.waitFor(() => expect(laptop.status.kind).toMatch(/offline|connecting/), waitLong)
    expect(await phone.workspace.restoreEnvironment(staging)).toBe(true)
    phoneEnvs.variables(staging)!.add({ key: 'host' })
    await inSync(phone)

    // Weeks later, still offline, the laptop opens its environments (a purge check).
    skew = 40 * DAY_MS
    const laptopEnvs = await laptop.workspace.environments()
    expect(laptopEnvs.trashed().map((e) => e.id)).toEqual([staging])
    net.heal()
    laptop.syncNow()
    await Promise.all([inSync(laptop), inSync(phone)])
    for (const environments of [phoneEnvs, laptopEnvs]) {
      await vi.waitFor(() => expect(environments.get(staging)?.variables.map((v) => v.key)).toEqual(['host']), waitLong)
    }
  })

  it.skipIf(backend.skip)('a laptop woken from sleep, its socket silently dead and its status still "in sync", does not delete a collection restored meanwhile', async () => {
    let skew = 0
    const proxy = await startTcpProxy(Number(new URL(suite.relay.url).port))
    proxies.push(proxy)
    const viaProxy = `http://127.0.0.1:${new URL(proxy.wsUrl).port}`
    const { owner, laptop, phone, api } = await trashedOnTwo(createDevice('laptop'), {
      relayUrl: viaProxy,
      // Its requests go out on new connections, as a woken browser's do; its socket is the old one.
      fetch: (input, init) => fetch(String(input).replace(viaProxy, suite.relay.url), init),
      liveness: { idleMs: 2_000, timeoutMs: 1_000 },
    }, () => skew)

    // The laptop sleeps: its socket goes silent without closing. The phone restores the collection.
    proxy.blackhole()
    const added = await restoreAndWork(phone, api)

    // It wakes 40 days later and checks the trash before its socket is found dead: the index it
    // decides from is 40 days old, but the relay's is not.
    skew = 40 * DAY_MS
    expect(laptop.status.kind).toBe('in-sync')
    expect(laptop.workspace.index.trashedCollections().map((c) => c.id)).toEqual([api])
    await laptop.workspace.environments()
    await survived(owner, api, added, phone, laptop)
  })
})
