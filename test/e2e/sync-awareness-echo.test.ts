/**
 * The stock y-websocket provider re-broadcasts every awareness change it applies, its own and
 * other clients' alike. The relay must treat those echoes as harmless (drop the entries the
 * sender does not own) rather than as spoofing: three devices showing presence on one doc all
 * stay connected, see each other, and see a departed device disappear.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WebsocketProvider } from 'y-websocket'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

describe('awareness with several stock providers', () => {
  let relay: TestRelay
  const providers: WebsocketProvider[] = []

  beforeEach(async () => {
    relay = await startRelay()
  })
  afterEach(async () => {
    for (const p of providers.splice(0)) p.destroy()
    await relay.close(true)
  })

  const peerNames = (p: WebsocketProvider): string[] =>
    [...p.awareness.getStates().values()].map((s) => String((s as { user?: { name?: string } }).user?.name)).sort()

  it('keeps every device connected while they echo each other, and clears a leaver', async () => {
    const token = await sessionToken(relay, 'alice')
    const devices = ['laptop', 'phone', 'tablet'].map((name) => {
      const provider = stockProvider(relay.wsUrl, 'alice:workspace', token)
      providers.push(provider)
      return { name, provider }
    })
    const closes: string[] = []
    for (const { name, provider } of devices.slice(0, 2)) provider.on('connection-close', (event) => closes.push(`${name}: ${event?.code}`))
    await Promise.all(devices.map((d) => synced(d.provider)))

    for (const { name, provider } of devices) provider.awareness.setLocalStateField('user', { name })
    await vi.waitFor(() => {
      for (const { provider } of devices) expect(peerNames(provider)).toEqual(['laptop', 'phone', 'tablet'])
    }, 5_000)

    devices[0]!.provider.awareness.setLocalStateField('user', { name: 'laptop (renamed)' })
    await vi.waitFor(() => {
      for (const { provider } of devices.slice(1)) expect(peerNames(provider)).toContain('laptop (renamed)')
    }, 5_000)

    devices[2]!.provider.destroy()
    await vi.waitFor(() => {
      for (const { provider } of devices.slice(0, 2)) expect(peerNames(provider)).toEqual(['laptop (renamed)', 'phone'])
    }, 5_000)
    expect(closes).toEqual([])
    expect(devices.slice(0, 2).every((d) => d.provider.wsconnected)).toBe(true)
  })
})
