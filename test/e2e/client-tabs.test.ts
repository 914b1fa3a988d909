/**
 * Several tabs of one browser share one socket per doc: a leader tab syncs, the others reach
 * the relay through it over BroadcastChannel, and a closed leader is replaced.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import type { LocalDoc } from '../../packages/client/src/local-doc.ts'
import { openLocalDoc } from '../helpers/local-doc.ts'
import { TabSync } from '../../packages/client/src/tab-sync.ts'
import { describeStatus, type SyncConnection } from '../../packages/client/src/index.ts'
import { createDevice, type Device } from '../helpers/client-devices.ts'
import { useRelayEachTest } from '../helpers/relay-each-test.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = useRelayEachTest()

interface Tab {
  local: LocalDoc
  sync: TabSync
  text: Y.Text
  close(): Promise<void>
}

async function openTab(device: Device, name: DocName, userId: string): Promise<Tab> {
  const store = await AccountStore.open(device.indexedDB)
  const storedDoc = await openLocalDoc(device.indexedDB, store, name)
  const local = storedDoc.local
  const connection: SyncConnection = {
    url: (doc, token) => `${suite.relay.wsUrl}/v1/sync/${doc}?token=${token}&ack=1`,
    token: () => sessionToken(suite.relay, userId),
    refreshToken: () => sessionToken(suite.relay, userId),
    createSocket: device.createSocket,
    backoff: { minMs: 20, maxMs: 200, random: () => 0.5 },
    online: null,
  }
  const sync = new TabSync(local.doc, name, connection, { scope: device.name, discoveryMs: 30, heartbeatMs: 200 })
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await sync.destroy()
    await storedDoc.close()
    store.close()
  }
  suite.afterTest(close)
  return { local, sync, text: local.doc.getText('body'), close }
}

const inSync = (tab: Tab) => vi.waitFor(() => expect(describeStatus(tab.sync.status)).toBe('in sync'), { timeout: 10_000 })

describe('tabs of one browser', () => {
  it('all hear that the doc was deleted, through the one socket the relay closed with 4410', async () => {
    const name = docName('dana', 'collection', 'doomed')
    const laptop = createDevice('laptop')
    const tabs = [await openTab(laptop, name, 'dana'), await openTab(laptop, name, 'dana')]
    await Promise.all(tabs.map(inSync))
    const heard = tabs.map(() => 0)
    tabs.forEach((tab, i) => tab.sync.onDeleted(() => heard[i]!++))

    const token = await sessionToken(suite.relay, 'dana')
    const answer = await fetch(`${suite.relay.url}/v1/docs/${name}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(answer.status).toBe(204)
    await vi.waitFor(() => expect(heard).toEqual([1, 1]), { timeout: 5_000 })
    expect(laptop.openSockets()).toEqual([])
  })

  it('share one socket per doc; a follower tab syncs through the leader', async () => {
    const name = docName('alice', 'collection', 'shared')
    const laptop = createDevice('laptop')
    const first = await openTab(laptop, name, 'alice')
    await inSync(first)
    const second = await openTab(laptop, name, 'alice')
    const third = await openTab(laptop, name, 'alice')
    await inSync(second)
    await inSync(third)
    expect(laptop.openSockets()).toEqual([`/v1/sync/${name}`])

    second.text.insert(0, 'from a follower tab')
    await vi.waitFor(() => expect(first.text.toString()).toBe('from a follower tab'), { timeout: 5_000 })
    await inSync(second)
    const phone = createDevice('phone')
    const remote = await openTab(phone, name, 'alice')
    await inSync(remote)
    expect(remote.text.toString()).toBe('from a follower tab')
    expect(laptop.openSockets()).toHaveLength(1)
  })

  it('a follower’s changes made before another tab opened do not keep it from `in sync` once that tab leads', async () => {
    // Four docs, four elections: the tab opened last leads at least one of them in almost every run.
    const names = [0, 1, 2, 3].map((i) => docName('erin', 'collection', `late-${i}`))
    const laptop = createDevice('laptop')
    const tabs = await Promise.all(names.map(async (name) => {
      const leader = await openTab(laptop, name, 'erin')
      await inSync(leader)
      const follower = await openTab(laptop, name, 'erin')
      follower.text.insert(0, 'from the follower ')
      await inSync(follower)
      // Opened after the follower's changes: it has them from the follower's answer to its state vector.
      const late = await openTab(laptop, name, 'erin')
      await inSync(late)
      await leader.close()
      return { follower, late }
    }))
    await vi.waitFor(() => expect(tabs.every(({ follower, late }) => follower.sync.hasSocket || late.sync.hasSocket)).toBe(true), { timeout: 5_000 })
    for (const { follower, late } of tabs) {
      late.text.insert(0, 'from the late tab ')
      await inSync(late)
      await inSync(follower)
    }
  })

  it('a tab opening with changes the leader lacks (typed with sync off, stored before a reload) is not `in sync` before the leader has them', async () => {
    const name = docName('erin', 'collection', 'held-before')
    const laptop = createDevice('laptop')
    const leader = await openTab(laptop, name, 'erin')
    await inSync(leader)
    // Stored in this browser without any tab hearing of it.
    const store = await AccountStore.open(laptop.indexedDB)
    const offline = await openLocalDoc(laptop.indexedDB, store, name)
    offline.local.doc.getText('body').insert(0, 'typed with sync off')
    await offline.close()
    store.close()
    const claims: boolean[] = []
    const holds = (has: Y.Doc, held: Y.Doc) => {
      const clocks = Y.decodeStateVector(Y.encodeStateVector(has))
      return [...Y.decodeStateVector(Y.encodeStateVector(held))].every(([client, clock]) => (clocks.get(client) ?? 0) >= clock)
    }
    const late = await openTab(laptop, name, 'erin')
    late.sync.onStatus((status) => {
      if (status.kind === 'in-sync') claims.push(holds(leader.local.doc, late.local.doc))
    })
    await vi.waitFor(() => expect(leader.text.toString()).toBe('typed with sync off'))
    await inSync(late)
    expect(claims.length).toBeGreaterThan(0)
    expect(claims).not.toContain(false)
  })

  it('hands the socket over when the leader tab closes', async () => {
    const name = docName('bob', 'history')
    const laptop = createDevice('laptop')
    const leader = await openTab(laptop, name, 'bob')
    await inSync(leader)
    const follower = await openTab(laptop, name, 'bob')
    await inSync(follower)
    expect(follower.sync.hasSocket).toBe(false)

    await leader.close()
    await vi.waitFor(() => expect(follower.sync.hasSocket).toBe(true), { timeout: 5_000 })
    follower.text.insert(0, 'after the hand-over')
    await inSync(follower)
    expect(laptop.openSockets()).toHaveLength(1)

    const phone = createDevice('phone')
    const remote = await openTab(phone, name, 'bob')
    await vi.waitFor(() => expect(remote.text.toString()).toBe('after the hand-over'), { timeout: 5_000 })
  })
})
