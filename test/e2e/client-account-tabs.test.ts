/**
 * Two tabs of one browser (two clients on one simulated device, one tab scope): a change to
 * the accounts made in one tab shows in the other at once — a new account is listed, an
 * account signed out there is left here without bringing its wiped databases back, a
 * profile change and sync off/on are seen.
 */
import { describe, expect, it, vi } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { DeviceKeyStore } from '../../packages/client/src/device-keys.ts'
import { deviceKeysDatabase, LOCAL_OWNER, type FerryClient, type Workspace } from '../../packages/client/src/index.ts'
import { collectionNames, inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'

const suite = useClientRelay()


const listed = (client: FerryClient) => client.accounts.list().map((a) => a.id)
const databasesOf = async (device: Device, id: UserId) => (await device.databases()).filter((n) => n.startsWith(`ferry:${id}:`))

// Real sign-ins (scrypt at N=2^17) on 2 cores: generous per-test time.
describe('accounts across the tabs of one browser', { timeout: 90_000 }, () => {
  it('lists an account signed in from another tab, and stays on its own choice', async () => {
    const [alice, bob] = [await signUp(suite.relay, 'alice'), await signUp(suite.relay, 'bob')]
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const second = await suite.tab(laptop)

    const a = await first.signIn(alice, PASSWORD)
    await vi.waitFor(() => expect(listed(second)).toEqual([a.id]), { timeout: 5_000 })
    expect(second.accounts.get(a.id)?.state).toBe('signed-in')
    expect(second.accounts.activeId).toBeNull()
    expect(second.workspace.owner).toBe(LOCAL_OWNER)

    await second.switchTo(a.id)
    const b = await first.signIn(bob, PASSWORD)
    await vi.waitFor(() => expect(listed(second)).toEqual([a.id, b.id]), { timeout: 5_000 })
    expect(first.accounts.activeId).toBe(b.id)
    expect(second.accounts.activeId).toBe(a.id)
    expect(second.workspace.owner).toBe(a.id)
  })

  it('leaves an account signed out in another tab and never brings its databases back', async () => {
    const [alice, bob] = [await signUp(suite.relay, 'alice'), await signUp(suite.relay, 'bob')]
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const second = await suite.tab(laptop)
    const a = await first.signIn(alice, PASSWORD)
    const b = await first.signIn(bob, PASSWORD)
    await vi.waitFor(() => expect(listed(second)).toEqual([a.id, b.id]), { timeout: 5_000 })
    await second.switchTo(a.id)
    const aliceWork = await second.workspace.createCollection('Alice work')
    await second.workspace.loadAll()
    await inSync(second)
    expect(await databasesOf(laptop, a.id)).toContain(`ferry:${a.id}:docs`)
    expect(await laptop.storedDocs(a.id)).toContain(`${a.id}:workspace`)
    // The second tab also holds the account's vault keys open; that must not hold up the wipe.
    await second.accounts.store.registerDatabase(a.id, deviceKeysDatabase(a.id))
    await DeviceKeyStore.open(laptop.indexedDB, a.id)
    const leaving: Workspace = second.workspace
    const opened: Workspace[] = []
    second.onWorkspace((workspace) => opened.push(workspace))

    await first.signOut(a.id)
    // Typing on in the second tab before (or after) it hears of the sign-out: no error, no write.
    expect(() => leaving.index.renameCollection(aliceWork, 'typed after the wipe')).not.toThrow()
    await expect(leaving.collection('created-after-the-wipe')).rejects.toThrow()

    await vi.waitFor(() => expect(second.accounts.activeId).toBe(b.id), { timeout: 5_000 })
    await vi.waitFor(() => expect(second.workspace.owner).toBe(b.id), { timeout: 5_000 })
    expect(listed(second)).toEqual([b.id])
    expect(opened.map((w) => w.owner)).toEqual([b.id])
    expect(first.accounts.activeId).toBe(b.id)

    const bobWork = await second.workspace.createCollection('Bob work')
    await second.workspace.loadAll()
    await inSync(second)
    await vi.waitFor(async () => expect(first.workspace.index.collections().map((c) => c.id)).toEqual([bobWork]), { timeout: 5_000 })
    expect(await databasesOf(laptop, a.id)).toEqual([])
    expect(laptop.openDatabases().filter((name) => name.includes(a.id))).toEqual([])
  })

  it('sees a profile change and sync off/on made in another tab, and refreshes with the rotated token', async () => {
    const alice = await signUp(suite.relay, 'alice')
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const second = await suite.tab(laptop)
    const a = await first.signIn(alice, PASSWORD)
    await vi.waitFor(() => expect(listed(second)).toEqual([a.id]), { timeout: 5_000 })
    await second.switchTo(a.id)
    await inSync(second)

    await first.relay.updateMe(await first.accounts.accessToken(a.id), { name: 'Alice Liddell' })
    await first.accounts.refresh(a.id)
    await vi.waitFor(() => expect(second.accounts.get(a.id)?.profile.name).toBe('Alice Liddell'), { timeout: 5_000 })
    // The pair the first tab rotated to is the one the second uses: a spent token would end the session.
    await second.accounts.refresh(a.id)
    await first.accounts.refresh(a.id)
    expect(first.accounts.get(a.id)?.state).toBe('signed-in')

    await first.setSyncEnabled(false)
    await vi.waitFor(() => expect(second.status.kind).toBe('sync-off'), { timeout: 5_000 })
    expect(second.accounts.get(a.id)?.syncEnabled).toBe(false)
    expect(second.workspace.syncEnabled).toBe(false)
    await vi.waitFor(() => expect(laptop.openSockets()).toEqual([]), { timeout: 5_000 })

    await first.setSyncEnabled(true)
    await vi.waitFor(() => expect(second.workspace.syncEnabled).toBe(true), { timeout: 5_000 })
    second.workspace.index.renameCollection(await second.workspace.createCollection('API'), 'API v2')
    await inSync(second)
    await vi.waitFor(() => expect(first.workspace.index.collections().map((c) => c.name)).toEqual(['API v2']), { timeout: 5_000 })
  })
  it('signing in merges what every local-only tab saved, and what another tab writes meanwhile is not lost', async () => {
    const email = await signUp(suite.relay, 'carol')
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const second = await suite.tab(laptop)
    // Nothing syncs between local-only tabs: each saves its own changes, the first never loads the second's.
    await first.workspace.createCollection('From the first tab')
    const fromSecond = await second.workspace.createCollection('From the second tab')
    ;(await second.workspace.collection(fromSecond)).add({ kind: 'request', name: 'second draft', url: 'https://api.test/second' })
    await second.workspace.flushed()
    expect(collectionNames(first)).toEqual(['From the first tab'])

    await first.signIn(email, PASSWORD)
    await inSync(first)
    expect(collectionNames(first)).toEqual(['From the first tab', 'From the second tab'])
    expect((await first.workspace.collection(fromSecond)).tree().map((n) => n.name)).toEqual(['second draft'])

    // The second tab stays in the local-only workspace; what it writes now is kept there, and
    // reaches the account with its own sign-in.
    expect(second.workspace.owner).toBe(LOCAL_OWNER)
    await second.workspace.createCollection('Later in the second tab')
    await second.workspace.flushed()
    await second.signIn(email, PASSWORD)
    await inSync(second)
    expect(collectionNames(second)).toEqual(['From the first tab', 'From the second tab', 'Later in the second tab'])
    await vi.waitFor(() => expect(collectionNames(first)).toEqual(['From the first tab', 'From the second tab', 'Later in the second tab']), { timeout: 10_000 })
  })
})
