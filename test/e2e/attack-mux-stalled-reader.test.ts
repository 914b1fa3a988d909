/**
 * Mux attack review: a client that sends but never reads. Liveness counted any frame from the
 * peer as an answer to the relay's ping, and answers to an `open` never trip the slow-reader
 * cut-off (the open waits for the socket to drain instead), so a socket that stopped reading
 * after asking for a large doc and sent a tiny frame now and then kept the relay holding the
 * answer — up to MAX_SEND_BUFFER_BYTES plus eight docs' answers per socket, on as many sockets
 * as the connection rate lets it open — for as long as it liked. Now a socket that drained
 * nothing of what waits for it over a whole ping interval is dropped as a slow reader.
 */
import { expect, it, vi } from 'vitest'
import { openRequest } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'

const { relayWith, mux, seed, later } = useMuxSuite()

const pause = (ws: unknown): void => (ws as { _socket: { pause(): void } })._socket.pause()

it('drops a socket that asks for a large doc, stops reading and keeps sending; one that reads slowly stays', async () => {
  const { relay, token } = await relayWith({ SYNC_PING_INTERVAL_MS: '2000' })
  const big = col('big')
  const ydoc = textDoc('x'.repeat(8 * 1024 * 1024))
  await seed(relay, token, big, ydoc)

  const stalled = await mux(relay, token)
  pause(stalled.ws) // reads nothing more: the answer stays in the relay's send buffer
  stalled.open([openRequest(big)])
  const probe = setInterval(() => stalled.send(big, { type: 'query-awareness' }), 50)
  later(() => clearInterval(probe))
  await vi.waitFor(() => expect(relay.app.sync.openSockets).toBe(0), { timeout: 20_000, interval: 50 })

  // A reader that takes the same answer, just not at once, keeps its socket.
  const slow = await mux(relay, token)
  slow.open([openRequest(big)])
  await new Promise((resolve) => setTimeout(resolve, 200))
  const step2 = await slow.doc(big, 'sync-step2', 20_000)
  expect(step2.update.length).toBeGreaterThan(8 * 1024 * 1024)
  await slow.control('opened', 20_000)
  await new Promise((resolve) => setTimeout(resolve, 5_000)) // two ping rounds with nothing waiting
  expect(slow.ws.readyState).toBe(slow.ws.OPEN)

  // The same on /v1/sync: a step 1 for the whole doc, then silence on the reading side.
  const legacy = await rawClient(syncUrl(relay.wsUrl, big, token))
  later(() => legacy.close())
  await legacy.next('sync-step1')
  pause(legacy.ws)
  legacy.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
  const legacyProbe = setInterval(() => legacy.send({ type: 'query-awareness' }), 50)
  later(() => clearInterval(legacyProbe))
  await vi.waitFor(() => expect(relay.app.sync.openSockets).toBe(1), { timeout: 20_000, interval: 50 })
}, 120_000)
