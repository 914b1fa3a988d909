/**
 * Signing in from the local-only workspace while other tabs of the browser are in it too
 * (nothing syncs between local-only tabs) or act on the account meanwhile: what was typed in
 * the local-only workspace ends up in the account or stays local, never nowhere, and what was
 * deleted there stays deleted. Found by an attack review of the merge (docs/decisions.md, "No
 * workspace on screen while one replaces another").
 */
import { describe, expect, it, vi } from 'vitest'
import { describeStatus, LOCAL_OWNER, Workspace, type FerryClient } from '../../packages/client/src/index.ts'
import { collectionNames, inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'

const suite = useClientRelay()

/** A tab of `device` that reaches the relay's HTTP API but none of its sockets: nothing it holds syncs. */
const tabWithoutSockets = (device: Device): Promise<FerryClient> =>
  suite.open(device, { tabScope: device.name, createSocket: (url) => device.createSocket(url.replace(/^(wss?:\/\/[^/:]+):\d+/, '$1:1')) })
/** A tab whose sockets reach nowhere while `gate.blocked` (the relay's HTTP API stays reachable). */
const gatedTab = (device: Device, gate: { blocked: boolean }): Promise<FerryClient> =>
  suite.open(device, { tabScope: device.name, createSocket: (url) => device.createSocket(gate.blocked ? url.replace(/^(wss?:\/\/[^/:]+):\d+/, '$1:1') : url) })

describe('signing in from the local-only workspace, with other tabs', { timeout: 90_000 }, () => {
  it('keeps the local-only work until the relay holds it: another tab signing the account out first loses none of it', async () => {
    const email = await signUp(suite.relay, 'dave')
    const laptop = createDevice('laptop')
    const first = await tabWithoutSockets(laptop)
    const other = await suite.tab(laptop)
    await first.workspace.createCollection('Typed before signing in')
    await first.workspace.flushed()

    const account = await first.signIn(email, PASSWORD)
    expect(collectionNames(first)).toEqual(['Typed before signing in'])
    expect(describeStatus(first.status)).not.toBe('in sync')
    // Signed out in the other tab before anything reached the relay: the account's data here is wiped.
    await vi.waitFor(() => expect(other.accounts.get(account.id)).not.toBeNull())
    await other.signOut(account.id)
    await vi.waitFor(() => expect(first.workspace.owner).toBe(LOCAL_OWNER))
    expect(collectionNames(first)).toEqual(['Typed before signing in'])
  })

  it('empties the local-only workspace once the relay holds what was merged', async () => {
    const email = await signUp(suite.relay, 'erin')
    const laptop = createDevice('laptop')
    const app = await suite.tab(laptop)
    await app.workspace.createCollection('Typed before signing in')
    await app.signIn(email, PASSWORD)
    await inSync(app)
    await vi.waitFor(async () => expect(await laptop.storedDocs(LOCAL_OWNER)).toEqual([]))
    const phone = await suite.open(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    await inSync(phone)
    expect(collectionNames(phone)).toEqual(['Typed before signing in'])
  })

  it('does not bring back a collection another local-only tab deleted for good', async () => {
    const email = await signUp(suite.relay, 'frank')
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const doomed = await first.workspace.createCollection('Doomed')
    ;(await first.workspace.collection(doomed)).add({ kind: 'request', name: 'deleted for good', url: 'https://api.test/doomed' })
    await first.workspace.flushed()
    const second = await suite.tab(laptop)
    await second.workspace.deleteCollectionForever(doomed)
    await second.workspace.flushed()

    // The first tab still has the collection loaded.
    const account = await first.signIn(email, PASSWORD)
    await inSync(first)
    expect(collectionNames(first)).toEqual([])
    expect(first.workspace.heldDocs()).not.toContain(`${account.id}:collection:${doomed}`)
    expect(await laptop.storedDocs(account.id)).not.toContain(`${account.id}:collection:${doomed}`)
  })

  it('keeps changes made on top of merged content when the account here lacks what they build on', async () => {
    const email = await signUp(suite.relay, 'grace')
    const laptop = createDevice('laptop')
    const first = await suite.tab(laptop)
    const id = await first.workspace.createCollection('Y')
    await first.workspace.flushed()
    const stale = await suite.tab(laptop)
    const staleCollection = await stale.workspace.collection(id)
    const account = await first.signIn(email, PASSWORD)
    await inSync(first)
    // The account's copy on this browser goes; the stale local-only tab goes on editing what the merge took.
    await first.signOut(account.id)
    staleCollection.add({ kind: 'request', name: 'added later', url: 'https://api.test/later' })
    stale.workspace.index.renameCollection(id, 'Y renamed later')
    await stale.workspace.flushed()
    await suite.close(stale)

    // Signing in again from the local-only workspace, and closing the tab at once: its changes
    // wait for what they build on, which only the relay holds.
    const again = await suite.tab(laptop)
    await again.signIn(email, PASSWORD)
    await suite.close(again)
    const reopened = await suite.tab(laptop)
    if (reopened.workspace.owner !== account.id) await reopened.switchTo(account.id)
    await inSync(reopened)
    expect(collectionNames(reopened)).toEqual(['Y renamed later'])
    expect((await reopened.workspace.collection(id)).tree().map((n) => n.name)).toEqual(['added later'])
  })
  it('keeps the local-only work while the account syncs nothing: a sign-out in another tab loses none of it', async () => {
    const email = await signUp(suite.relay, 'heidi')
    const laptop = createDevice('laptop')
    const other = await suite.tab(laptop)
    const account = await other.signIn(email, PASSWORD)
    await other.setSyncEnabled(false)
    const first = await suite.tab(laptop)
    await first.switchTo(null)
    await first.workspace.createCollection('Typed before signing in')
    await first.workspace.flushed()

    await first.signIn(email, PASSWORD)
    expect(collectionNames(first)).toEqual(['Typed before signing in'])
    await other.signOut(account.id)
    await vi.waitFor(() => expect(first.workspace.owner).toBe(LOCAL_OWNER))
    expect(collectionNames(first)).toEqual(['Typed before signing in'])
  })

  it('empties the local-only workspace also when the account deleted a merged collection for good meanwhile', async () => {
    const [emailA, emailB] = [await signUp(suite.relay, 'ivan'), await signUp(suite.relay, 'judy')]
    const laptop = createDevice('laptop')
    // Signed in, then the tab closed before the relay held the merge: the local rows stay.
    const signingIn = await tabWithoutSockets(laptop)
    const doomed = await signingIn.workspace.createCollection('Doomed')
    ;(await signingIn.workspace.collection(doomed)).add({ kind: 'request', name: 'deleted in the account', url: 'https://api.test/doomed' })
    await signingIn.workspace.createCollection('Kept')
    await signingIn.workspace.flushed()
    const a = await signingIn.signIn(emailA, PASSWORD)
    await suite.close(signingIn)
    const laptopTab = await suite.tab(laptop)
    expect(laptopTab.workspace.owner).toBe(a.id)
    await laptopTab.workspace.loadAll()
    await inSync(laptopTab)
    const phone = await suite.open(createDevice('phone'))
    await phone.signIn(emailA, PASSWORD)
    await inSync(phone)
    await phone.workspace.deleteCollectionForever(doomed)
    await vi.waitFor(() => expect(collectionNames(laptopTab)).toEqual(['Kept']), { timeout: 10_000 })

    // Signing in from the local-only workspace again merges what stayed; the relay refuses the
    // deleted collection, and that counts as done: the local-only workspace empties.
    await laptopTab.switchTo(null)
    expect(collectionNames(laptopTab)).toEqual(['Doomed', 'Kept'])
    await laptopTab.signIn(emailA, PASSWORD)
    await inSync(laptopTab)
    expect(collectionNames(laptopTab)).toEqual(['Kept'])
    await vi.waitFor(async () => expect(await laptop.storedDocs(LOCAL_OWNER)).toEqual([]))
    await laptopTab.switchTo(null)
    await laptopTab.signIn(emailB, PASSWORD)
    await inSync(laptopTab)
    expect(collectionNames(laptopTab)).toEqual([])
  })
  it('signs in when the local-only workspace cannot be read, says so, and keeps it for the next sign-in', async () => {
    const email = await signUp(suite.relay, 'kim')
    const laptop = createDevice('laptop')
    const app = await suite.tab(laptop)
    await app.workspace.createCollection('Typed before signing in')
    await app.workspace.flushed()
    const errors: string[] = []
    app.onError((error) => errors.push(error.during))
    const read = vi.spyOn(Workspace.prototype, 'storedRecords').mockRejectedValueOnce(new Error('the browser could not read it'))
    try {
      const account = await app.signIn(email, PASSWORD)
      expect(app.workspace.owner).toBe(account.id)
      expect(app.workspaceReady).toBe(true)
    } finally {
      read.mockRestore()
    }
    expect(errors).toEqual(['merging the local-only workspace into the account (it stays as it was)'])
    await app.switchTo(null)
    expect(collectionNames(app)).toEqual(['Typed before signing in'])
  })
  for (const away of ['another account', 'the local-only workspace'] as const) {
    it(`empties the local-only workspace once the relay holds the merge, also after a switch to ${away} before that`, async () => {
      const [emailA, emailB] = [await signUp(suite.relay, 'lee'), await signUp(suite.relay, 'mia')]
      const laptop = createDevice('laptop')
      const gate = { blocked: true }
      const app = await gatedTab(laptop, gate)
      await app.workspace.createCollection('Typed before signing in')
      await app.workspace.flushed()

      const a = await app.signIn(emailA, PASSWORD)
      if (away === 'another account') await app.signIn(emailB, PASSWORD)
      else await app.switchTo(null)
      gate.blocked = false
      await app.switchTo(a.id)
      await inSync(app)
      await vi.waitFor(async () => expect(await laptop.storedDocs(LOCAL_OWNER)).toEqual([]), { timeout: 5_000 })
      await app.switchTo(null)
      expect(collectionNames(app)).toEqual([])
      const phone = await suite.open(createDevice('phone'))
      await phone.signIn(emailA, PASSWORD)
      await inSync(phone)
      expect(collectionNames(phone)).toEqual(['Typed before signing in'])
    })
  }
})
