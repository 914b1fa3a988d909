/**
 * The multiplexed endpoint on two relays sharing PostgreSQL and Redis: an edit made on a mux
 * socket of one relay reaches a mux socket and a stock `/v1/sync` socket on the other (and
 * back); a doc deleted through one relay is refused (4410) on the other relay's mux socket
 * while its other docs carry on; a session ended through one relay closes its mux socket on
 * the other (4401); and a client reopening on the other relay what it holds gets no sync frame.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName } from '@ferry/protocol'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { sessionToken, signIn, signUpEmail } from '../helpers/sessions.ts'
import { covers, stockProvider, synced } from '../helpers/sync-clients.ts'

async function textBecomes(ydoc: Y.Doc, text: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (ydoc.getText('t').toString() !== text) {
    if (Date.now() - started > timeoutMs) throw new Error(`text is "${ydoc.getText('t').toString()}", not "${text}"`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe.skipIf(skipScaledOut)('mux across two relays on PostgreSQL and Redis', { timeout: 60_000 }, () => {
  const { relay, relays } = useScaledOut()
  const pair = async (): Promise<[TestRelay, TestRelay]> => {
    while (relays.length < 2) await relay()
    return [relays[0]!, relays[1]!]
  }
  const sockets: MuxClient[] = []
  const connect = async (on: TestRelay, token: string): Promise<MuxClient> => {
    const socket = await muxClient(muxUrl(on.wsUrl, token))
    sockets.push(socket)
    return socket
  }

  it('carries edits between mux sockets and a stock socket on different relays; deletes and session ends cross too', async () => {
    const [a, b] = await pair()
    const email = uniqueEmail('mux-scaled')
    await signUpEmail(a, email)
    const session = await signIn(a, email)
    const [shared, doomed] = [docName(session.userId, 'collection', 'shared'), docName(session.userId, 'collection', 'doomed')]
    const [onA, onB, onStock] = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    const muxA = await connect(a, session.accessToken)
    const muxB = await connect(b, session.accessToken)
    const unbind = [muxA.bind(shared, onA), muxB.bind(shared, onB)]
    muxA.open([openRequest(shared, onA), openRequest(doomed)])
    muxB.open([openRequest(shared, onB)])
    expect((await muxA.control('opened')).docs).toEqual([shared, doomed])
    expect((await muxB.control('opened')).docs).toEqual([shared])
    const stock = stockProvider(b.wsUrl, shared, session.accessToken, onStock)
    await synced(stock)

    onA.getText('t').insert(0, 'from A')
    await textBecomes(onB, 'from A')
    await textBecomes(onStock, 'from A')
    await muxA.doc(shared, 'persisted') // the open's
    expect(covers((await muxA.doc(shared, 'persisted')).stateVector, Y.encodeStateVector(onA))).toBe(true)
    onStock.getText('t').insert(6, ' and B')
    await textBecomes(onA, 'from A and B')
    onB.getText('t').insert(0, '> ')
    await textBecomes(onA, '> from A and B')
    await textBecomes(onStock, '> from A and B')

    // Reopened on the other relay holding what was stored: nothing to sync, only the ack (and
    // the stock provider's presence, which every writer joining a doc gets).
    const again = await connect(b, await sessionToken(b, session.userId))
    again.open([openRequest(shared, onA)])
    await again.control('opened')
    expect(again.messagesOf(shared).map((m) => m.type)).toEqual(['awareness', 'persisted'])

    // Deleted through B: refused on A's socket, whose other doc carries on.
    expect((await call(b, 'DELETE', `/v1/docs/${doomed}`, session.accessToken)).status).toBe(204)
    expect((await muxA.refused(doomed)).code).toBe(CloseCode.Gone)
    onB.getText('t').insert(0, '!')
    await textBecomes(onA, '!> from A and B')

    // Signed out through B: A's socket closes with 4401 within a second; the other session's socket stays.
    const since = performance.now()
    expect((await call(b, 'POST', '/v1/auth/logout', undefined, { refreshToken: session.refreshToken })).status).toBe(204)
    expect((await muxA.closed).code).toBe(CloseCode.Unauthenticated)
    expect(performance.now() - since).toBeLessThan(1_000)
    expect(again.ws.readyState).toBe(again.ws.OPEN)

    for (const stop of unbind) stop()
    stock.destroy()
    for (const socket of sockets) socket.end()
  })
})
