/**
 * The client as an app uses it: real sign-up and sign-in, workspaces on two simulated devices
 * (separate IndexedDB factories), offline edits merging, sync off/on, account switching and
 * sign-out isolation, and the local-only workspace joining an account.
 */
import { describe, expect, it, vi } from 'vitest'
import { describeStatus, type FerryClient } from '../../packages/client/src/index.ts'
import { inSync, PASSWORD, signUp, useClientRelay } from '../helpers/client-app.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'

const suite = useClientRelay()
const client = (device: Device): Promise<FerryClient> => suite.open(device)

async function requestNamed(c: FerryClient, collectionId: string, name: string): Promise<string> {
  const collection = await c.workspace.collection(collectionId)
  const node = [...walk(collection.tree())].find((n) => n.name === name)
  if (!node) throw new Error(`no request named ${name}`)
  return node.id
}

function* walk(nodes: readonly { id: string; name: string; children?: readonly unknown[] }[]): Generator<{ id: string; name: string }> {
  for (const node of nodes) {
    yield node
    if (node.children) yield* walk(node.children as typeof nodes)
  }
}

// Each test signs users up and in for real (scrypt at N=2^17): generous per-test time on 2 cores.
describe('client workspace against a real relay', { timeout: 90_000 }, () => {
  it.each([
    ['laptop first', 0],
    ['phone first', 1],
  ])('two devices edit one collection offline and merge on reconnect (%s)', async (_label, first) => {
    const email = await signUp(suite.relay, 'alice')
    const laptop = await client(createDevice('laptop'))
    await laptop.signIn(email, PASSWORD)
    const id = await laptop.workspace.createCollection('API')
    const api = await laptop.workspace.collection(id)
    for (const name of ['list', 'get', 'create', 'delete', 'update']) {
      const requestId = api.add({ kind: 'request', name, method: 'GET', url: `https://api.test/${name}` })
      api.text(requestId, 'body')!.insert(0, `{"op":"${name}"}`)
    }
    await inSync(laptop)

    const phone = await client(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.name)).toEqual(['API']), { timeout: 10_000 })
    await vi.waitFor(async () => expect((await phone.workspace.collection(id)).tree()).toHaveLength(5), { timeout: 10_000 })
    await inSync(phone)

    await laptop.setSyncEnabled(false)
    await phone.setSyncEnabled(false)
    const onLaptop = await laptop.workspace.collection(id)
    const onPhone = await phone.workspace.collection(id)
    onLaptop.update(await requestNamed(laptop, id, 'list'), { name: 'list all' })
    onLaptop.text(await requestNamed(laptop, id, 'create'), 'body')!.insert(0, 'L:')
    onLaptop.remove(await requestNamed(laptop, id, 'delete'))
    onLaptop.add({ kind: 'request', name: 'laptop new', method: 'POST' })
    laptop.workspace.index.renameCollection(id, 'API v2')
    onPhone.move(await requestNamed(phone, id, 'update'), { index: 0 })
    const createOnPhone = onPhone.text(await requestNamed(phone, id, 'create'), 'body')!
    createOnPhone.insert(createOnPhone.length, ':P')
    onPhone.update(await requestNamed(phone, id, 'get'), { method: 'HEAD' })
    onPhone.add({ kind: 'request', name: 'phone new', method: 'PUT' })
    expect(describeStatus(laptop.status)).toBe('sync off')

    const order = first === 0 ? [laptop, phone] : [phone, laptop]
    await order[0]!.setSyncEnabled(true)
    await inSync(order[0]!)
    await order[1]!.setSyncEnabled(true)
    await inSync(order[1]!)
    order[0]!.syncNow()
    await vi.waitFor(
      async () => expect((await phone.workspace.collection(id)).snapshot()).toEqual((await laptop.workspace.collection(id)).snapshot()),
      { timeout: 10_000 },
    )
    const merged = (await laptop.workspace.collection(id)).tree()
    expect(merged.map((n) => n.name).sort()).toEqual(['create', 'get', 'laptop new', 'list all', 'phone new', 'update'])
    expect(merged[0]!.name).toBe('update')
    const create = merged.find((n) => n.name === 'create')!
    expect(onLaptop.text(create.id, 'body')!.toString()).toBe('L:{"op":"create"}:P')
    expect(merged.find((n) => n.name === 'get')).toMatchObject({ method: 'HEAD' })
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.name)).toEqual(['API v2']), { timeout: 10_000 })
  })

  it('deleting a collection removes it from the index and its local data on every device', async () => {
    const email = await signUp(suite.relay, 'dora')
    const laptopDevice = createDevice('laptop')
    const phoneDevice = createDevice('phone')
    const laptop = await client(laptopDevice)
    await laptop.signIn(email, PASSWORD)
    const keep = await laptop.workspace.createCollection('Keep')
    const drop = await laptop.workspace.createCollection('Drop')
    ;(await laptop.workspace.collection(drop)).add({ kind: 'request', name: 'doomed' })
    await inSync(laptop)
    const phone = await client(phoneDevice)
    const { id: userId } = await phone.signIn(email, PASSWORD)
    const dropDoc = `${userId}:collection:${drop}`
    await vi.waitFor(async () => expect(await phoneDevice.storedDocs(userId)).toContain(dropDoc), { timeout: 10_000 })
    await inSync(phone)

    await laptop.workspace.deleteCollectionForever(drop)
    expect(laptop.workspace.index.collections().map((c) => c.id)).toEqual([keep])
    expect(await laptopDevice.storedDocs(userId)).not.toContain(dropDoc)
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.id)).toEqual([keep]), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await phoneDevice.storedDocs(userId)).not.toContain(dropDoc), { timeout: 10_000 })
    expect(phone.workspace.loadedDocs()).not.toContain(dropDoc)
  })

  it('keeps every edit on the device across restarts, also edits made after a reload', async () => {
    const device = createDevice('laptop')
    const first = await client(device)
    const id = await first.workspace.createCollection('Persisted')
    ;(await first.workspace.collection(id)).add({ kind: 'request', name: 'one' })
    await first.close()

    const second = await client(device)
    const collection = await second.workspace.collection(id)
    expect(collection.tree().map((n) => n.name)).toEqual(['one'])
    collection.add({ kind: 'request', name: 'two' })
    await second.close()

    const third = await client(device)
    expect(third.workspace.index.collections().map((c) => c.name)).toEqual(['Persisted'])
    expect((await third.workspace.collection(id)).tree().map((n) => n.name)).toEqual(['one', 'two'])
  })

  it('shows a session ended elsewhere as signed out, and resumes after signing in again', async () => {
    const email = await signUp(suite.relay, 'gus')
    const device = createDevice('laptop')
    const app = await client(device)
    const { id } = await app.signIn(email, PASSWORD)
    await inSync(app)
    const stored = await app.accounts.store.account(id)
    await app.relay.logout(stored!.refreshToken!) // e.g. a password reset on another device
    await app.accounts.refresh(id).catch(() => {})
    expect(describeStatus(app.status)).toBe('signed out')
    expect(app.accounts.get(id)?.state).toBe('signed-out')
    await vi.waitFor(() => expect(device.openSockets()).toEqual([]), { timeout: 5_000 })
    expect(describeStatus(app.status)).toBe('signed out')

    await app.signIn(email, PASSWORD)
    expect(app.accounts.get(id)?.state).toBe('signed-in')
    await inSync(app)
  })

  it('with sync off keeps working with no socket; turned on, it merges and is in sync only after the relay stored it', async () => {
    const email = await signUp(suite.relay, 'bob')
    const device = createDevice('laptop')
    const laptop = await client(device)
    await laptop.signIn(email, PASSWORD)
    await inSync(laptop)
    await laptop.setSyncEnabled(false)
    expect(describeStatus(laptop.status)).toBe('sync off')
    expect(device.openSockets()).toEqual([])

    // An hour of work: a collection, a few dozen requests, edits, sent requests.
    const id = await laptop.workspace.createCollection('Offline work')
    const collection = await laptop.workspace.collection(id)
    for (let i = 0; i < 60; i++) collection.add({ kind: 'request', name: `r${i}`, url: `https://api.test/${i}` })
    const historyDoc = await laptop.workspace.doc('history')
    for (let i = 0; i < 120; i++) historyDoc.getArray('probe').push([`sent ${i}`])
    expect(device.openSockets()).toEqual([])
    expect(describeStatus(laptop.status)).toBe('sync off')

    const seen: string[] = []
    laptop.onStatus((status) => seen.push(describeStatus(status)))
    await laptop.setSyncEnabled(true)
    await inSync(laptop)
    expect(seen.some((s) => s.startsWith('syncing ('))).toBe(true)
    expect(seen.at(-1)).toBe('in sync')

    const phone = await client(createDevice('phone'))
    await phone.signIn(email, PASSWORD)
    await vi.waitFor(async () => expect((await phone.workspace.collection(id)).tree()).toHaveLength(60), { timeout: 10_000 })
    await vi.waitFor(async () => expect((await phone.workspace.doc('history')).getArray('probe').length).toBe(120), { timeout: 10_000 })
  })

  it('switching accounts leaves nothing of the previous one loaded, connected or open', async () => {
    const [alice, bob] = [await signUp(suite.relay, 'alice'), await signUp(suite.relay, 'bob')]
    const device = createDevice('laptop')
    const app = await client(device)
    const a = await app.signIn(alice, PASSWORD)
    const id = await app.workspace.createCollection('Alice only')
    await app.workspace.loadAll()
    await inSync(app)
    expect(device.openSockets().some((path) => path.includes(a.id))).toBe(true)
    // An app shows no workspace while it is not ready: an edit made in one being closed would stay behind in it.
    const readyWhenClosing: boolean[] = []
    const watchClosing = () => {
      const closing = app.workspace
      const destroy = closing.destroy.bind(closing)
      closing.destroy = () => {
        readyWhenClosing.push(app.workspaceReady)
        return destroy()
      }
    }
    const readyOnEvents: string[] = []
    app.onAccounts(() => readyOnEvents.push(`accounts ${app.workspaceReady}`))
    app.onWorkspace(() => readyOnEvents.push(`workspace ${app.workspaceReady}`))
    watchClosing()

    const b = await app.signIn(bob, PASSWORD) // "Add a new account"
    expect(readyWhenClosing).toEqual([false])
    expect(readyOnEvents.at(-1)).toBe('workspace true')
    expect(readyOnEvents.filter((event) => event.startsWith('accounts')).at(-1)).toBe('accounts false')
    expect(app.accounts.activeId).toBe(b.id)
    expect(app.workspace.owner).toBe(b.id)
    expect(app.workspace.loadedDocs().every((name) => name.startsWith(`${b.id}:`))).toBe(true)
    expect(app.workspace.index.collections()).toEqual([])
    expect(device.openSockets().filter((path) => path.includes(a.id))).toEqual([])
    expect(device.openDatabases().filter((name) => name.includes(a.id))).toEqual([])
    await inSync(app)

    watchClosing()
    await app.switchTo(a.id)
    expect(readyWhenClosing).toEqual([false, false])
    expect(readyOnEvents.at(-1)).toBe('workspace true')
    expect(app.workspace.index.collections().map((c) => c.id)).toEqual([id])
    expect(device.openSockets().filter((path) => path.includes(b.id))).toEqual([])
    expect(device.openDatabases().filter((name) => name.includes(b.id))).toEqual([])
  })

  it('signing out wipes that account only', async () => {
    const [alice, bob] = [await signUp(suite.relay, 'alice'), await signUp(suite.relay, 'bob')]
    const device = createDevice('laptop')
    const app = await client(device)
    const a = await app.signIn(alice, PASSWORD)
    await app.workspace.createCollection('Alice work')
    await app.workspace.loadAll()
    await inSync(app)
    const b = await app.signIn(bob, PASSWORD)
    const bobCollection = await app.workspace.createCollection('Bob work')
    await app.workspace.loadAll()
    await inSync(app)
    await app.switchTo(a.id)
    const before = await device.databases()
    expect(before).toContain(`ferry:${a.id}:docs`)
    expect(await device.storedDocs(a.id)).toContain(`${a.id}:workspace`)

    await app.signOut(a.id)

    const after = await device.databases()
    expect(after.filter((n) => n.startsWith(`ferry:${a.id}:`))).toEqual([])
    expect(after.filter((n) => n.startsWith(`ferry:${b.id}:`))).toEqual(before.filter((n) => n.startsWith(`ferry:${b.id}:`)))
    expect(app.accounts.list().map((x) => x.id)).toEqual([b.id])
    expect(app.workspace.owner).toBe(b.id)
    expect(app.workspace.index.collections().map((c) => c.id)).toEqual([bobCollection])
    expect(device.openDatabases().filter((name) => name.includes(a.id))).toEqual([])
  })

  it('a sign-out the relay refuses leaves the workspace open and every later edit kept', async () => {
    const email = await signUp(suite.relay, 'dora')
    const device = createDevice('laptop')
    let failLogout = false
    const failing: typeof fetch = async (input, init) =>
      failLogout && String(input).includes('/v1/auth/logout')
        ? new Response('{"error":"boom"}', { status: 500, headers: { 'content-type': 'application/json' } })
        : fetch(input, init)
    const app = await suite.open(device, { fetch: failing })
    const a = await app.signIn(email, PASSWORD)
    const id = await app.workspace.createCollection('API')
    await inSync(app)

    failLogout = true
    await expect(app.signOut(a.id)).rejects.toThrow()
    expect(app.accounts.activeId).toBe(a.id)
    expect(app.workspaceReady).toBe(true)
    app.workspace.index.renameCollection(id, 'API renamed')
    await app.workspace.createCollection('After the refusal')
    await inSync(app)
    await app.close()

    const reopened = await client(device)
    expect(reopened.workspace.index.collections().map((c) => c.name).sort()).toEqual(['API renamed', 'After the refusal'].sort())
  })

  it('merges what was made before signing in into the account', async () => {
    const email = await signUp(suite.relay, 'carol')
    const device = createDevice('laptop')
    const app = await client(device)
    expect(app.accounts.activeId).toBeNull()
    expect(describeStatus(app.status)).toBe('sync off')
    const localId = await app.workspace.createCollection('Made offline')
    ;(await app.workspace.collection(localId)).add({ kind: 'request', name: 'draft', url: 'https://api.test/draft' })
    const localEnvironments = await app.workspace.environments()
    localEnvironments.globals.add({ key: 'token', value: 'plain-local-secret', secret: true })

    const other = await client(createDevice('desktop'))
    await other.signIn(email, PASSWORD)
    const remoteId = await other.workspace.createCollection('Already there')
    await inSync(other)

    await app.signIn(email, PASSWORD)
    await inSync(app)
    expect(app.workspace.index.collections().map((c) => c.name).sort()).toEqual(['Already there', 'Made offline'])
    expect((await app.workspace.collection(localId)).tree().map((n) => n.name)).toEqual(['draft'])
    // Plain local variable values must not reach the relay past the vault: the environments
    // doc stays in the local-only workspace, everything else was merged and, once the relay
    // holds it, wiped.
    expect((await app.workspace.environments()).globals.list()).toEqual([])
    await vi.waitFor(async () => expect(await device.storedDocs('local')).toEqual(['local:environments']))
    await vi.waitFor(() => expect(other.workspace.index.collections().map((c) => c.id).sort()).toEqual([localId, remoteId].sort()), { timeout: 10_000 })
    expect((await other.workspace.environments()).globals.list()).toEqual([])

    await app.switchTo(null)
    expect((await app.workspace.environments()).globals.list().map((v) => v.value)).toEqual(['plain-local-secret'])
  })
})
