/**
 * The account's multiplexed socket against the in-memory relay (testing/fake-relay.ts), through
 * workspaces as an app uses them: one socket for every doc, the batched open, an honest status
 * with progress, per-doc refusals and deletions, fallback to per-doc sockets, reconnects.
 */
import { describe, expect, it, vi } from 'vitest'
import { docName, type DocName } from '@ferry/protocol'
import { describeStatus } from '../sync-status.ts'
import { connectionTo, fakeDevices, seedAccount, untilInSync } from './testing/fake-device.ts'
import { FakeRelay } from './testing/fake-relay.ts'

const device = fakeDevices()

const name = (owner: string, kind: 'workspace' | 'collection' | 'environments' | 'history', id?: string): DocName => docName(owner, kind, id)

describe('one socket per account', () => {
  it('carries 50 collections, the index, environments and history on one socket, opened with one message after a reload', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'alice', 50)
    const laptop = await device()
    const first = await laptop.open('alice', connectionTo(relay))
    await untilInSync(first)
    expect(first.heldDocs()).toHaveLength(53)
    // Held and in sync, loaded none but the index: a doc becomes a Y.Doc when something asks for it.
    expect(first.loadedDocs()).toEqual([name('alice', 'workspace')])
    expect(relay.attempts.map((a) => a.path)).toEqual(['/v1/mux'])
    expect(relay.sockets.size).toBe(1)
    expect(first.socketCount()).toBe(1)
    await first.destroy()
    await vi.waitFor(() => expect(relay.sockets.size).toBe(0))

    // A reload: every doc is on the device, so the first open names all of them.
    const opensBefore = relay.opens.length
    const again = await laptop.open('alice', connectionTo(relay))
    await untilInSync(again)
    expect(relay.opens.slice(opensBefore).map((docs) => docs.length)).toEqual([53])
    expect(relay.sockets.size).toBe(1)
  })

  it('says a new device is syncing N of M until every listed doc is here and acknowledged', async () => {
    const relay = new FakeRelay()
    const ids = seedAccount(relay, 'bob', 100)
    const phone = await device()
    const workspace = await phone.open('bob', connectionTo(relay))
    const labels: string[] = []
    // Which turn of the event loop each status came in (statuses set in one loop share one).
    let turn = 0
    const ticking = setInterval(() => turn++, 1)
    const turns = new Map<string, number>()
    let atInSync: Promise<{ loaded: number; requests: number[] }> | null = null
    workspace.onStatus((status) => {
      labels.push(describeStatus(status))
      turns.set(describeStatus(status), turn)
      if (status.kind !== 'in-sync' || atInSync) return
      // The docs are all loaded by now: these resolve without waiting for anything but microtasks.
      const loaded = workspace.heldDocs().length
      atInSync = Promise.all(ids.map((id) => workspace.collection(id))).then((collections) => ({ loaded, requests: collections.map((c) => c.tree().length) }))
    })
    await untilInSync(workspace)
    clearInterval(ticking)
    const seen = await atInSync!
    expect(seen.loaded).toBe(103)
    expect(seen.requests.every((n) => n === 2)).toBe(true)
    const progress = labels.filter((l) => /^syncing \d+ of 103$/.test(l))
    // Docs count as they arrive, not all at once when the whole batch is `opened`.
    const midway = progress.filter((l) => Number(l.split(' ')[1]) > 3)
    expect(new Set(midway.map((l) => turns.get(l))).size).toBeGreaterThan(1)
    expect(labels.indexOf(progress[0]!)).toBeLessThan(labels.indexOf('in sync'))
    expect(labels.slice(0, labels.indexOf('in sync'))).not.toContain('in sync')
    // The index came first; its 100 collections went in one more open.
    expect(relay.opens.map((docs) => docs.length)).toEqual([3, 100])
  })

  it('opens a collection created on another device with one more open, and closes one deleted there', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'carol', 5)
    const laptop = await device()
    const workspace = await laptop.open('carol', connectionTo(relay))
    await untilInSync(workspace)
    const deleted: string[] = []
    workspace.onCollectionDeleted((id) => deleted.push(id))

    relay.write(name('carol', 'workspace'), (doc) => doc.getMap('collections').delete('c1'))
    await vi.waitFor(() => expect(relay.closes.flat()).toContain(name('carol', 'collection', 'c1')))
    relay.deleteDoc(name('carol', 'collection', 'c2'))
    await vi.waitFor(() => expect(deleted).toEqual(['c2']))
    expect(workspace.heldDocs()).not.toContain(name('carol', 'collection', 'c2'))
    await untilInSync(workspace)
    expect(workspace.docStatus(name('carol', 'collection', 'c0'))).toEqual({ kind: 'in-sync' })
    expect(relay.attempts).toHaveLength(1)

    seedAccount(relay, 'carol', 7).slice(5) // adds c5 and c6 to the index and writes them
    await vi.waitFor(() => expect(workspace.heldDocs()).toContain(name('carol', 'collection', 'c6')))
    await untilInSync(workspace)
    expect((await workspace.collection('c6')).tree()).toHaveLength(2)
    expect(relay.attempts).toHaveLength(1)
  })

  it('keeps the other docs syncing when the relay refuses one (4403)', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'dave', 4)
    relay.refuse.set(name('dave', 'collection', 'c1'), { code: 4403, reason: 'not yours' })
    const laptop = await device()
    const workspace = await laptop.open('dave', connectionTo(relay))
    await vi.waitFor(() => expect(describeStatus(workspace.status)).toBe('error (not yours)'))
    await vi.waitFor(() => expect(workspace.docStatus(name('dave', 'collection', 'c3'))).toEqual({ kind: 'in-sync' }))
    ;(await workspace.collection('c0')).add({ kind: 'request', name: 'still syncing' })
    await vi.waitFor(() => expect(relay.doc(name('dave', 'collection', 'c0')).getMap('items').size).toBe(3))
    expect(relay.sockets.size).toBe(1)
  })

  it('shows a doc the relay asks to wait (1013) as its changes on their way, not offline, and lands them after the wait', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'kim', 2)
    const laptop = await device()
    const workspace = await laptop.open('kim', connectionTo(relay, { minMs: 50, maxMs: 200 }))
    await untilInSync(workspace)
    const busy = name('kim', 'collection', 'c1')
    relay.refuse.set(busy, { code: 1013, reason: 'changes of this account took too long to apply lately; retry-after=1' })
    const opensBefore = relay.opens.length
    relay.closeAll(1001, 'restart')
    ;(await workspace.collection('c1')).add({ kind: 'request', name: 'typed while the relay is busy' })
    // Reconnected, the doc opened and was refused: it waits at least the second it was told to.
    await vi.waitFor(() => expect(relay.opens.slice(opensBefore).some((open) => open.includes(busy))).toBe(true))
    await vi.waitFor(() => expect(workspace.docStatus(name('kim', 'collection', 'c0'))).toEqual({ kind: 'in-sync' }))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(workspace.docStatus(busy)).toEqual({ kind: 'syncing', pending: 1 })
    expect(describeStatus(workspace.status)).toBe('syncing (1 pending)')
    relay.refuse.delete(busy)
    await untilInSync(workspace, 5_000)
    expect(relay.doc(busy).getMap('items').size).toBe(3)
  })

  it('ships a deletion made offline: the open differs only by delete-set hash, the relay asks, the ack settles it', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'erin', 1, 3)
    const laptop = await device()
    const workspace = await laptop.open('erin', connectionTo(relay))
    await untilInSync(workspace)
    await workspace.setSync(null)
    const doc = await workspace.doc('collection', 'c0')
    const key = [...doc.getMap('items').keys()][0]!
    doc.getMap('items').delete(key)
    await workspace.setSync(connectionTo(relay))
    await untilInSync(workspace)
    expect(relay.doc(name('erin', 'collection', 'c0')).getMap('items').has(key)).toBe(false)
  })
})

