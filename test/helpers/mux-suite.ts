/**
 * Shared set-up of the multiplexed-endpoint suites (`test/e2e/mux-*.test.ts`): relays with an
 * access token for `alice`, mux and `/v1/sync` sockets closed after each test, and small doc
 * helpers. Call `useMuxSuite()` at the top of a suite file.
 */
import { afterEach } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { muxClient, muxUrl, type MuxClient } from './mux-client.ts'
import { startRelay, type TestRelay } from './relay.ts'
import { sessionToken } from './sessions.ts'
import { rawClient, syncUrl, updateFrame, type RawClient } from './sync-clients.ts'

export const ALICE = 'alice'
export const col = (id: string): DocName => docName(ALICE, 'collection', id)

export function textDoc(text: string): Y.Doc {
  const ydoc = new Y.Doc()
  ydoc.getText('t').insert(0, text)
  return ydoc
}

export const copyOf = (ydoc: Y.Doc): Y.Doc => {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(ydoc))
  return copy
}

/** Resolves once `ydoc`'s text is `text`. */
export async function textBecomes(ydoc: Y.Doc, text: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (ydoc.getText('t').toString() !== text) {
    if (Date.now() - started > timeoutMs) throw new Error(`text is "${ydoc.getText('t').toString()}", not "${text}"`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface MuxSuite {
  /** A relay (closed after the test) and a token of a live session of `alice`. */
  relayWith(env?: Record<string, string>): Promise<{ relay: TestRelay; token: string }>
  mux(relay: TestRelay, token: string): Promise<MuxClient>
  /** A `/v1/sync?ack=1` socket, greeted. */
  raw(relay: TestRelay, doc: string, token: string): Promise<RawClient>
  /** Stores `ydoc`'s whole state in `doc` through a `/v1/sync` socket and waits for the ack. */
  seed(relay: TestRelay, token: string, doc: string, ydoc: Y.Doc): Promise<void>
  /** Runs `stop` after the test. */
  later(stop: () => void): void
}

export function useMuxSuite(): MuxSuite {
  const relays: TestRelay[] = []
  const sockets: Array<MuxClient | RawClient> = []
  const stops: Array<() => void> = []
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop()
    for (const socket of sockets.splice(0)) socket.ws.close()
    for (const relay of relays.splice(0)) await relay.close(true)
  })
  const suite: MuxSuite = {
    async relayWith(env = {}) {
      const relay = await startRelay(env)
      relays.push(relay)
      return { relay, token: await sessionToken(relay, ALICE) }
    },
    async mux(relay, token) {
      const client = await muxClient(muxUrl(relay.wsUrl, token))
      sockets.push(client)
      return client
    },
    async raw(relay, doc, token) {
      const client = await rawClient(syncUrl(relay.wsUrl, doc, token, true))
      sockets.push(client)
      await client.next('sync-step1')
      return client
    },
    async seed(relay, token, doc, ydoc) {
      const client = await suite.raw(relay, doc, token)
      client.send(updateFrame(Y.encodeStateAsUpdate(ydoc)))
      await client.next('persisted')
      client.close()
    },
    later: (stop) => void stops.push(stop),
  }
  return suite
}
