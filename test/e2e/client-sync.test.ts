/**
 * The sync provider against a real relay: status transitions, durable acks, relay restarts,
 * expired tokens, the `online` event. Tokens are minted by the relay (no sign-in needed here).
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import type { LocalDoc } from '../../packages/client/src/local-doc.ts'
import { openLocalDoc } from '../helpers/local-doc.ts'
import { describeStatus, SyncProvider, type SyncConnection } from '../../packages/client/src/index.ts'
import { createDevice, tick, type Device } from '../helpers/client-devices.ts'
import { useRelayEachTest } from '../helpers/relay-each-test.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = useRelayEachTest()

/** A token signed by the relay that expired long ago (the payload's `iat` is honoured). */
function expiredToken(userId: string): string {
  return suite.relay.app.jwt.sign({ sub: userId, iat: Math.floor(Date.now() / 1000) - 3600 } as { sub: string })
}

function seeded(seed: number): () => number {
  let state = seed
  return () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

interface Opened {
  local: LocalDoc
  provider: SyncProvider
  statuses: { label: string; at: number }[]
  text: Y.Text
}

function connection(device: Device, userId: string, overrides: Partial<SyncConnection> = {}): SyncConnection {
  return {
    url: (name, token) => `${suite.relay.wsUrl}/v1/sync/${name}?token=${token}&ack=1`,
    token: () => sessionToken(suite.relay, userId),
    refreshToken: () => sessionToken(suite.relay, userId),
    createSocket: device.createSocket,
    backoff: { minMs: 20, maxMs: 200, random: seeded(1) },
    online: null,
    ...overrides,
  }
}

async function open(device: Device, name: DocName, conn: SyncConnection): Promise<Opened> {
  const store = await AccountStore.open(device.indexedDB)
  const storedDoc = await openLocalDoc(device.indexedDB, store, name)
  const local = storedDoc.local
  const provider = new SyncProvider(local.doc, name, conn)
  const statuses = [{ label: describeStatus(provider.status), at: tick() }]
  provider.onStatus((status) => statuses.push({ label: describeStatus(status), at: tick() }))
  suite.afterTest(async () => {
    await provider.destroy()
    await storedDoc.close()
    store.close()
  })
  return { local, provider, statuses, text: local.doc.getText('body') }
}

const inSync = (opened: Opened) => vi.waitFor(() => expect(describeStatus(opened.provider.status)).toBe('in sync'), { timeout: 10_000 })

describe('sync provider against a real relay', () => {
  it('is in sync only after the relay acknowledged storing the change, and another device gets it', async () => {
    const name = docName('alice', 'collection', 'c1')
    const laptop = createDevice('laptop')
    const a = await open(laptop, name, connection(laptop, 'alice'))
    await inSync(a)
    a.text.insert(0, 'hello')
    expect(describeStatus(a.provider.status)).toBe('syncing (1 pending)')
    await inSync(a)
    const inSyncAt = a.statuses.at(-1)!.at
    const lastPersisted = laptop.received.filter((f) => f.type === 'persisted').at(-1)
    expect(lastPersisted!.at).toBeLessThan(inSyncAt)
    expect(a.statuses.map((s) => s.label)).toEqual(['connecting', 'in sync', 'syncing (1 pending)', 'in sync'])

    const phone = createDevice('phone')
    const b = await open(phone, name, connection(phone, 'alice'))
    await inSync(b)
    expect(b.text.toString()).toBe('hello')
  })

  it('waits for the relay to store deletions too, which a state vector cannot show', async () => {
    const name = docName('frank', 'collection', 'c1')
    const laptop = createDevice('laptop')
    const a = await open(laptop, name, connection(laptop, 'frank'))
    const items = a.local.doc.getMap<string>('items')
    for (let i = 0; i < 40; i++) items.set(`k${i}`, `v${i}`)
    await inSync(a)
    const acksBefore = laptop.received.filter((f) => f.type === 'persisted').length
    for (let i = 0; i < 30; i++) items.delete(`k${i}`) // a burst: the relay stores it in few commits
    expect(describeStatus(a.provider.status)).toMatch(/^syncing \(\d+ pending\)$/)
    await inSync(a)
    expect(laptop.received.filter((f) => f.type === 'persisted').length).toBeGreaterThan(acksBefore)

    const start = await stopRelay(suite.relay)
    suite.relay = await start()
    const phone = createDevice('phone')
    const b = await open(phone, name, connection(phone, 'frank'))
    await inSync(b)
    expect([...b.local.doc.getMap('items').keys()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i + 30}`).sort())
  })

  it('goes offline when the relay restarts, and back in sync with the edits made meanwhile', async () => {
    const name = docName('bob', 'collection', 'c1')
    const laptop = createDevice('laptop')
    const a = await open(laptop, name, connection(laptop, 'bob'))
    a.text.insert(0, 'before ')
    await inSync(a)
    const start = await stopRelay(suite.relay)
    await vi.waitFor(() => expect(describeStatus(a.provider.status)).toBe('offline'), { timeout: 5_000 })
    a.text.insert(a.text.length, 'during')
    suite.relay = await start()
    await inSync(a)

    const phone = createDevice('phone')
    const b = await open(phone, name, connection(phone, 'bob'))
    await inSync(b)
    expect(b.text.toString()).toBe('before during')
  })

  it('retries at once on the online event instead of waiting out the backoff', async () => {
    const name = docName('carol', 'history')
    const online = new EventTarget()
    const laptop = createDevice('laptop')
    const a = await open(laptop, name, connection(laptop, 'carol', { online, backoff: { minMs: 600_000, maxMs: 600_000 } }))
    await inSync(a)
    const start = await stopRelay(suite.relay)
    await vi.waitFor(() => expect(describeStatus(a.provider.status)).toBe('offline'), { timeout: 5_000 })
    a.local.doc.getArray('entries').push(['GET /offline'])
    suite.relay = await start()
    expect(describeStatus(a.provider.status)).toBe('offline')
    online.dispatchEvent(new Event('online'))
    await inSync(a)
  })

  it('refreshes an expired token on a 4401 close and loses no update', async () => {
    const name = docName('dave', 'environments')
    const laptop = createDevice('laptop')
    let token = await sessionToken(suite.relay, 'dave')
    let refreshes = 0
    const conn = connection(laptop, 'dave', {
      token: async () => token,
      refreshToken: async () => {
        refreshes++
        token = await sessionToken(suite.relay, 'dave')
        return token
      },
    })
    const a = await open(laptop, name, conn)
    a.text.insert(0, 'one')
    await inSync(a)
    const start = await stopRelay(suite.relay)
    await vi.waitFor(() => expect(describeStatus(a.provider.status)).toBe('offline'), { timeout: 5_000 })
    a.text.insert(3, ' two')
    suite.relay = await start()
    // The laptop slept: the token it holds expired a minute ago.
    token = expiredToken('dave')
    await inSync(a)
    expect(refreshes).toBe(1)

    const phone = createDevice('phone')
    const b = await open(phone, name, connection(phone, 'dave'))
    await inSync(b)
    expect(b.text.toString()).toBe('one two')
  })

  it('stops with a typed status when the relay refuses the doc or the session ended', async () => {
    const laptop = createDevice('laptop')
    const other = await open(laptop, docName('erin', 'workspace'), connection(laptop, 'mallory'))
    await vi.waitFor(() => expect(describeStatus(other.provider.status)).toMatch(/^error \(/), { timeout: 5_000 })
    expect(other.provider.hasSocket).toBe(false)

    const { SignedOut } = await import('../../packages/client/src/errors.ts')
    const ended = await open(laptop, docName('erin', 'history'), connection(laptop, 'erin', {
      token: async () => expiredToken('erin'),
      refreshToken: async () => {
        throw new SignedOut()
      },
    }))
    await vi.waitFor(() => expect(describeStatus(ended.provider.status)).toBe('signed out'), { timeout: 5_000 })
    expect(laptop.openSockets()).toEqual([])
  })
})