describe('when the relay does not speak it, or goes away', () => {
  it.each([
    ['no /v1/mux (the upgrade fails)', (relay: FakeRelay) => void (relay.mux = false)],
    ['4404 on /v1/mux', (relay: FakeRelay) => void (relay.refuseUpgrade = { path: 'mux', code: 4404, reason: 'no such endpoint', times: 1 })],
    ['4400 naming other versions', (relay: FakeRelay) => void (relay.refuseUpgrade = { path: 'mux', code: 4400, reason: 'unsupported protocol version; this relay speaks v=2,3', times: 1 })],
  ])('falls back to a socket per doc: %s', async (_label, configure) => {
    const relay = new FakeRelay()
    seedAccount(relay, 'frank', 6)
    configure(relay)
    const laptop = await device()
    const workspace = await laptop.open('frank', connectionTo(relay))
    await untilInSync(workspace)
    expect(relay.sockets.size).toBe(9)
    expect(workspace.socketCount()).toBe(9)
    ;(await workspace.collection('c5')).add({ kind: 'request', name: 'on its own socket' })
    await vi.waitFor(() => expect(relay.doc(name('frank', 'collection', 'c5')).getMap('items').size).toBe(3))
    await untilInSync(workspace)
  })

  it('shows docs on sockets of their own as on their way, not offline, when the relay closes them asking to wait (4529)', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'ida', 2)
    relay.mux = false
    const laptop = await device()
    const workspace = await laptop.open('ida', connectionTo(relay, { minMs: 100, maxMs: 300 }))
    await untilInSync(workspace)
    relay.closeAll(4529, 'too many new connections from this address; retry-after=1')
    await vi.waitFor(() => expect(describeStatus(workspace.status)).toBe('connecting'))
    ;(await workspace.collection('c1')).add({ kind: 'request', name: 'while the relay is busy' })
    await vi.waitFor(() => expect(describeStatus(workspace.status)).toBe('syncing 0 of 5 (1 pending)'))
    await untilInSync(workspace, 5_000)
    expect(relay.doc(name('ida', 'collection', 'c1')).getMap('items').size).toBe(3)
  })

  it('reconnects after a restart no sooner than the retry-after the relay named, jittered, and resyncs', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'gina', 3)
    const [a, b] = [await device(), await device()]
    const network = new EventTarget()
    const laptop = await a.open('gina', connectionTo(relay, { token: 'laptop', random: () => 0.1, minMs: 100, maxMs: 1_000, online: network }))
    const phone = await b.open('gina', connectionTo(relay, { token: 'phone', random: () => 0.9, minMs: 100, maxMs: 1_000 }))
    await untilInSync(laptop)
    await untilInSync(phone)
    const before = relay.attempts.length
    const closedAt = Date.now()
    relay.closeAll(1013, 'the relay is busy; retry-after=1')
    // The relay answered and asked to wait: online, on its way — not "offline".
    await vi.waitFor(() => expect(describeStatus(laptop.status)).toBe('connecting'))
    // The network coming back ends a wait for the network, not the one the relay asked for.
    network.dispatchEvent(new Event('online'))
    ;(await laptop.collection('c0')).add({ kind: 'request', name: 'while away' })
    // None of the 6 docs is acknowledged until the socket is back; the change waits to be sent.
    await vi.waitFor(() => expect(describeStatus(laptop.status)).toBe('syncing 0 of 6 (1 pending)'))
    await untilInSync(laptop, 5_000)
    await untilInSync(phone, 5_000)
    const again = relay.attempts.slice(before).map((attempt) => attempt.at - closedAt)
    expect(again).toHaveLength(2)
    for (const delay of again) expect(delay).toBeGreaterThanOrEqual(1_000)
    // Full jitter: the two devices came back apart, not together.
    expect(Math.abs(again[0]! - again[1]!)).toBeGreaterThanOrEqual(50)
    await vi.waitFor(async () => expect((await phone.collection('c0')).tree().map((n) => n.name)).toContain('while away'))
  })

  it('refreshes the token once on 4401 and reconnects every doc', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'hal', 2)
    const laptop = await device()
    const connection = connectionTo(relay)
    const workspace = await laptop.open('hal', connection)
    await untilInSync(workspace)
    relay.badTokens.add('token')
    relay.closeAll(4401, 'the session token expired')
    await vi.waitFor(() => expect(connection.refreshes).toBe(1))
    await untilInSync(workspace)
    expect(relay.sockets.size).toBe(1)
  })

  it('probes a quiet socket on an open doc\'s channel, keeps it while the relay answers, and replaces it when the relay goes silent', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'kim', 2)
    const laptop = await device()
    const workspace = await laptop.open('kim', connectionTo(relay, { liveness: { idleMs: 60, timeoutMs: 60 } }))
    await untilInSync(workspace)
    await vi.waitFor(() => expect(relay.docMessages.filter((m) => m.type === 'query-awareness').length).toBeGreaterThanOrEqual(2), { timeout: 2_000 })
    expect(relay.docMessages.every((m) => m.docName.startsWith('kim:'))).toBe(true)
    expect(relay.attempts).toHaveLength(1)

    relay.silent = true
    await vi.waitFor(() => expect(relay.attempts.length).toBeGreaterThan(1), { timeout: 2_000 })
    relay.silent = false
    ;(await workspace.collection('c1')).add({ kind: 'request', name: 'after the silence' })
    await untilInSync(workspace)
    expect(relay.doc(name('kim', 'collection', 'c1')).getMap('items').size).toBe(3)
  })

  it('carries a doc the relay has no room for on the shared socket (4429) on a socket of its own', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'ivy', 3)
    relay.refuse.set(name('ivy', 'collection', 'c2'), { code: 4429, reason: 'too many docs on this socket' })
    const laptop = await device()
    const workspace = await laptop.open('ivy', connectionTo(relay))
    await untilInSync(workspace)
    expect([...relay.sockets].map((s) => s.url.pathname).sort()).toEqual(['/v1/mux', `/v1/sync/${name('ivy', 'collection', 'c2')}`])
  })
})

