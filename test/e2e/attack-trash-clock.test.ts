/**
 * Attack on the trash's retention with wrong clocks: a mark's time is the trashing device's
 * clock. A device set 60 days behind trashes a collection — its mark says "two months ago" —
 * and a device set 60 days ahead opens the workspace: neither may make anybody delete it for
 * good before the retention has passed since the delete.
 */
import { describe, expect, it, vi } from 'vitest'
import { CloseCode, docName } from '@ferry/protocol'
import type { FerryClient, FerryClientOptions } from '../../packages/client/src/index.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { readDoc } from '../helpers/sync-clients.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const waitLong = { timeout: 15_000 }

describe.each(RELAY_BACKENDS)('attack: the trash with wrong clocks on $name', { timeout: 120_000 }, (backend) => {
  const suite = useClientRelay({}, backend)

  async function device(email: string, name: string, extra: Partial<FerryClientOptions> = {}): Promise<FerryClient> {
    const app = await suite.open(createDevice(name), extra)
    await app.signIn(email, PASSWORD)
    await inSync(app)
    return app
  }

  it.skipIf(backend.skip)('a collection trashed on a device whose clock is 60 days behind, or seen by one 60 days ahead, stays in the trash for the retention', async () => {
    const email = await signUp(suite.relay, 'clocks')
    const laptopDevice = createDevice('laptop')
    const laptop = await suite.open(laptopDevice)
    const { id: owner } = await laptop.signIn(email, PASSWORD)
    const api = await laptop.workspace.createCollection('Shop API')
    ;(await laptop.workspace.collection(api)).add({ kind: 'request', name: 'Get user' })
    await inSync(laptop)

    // The phone's clock is two months behind: its delete is marked as made 60 days ago.
    const phone = await device(email, 'phone', { now: () => Date.now() - 60 * DAY_MS })
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.id)).toEqual([api]), waitLong)
    expect(phone.workspace.trashCollection(api)).toBe(true)
    await inSync(phone)
    await vi.waitFor(() => expect(laptop.workspace.index.trashedCollections().map((c) => c.id)).toEqual([api]), waitLong)
    await inSync(laptop)

    // Devices with a right clock, and one two months ahead, open the workspace, and the laptop
    // opens it again (each purges once its index is in sync).
    const tablet = await device(email, 'tablet')
    const ahead = await device(email, 'ahead', { now: () => Date.now() + 60 * DAY_MS })
    await suite.close(laptop)
    const reopened = await suite.open(laptopDevice)
    await inSync(reopened)
    for (const app of [tablet, ahead, reopened]) {
      const [entry] = await app.workspace.trash()
      expect(entry).toMatchObject({ id: api })
      // When it goes for good, on that device's clock: the whole retention from when it saw it.
      expect(entry!.expiresAt - app.workspace.index.settings().trashRetentionDays * DAY_MS).toBeGreaterThan(Date.now() - DAY_MS)
    }
    await Promise.all([inSync(tablet), inSync(ahead), inSync(reopened), inSync(phone)])

    // Still in the trash everywhere, and the phone can undo its delete.
    expect(await readDoc(suite.relay.wsUrl, docName(owner, 'collection', api), await sessionToken(suite.relay, owner))).not.toBe(CloseCode.Gone)
    expect(phone.workspace.restoreCollection(api)).toBe(true)
    for (const app of [tablet, ahead, reopened, phone]) await vi.waitFor(() => expect(app.workspace.index.collections().map((c) => c.id)).toEqual([api]), waitLong)
    expect((await tablet.workspace.collection(api)).tree().map((n) => n.name)).toEqual(['Get user'])
  })
})
