/**
 * The account's storage quota (4507) on the multiplexed socket: the doc whose change does not
 * fit stops with the same error as on a socket of its own, the account's other docs and its
 * socket carry on, and `syncNow()` opens that doc again on the same socket.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, type UserId } from '@ferry/protocol'
import { describeStatus, type WebSocketFactory } from '../../packages/client/src/index.ts'
import { AccountSync } from '../../packages/client/src/sync/account-sync.ts'
import type { DocSync } from '../../packages/client/src/sync/types.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

const KiB = 1024
let relay: TestRelay
afterEach(async () => {
  await relay?.close(true)
})

describe('Ferry\'s client over quota on the account\'s socket', () => {
  it('stops the doc that does not fit, keeps the others and the socket, and reopens it on syncNow()', async () => {
    relay = await startRelay({ ACCOUNT_QUOTA_BYTES: String(32 * KiB) })
    const device = createDevice('laptop')
    let sockets = 0
    const createSocket: WebSocketFactory = (url) => {
      sockets++
      return device.createSocket(url)
    }
    const token = () => sessionToken(relay, 'carol')
    const hub = new AccountSync('carol' as UserId, {
      url: (name, t) => `${relay.wsUrl}/v1/sync/${name}?token=${t}&ack=1`,
      muxUrl: (t) => `${relay.wsUrl}/v1/mux?v=1&token=${t}`,
      token,
      refreshToken: token,
      createSocket,
      backoff: { minMs: 20, maxMs: 100 },
      online: null,
    }, null)
    const docs: { doc: Y.Doc; sync: DocSync }[] = []
    const open = (kind: 'workspace' | 'history' | 'collection', id?: string) => {
      const doc = new Y.Doc()
      const opened = { doc, sync: hub.attach(doc, docName('carol', kind, id)) }
      docs.push(opened)
      return opened
    }
    try {
      const index = open('workspace')
      const big = open('collection', 'c1')
      const history = open('history')
      await vi.waitFor(() => expect(docs.map((d) => describeStatus(d.sync.status))).toEqual(['in sync', 'in sync', 'in sync']), { timeout: 10_000 })

      const kept = 'x'.repeat(40 * KiB)
      big.doc.getText('t').insert(0, kept)
      await vi.waitFor(() => expect(big.sync.status.kind).toBe('error'), { timeout: 10_000 })
      expect((big.sync.status as { reason: string }).reason).toMatch(/the account's storage quota of 32 KB on the relay is full; this change stays on this device/)
      index.doc.getMap('collections').set('c1', 'small')
      history.doc.getArray('entries').push(['GET /fits'])
      await vi.waitFor(() => expect([index, history].map((d) => describeStatus(d.sync.status))).toEqual(['in sync', 'in sync']), { timeout: 10_000 })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(sockets).toBe(1)
      expect(relay.app.sync.openSockets).toBe(1)

      const after: string[] = []
      big.sync.onStatus((status) => after.push(status.kind))
      big.sync.syncNow()
      await vi.waitFor(() => expect(after.at(-1)).toBe('error'), { timeout: 10_000 })
      expect(after[0]).not.toBe('error')
      expect(sockets).toBe(1)
      expect(big.doc.getText('t').toString()).toBe(kept)
    } finally {
      for (const d of docs) await d.sync.destroy()
      await hub.destroy()
    }
  })
})