describe('tabs of one browser', () => {
  it('share the account socket: one leader tab carries every doc, and a new leader takes over', async () => {
    const relay = new FakeRelay()
    seedAccount(relay, 'jo', 5)
    const laptop = await device()
    const tabs = { scope: `jo-${Math.random()}`, discoveryMs: 20, heartbeatMs: 100 }
    const first = await laptop.open('jo', connectionTo(relay), tabs)
    await untilInSync(first)
    const second = await laptop.open('jo', connectionTo(relay), tabs)
    await untilInSync(second)
    expect(relay.sockets.size).toBe(1)
    expect(first.socketCount() + second.socketCount()).toBe(1)
    ;(await second.collection('c3')).add({ kind: 'request', name: 'from the follower' })
    await vi.waitFor(() => expect(relay.doc(name('jo', 'collection', 'c3')).getMap('items').size).toBe(3))

    const leader = first.socketCount() === 1 ? first : second
    const follower = leader === first ? second : first
    await leader.destroy()
    await vi.waitFor(() => expect(follower.socketCount()).toBe(1), { timeout: 5_000 })
    ;(await follower.collection('c4')).add({ kind: 'request', name: 'after the hand-over' })
    await untilInSync(follower)
    expect(relay.doc(name('jo', 'collection', 'c4')).getMap('items').size).toBe(3)
    expect(relay.sockets.size).toBe(1)
  })
})
