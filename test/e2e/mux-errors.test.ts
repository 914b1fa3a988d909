/**
 * The multiplexed sync endpoint (`/v1/mux`) when something is wrong: every problem with one
 * doc (4403, 4404, 4410, malformed, too large, quota, too many requests or docs) refuses that
 * doc alone and the others carry on, while problems with the socket (framing, version, token,
 * share-link tokens, an ended session, the connection rate) close it — load refusals with a
 * `retry-after`.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, encodeMessage, fragmentFrame } from '@ferry/protocol'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { createUser } from '../helpers/links.ts'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { signIn, signUpEmail } from '../helpers/sessions.ts'
import { covers, rawClient, syncUrl, updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux, seed, later } = useMuxSuite()

describe('problems with one doc refuse that doc alone', () => {
  it('4403 for another account’s doc, 4404 for a bad name, 4410 for a deleted doc; the rest open and sync', async () => {
    const { relay, token } = await relayWith()
    const gone = col('gone')
    await seed(relay, token, gone, textDoc('soon gone'))
    await relay.app.sync.deleteDoc(gone)
    const [good, bobs] = [col('good'), docName('bob', 'workspace')]
    const client = await mux(relay, token)
    client.open([openRequest(bobs), openRequest('not a doc'), openRequest(gone), openRequest(good)])
    expect((await client.refused(bobs)).code).toBe(CloseCode.Forbidden)
    expect((await client.refused('not a doc')).code).toBe(CloseCode.BadDocName)
    expect((await client.refused(gone)).code).toBe(CloseCode.Gone)
    expect((await client.control('opened')).docs).toEqual([good])

    // Deleted while open: refused 4410; the other doc still syncs.
    const other = col('other')
    client.open([openRequest(other)])
    await client.control('opened')
    await relay.app.sync.deleteDoc(other)
    expect((await client.refused(other)).code).toBe(CloseCode.Gone)
    client.send(good, updateFrame(Y.encodeStateAsUpdate(textDoc('still here'))))
    await client.doc(good, 'persisted')
    await client.doc(good, 'persisted')
  })

  it('a malformed doc message refuses that doc (4400); a malformed control message or a text frame closes the socket', async () => {
    const { relay, token } = await relayWith()
    const [bad, good] = [col('bad'), col('good')]
    const client = await mux(relay, token)
    client.open([openRequest(bad), openRequest(good)])
    await client.control('opened')
    client.send(bad, new Uint8Array([0, 2, 5, 1])) // an update whose length runs past the frame
    expect((await client.refused(bad)).code).toBe(CloseCode.Malformed)
    client.send(bad, updateFrame(new Uint8Array([1, 2, 3]))) // after the refusal: dropped
    client.send(good, updateFrame(new Uint8Array([7, 7, 7]))) // not a Yjs update
    expect((await client.refused(good)).code).toBe(CloseCode.Malformed)
    client.open([openRequest(good)])
    await client.control('opened')
    client.send(good, updateFrame(Y.encodeStateAsUpdate(textDoc('fine'))))
    await client.doc(good, 'persisted')
    await client.doc(good, 'persisted')
    expect(client.ws.readyState).toBe(client.ws.OPEN)

    client.sendRaw(new Uint8Array([0, 9])) // control type 9
    expect((await client.closed).code).toBe(CloseCode.Malformed)
    const text = await mux(relay, token)
    text.sendRaw('hello')
    expect((await text.closed).code).toBe(CloseCode.Malformed)
  })

  it('reassembles fragments per doc (interleaved across docs); over the cap refuses that doc with 4413', async () => {
    const { relay, token } = await relayWith({ MAX_REASSEMBLED_BYTES: String(1024 * 1024) })
    const [a, b, huge] = [col('a'), col('b'), col('huge')]
    const client = await mux(relay, token)
    client.open([openRequest(a), openRequest(b), openRequest(huge)])
    await client.control('opened')
    const [docA, docB] = [textDoc('a'.repeat(300_000)), textDoc('b'.repeat(300_000))]
    const fa = fragmentFrame(updateFrame(Y.encodeStateAsUpdate(docA)), 1, 64 * 1024)
    const fb = fragmentFrame(updateFrame(Y.encodeStateAsUpdate(docB)), 1, 64 * 1024)
    expect(fa.length).toBeGreaterThan(2)
    for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
      if (fa[i]) client.send(a, fa[i]!)
      if (fb[i]) client.send(b, fb[i]!)
    }
    await client.doc(a, 'persisted')
    await client.doc(b, 'persisted')
    expect(covers((await client.doc(a, 'persisted')).stateVector, Y.encodeStateVector(docA))).toBe(true)
    expect(covers((await client.doc(b, 'persisted')).stateVector, Y.encodeStateVector(docB))).toBe(true)
    client.send(huge, encodeMessage({ type: 'fragment', id: 2, index: 0, count: 2, total: 2 * 1024 * 1024, chunk: new Uint8Array(10) }))
    expect((await client.refused(huge)).code).toBe(CloseCode.ChangeTooLarge)
    expect(relay.app.sync.reassemblingBytes).toBe(0)
  })

  it('an update over the account quota refuses its doc with 4507; the other docs still take updates', async () => {
    const { relay, token } = await relayWith({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: String(64 * 1024) })
    const [big, small] = [col('big'), col('small')]
    const client = await mux(relay, token)
    client.open([openRequest(big), openRequest(small)])
    await client.control('opened')
    client.send(big, updateFrame(Y.encodeStateAsUpdate(textDoc('x'.repeat(100 * 1024)))))
    const refused = await client.refused(big)
    expect(refused.code).toBe(CloseCode.QuotaExceeded)
    expect(refused.reason).toMatch(/65536 bytes/)
    client.send(small, updateFrame(Y.encodeStateAsUpdate(textDoc('tiny'))))
    await client.doc(small, 'persisted')
    await client.doc(small, 'persisted')
  })

  it('refuses a doc with 4529 and a retry-after past its sync requests per minute (open answers count)', async () => {
    const { relay, token } = await relayWith({ SYNC_REQUESTS_PER_MINUTE: '2' })
    const [busy, calm] = [col('busy'), col('calm')]
    const client = await mux(relay, token)
    client.open([openRequest(busy), openRequest(calm)])
    await client.control('opened')
    client.send(busy, { type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await client.doc(busy, 'sync-step2')
    client.send(busy, { type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const refused = await client.refused(busy)
    expect(refused.code).toBe(CloseCode.RateLimited)
    expect(refused.reason).toMatch(/retry-after=\d+/)
    client.send(calm, { type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await client.doc(calm, 'sync-step2')
  })

  it('refuses docs past MAX_DOCS_PER_SOCKET with 4429, one by one; closing one makes room', async () => {
    const { relay, token } = await relayWith({ MAX_DOCS_PER_SOCKET: '2' })
    const [one, two, three] = [col('one'), col('two'), col('three')]
    const client = await mux(relay, token)
    client.open([openRequest(one), openRequest(two), openRequest(three)])
    expect((await client.refused(three)).code).toBe(CloseCode.TooManyDocs)
    expect((await client.control('opened')).docs).toEqual([one, two])
    client.close([one])
    client.open([openRequest(three)])
    expect((await client.control('opened')).docs).toEqual([three])
  })
})

describe('the socket', () => {
  it('refuses an unknown version (4400 naming v=1), a bad token and share-link tokens (4401; links use /v1/sync)', async () => {
    const { relay, token } = await relayWith()
    const v2 = await muxClient(muxUrl(relay.wsUrl, token, 2))
    const closed = await v2.closed
    expect(closed.code).toBe(CloseCode.Malformed)
    expect(closed.reason).toMatch(/v=1/)
    expect((await (await muxClient(muxUrl(relay.wsUrl, 'nonsense'))).closed).code).toBe(CloseCode.Unauthenticated)
    expect(relay.app.sync.loadedRooms).toBe(0)

    // A share link works on /v1/sync, not here.
    const owner = await createUser(relay)
    const shared = docName(owner.id, 'collection', 'orders')
    await seed(relay, owner.token, shared, textDoc('GET /orders'))
    const link = await call(relay, 'POST', '/v1/links', owner.token, { docName: shared })
    expect(link.status).toBe(201)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.body.token}`)).body.viewerToken as string
    expect((await (await muxClient(muxUrl(relay.wsUrl, viewer))).closed).code).toBe(CloseCode.Unauthenticated)
    expect((await (await muxClient(muxUrl(relay.wsUrl, link.body.token))).closed).code).toBe(CloseCode.Unauthenticated)
    const view = await rawClient(syncUrl(relay.wsUrl, shared, viewer))
    later(() => view.close())
    view.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await view.next('sync-step2')
  })

  it('closes with 4401 within a second when its session ends', async () => {
    const { relay } = await relayWith()
    const email = uniqueEmail('mux-logout')
    await signUpEmail(relay, email)
    const session = await signIn(relay, email)
    const client = await mux(relay, session.accessToken)
    client.open([openRequest(`${session.userId}:workspace`)])
    await client.control('opened')
    const since = performance.now()
    expect((await call(relay, 'POST', '/v1/auth/logout', undefined, { refreshToken: session.refreshToken })).status).toBe(204)
    expect((await client.closed).code).toBe(CloseCode.Unauthenticated)
    expect(performance.now() - since).toBeLessThan(1_000)
  })

  it('is refused with 4529 and a retry-after past CONNECTIONS_PER_MINUTE_PER_IP, like /v1/sync sockets', async () => {
    const { relay, token } = await relayWith({ CONNECTIONS_PER_MINUTE_PER_IP: '2' })
    await mux(relay, token)
    await mux(relay, token)
    const refused = await (await muxClient(muxUrl(relay.wsUrl, token))).closed
    expect(refused.code).toBe(CloseCode.RateLimited)
    expect(refused.reason).toMatch(/retry-after=\d+/)
    const legacy = await rawClient(syncUrl(relay.wsUrl, col('x'), token))
    const why = new Promise<string>((resolve) => legacy.ws.on('close', (_code, reason) => resolve(reason.toString())))
    expect(await legacy.closed).toBe(CloseCode.RateLimited)
    expect(await why).toMatch(/retry-after=\d+/)
  })
})
