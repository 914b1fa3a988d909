/**
 * Liveness on the client: a provider whose relay goes silent (the connection is still "open",
 * nothing comes back — a blackholing network, a relay host that vanished) notices within
 * idleMs + timeoutMs, drops the socket and reconnects, and the edit made meanwhile is stored.
 * A quiet but live relay answers the probe, and the socket stays.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { describeStatus, SyncProvider, type SyncConnection, type WebSocketLike } from '../../packages/client/src/index.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { readDoc } from '../helpers/sync-clients.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const DOC = docName('alice', 'workspace')

describe('a client whose relay goes silent', () => {
  let relay: TestRelay
  let proxy: TcpProxy
  const providers: SyncProvider[] = []
  beforeEach(async () => {
    relay = await startRelay()
    proxy = await startTcpProxy(Number(new URL(relay.url).port))
  })
  afterEach(async () => {
    for (const provider of providers.splice(0)) await provider.destroy()
    await proxy.close()
    await relay.close(true)
  })

  async function open(doc: Y.Doc): Promise<SyncProvider> {
    const token = await sessionToken(relay, 'alice')
    const connection: SyncConnection = {
      url: (name, t) => `${proxy.wsUrl}/v1/sync/${name}?token=${t}&ack=1`,
      token: async () => token,
      refreshToken: async () => token,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      backoff: { minMs: 20, maxMs: 100, random: () => 0.5 },
      liveness: { idleMs: 200, timeoutMs: 200 },
    }
    const provider = new SyncProvider(doc, DOC, connection)
    providers.push(provider)
    await vi.waitFor(() => expect(describeStatus(provider.status)).toBe('in sync'), 5_000)
    return provider
  }

  it('reconnects on its own and stores the edit made while the relay was silent', async () => {
    const doc = new Y.Doc()
    const provider = await open(doc)
    expect(proxy.connections).toBe(1)

    proxy.blackhole()
    doc.getMap('requests').set('r1', 'GET /written-into-the-void')
    expect(describeStatus(provider.status)).toBe('syncing (1 pending)')
    const since = performance.now()
    await vi.waitFor(() => expect(proxy.connections).toBe(2), { timeout: 3_000, interval: 10 })
    expect(performance.now() - since).toBeLessThan(1_500)
    await vi.waitFor(() => expect(describeStatus(provider.status)).toBe('in sync'), 5_000)

    const stored = await readDoc(relay.wsUrl, DOC, await sessionToken(relay, 'alice'))
    expect(stored instanceof Y.Doc && stored.getMap('requests').get('r1')).toBe('GET /written-into-the-void')
  })

  it('keeps its socket while a quiet relay answers the probes', async () => {
    const provider = await open(new Y.Doc())
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(proxy.connections).toBe(1)
    expect(describeStatus(provider.status)).toBe('in sync')
  })
})
