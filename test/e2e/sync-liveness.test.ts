/**
 * Liveness on the relay: every sync socket is pinged each SYNC_PING_INTERVAL_MS (100 ms here)
 * and dropped when it answered nothing by the next ping. A peer that stopped reading (a laptop
 * that slept: its TCP connection is still "open") goes within two intervals — its room unloads
 * and the others see its presence disappear — while a client that answers pings (every stock
 * WebSocket does it by itself) stays connected however long it is quiet.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { WebsocketProvider } from 'y-websocket'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { rawClient, stockProvider, synced, syncUrl } from '../helpers/sync-clients.ts'

const DOC = 'alice:workspace'

describe('the relay pings every sync socket', () => {
  let relay: TestRelay
  const providers: WebsocketProvider[] = []
  beforeEach(async () => {
    relay = await startRelay({ SYNC_PING_INTERVAL_MS: '100', ROOM_IDLE_MS: '0' })
  })
  afterEach(async () => {
    for (const provider of providers.splice(0)) provider.destroy()
    await relay.close(true)
  })

  it('drops a socket that stops answering: its room unloads and its presence disappears for the others', async () => {
    const token = await sessionToken(relay, 'alice')
    const observer = stockProvider(relay.wsUrl, DOC, token)
    providers.push(observer)
    await synced(observer)

    const sleeper = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    await sleeper.next('sync-step1')
    const presence = new Awareness(new Y.Doc())
    presence.setLocalState({ user: { name: 'sleeping laptop' } })
    sleeper.send({ type: 'awareness', update: encodeAwarenessUpdate(presence, [presence.clientID]) })
    await vi.waitFor(() => expect(observer.awareness.getStates().has(presence.clientID)).toBe(true), 5_000)
    expect(relay.app.sync.openSockets).toBe(2)

    // The laptop sleeps: its socket stays open but nothing is read or answered any more.
    const since = performance.now()
    ;(sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    await vi.waitFor(() => expect(relay.app.sync.openSockets).toBe(1), { timeout: 2_000, interval: 10 })
    expect(performance.now() - since).toBeLessThan(1_000)
    await vi.waitFor(() => expect(observer.awareness.getStates().has(presence.clientID)).toBe(false), 2_000)

    observer.destroy()
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(0), 2_000)
  })

  it('keeps a quiet client that answers pings', async () => {
    const token = await sessionToken(relay, 'alice')
    const quiet = await rawClient(syncUrl(relay.wsUrl, DOC, token))
    await quiet.next('sync-step1')
    let pings = 0
    quiet.ws.on('ping', () => pings++)
    await new Promise((resolve) => setTimeout(resolve, 800))
    expect(pings).toBeGreaterThanOrEqual(4)
    expect(relay.app.sync.openSockets).toBe(1)
    quiet.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await quiet.next('sync-step2')
    quiet.close()
  })
})
