/**
 * What a share-link viewer gets besides the collection: no presence of the owner's devices
 * (names, emails, cursors are theirs, not the link's), still an answer to its presence query
 * (clients use it as a liveness probe), and no way to make the relay send the whole doc over
 * and over with tiny sync requests (800 bytes in used to mean 187 MB out).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, docName, encodeMessage } from '@ferry/protocol'
import { call, createUser } from '../helpers/links.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, stockProvider, synced, syncUrl } from '../helpers/sync-clients.ts'

let relay: TestRelay
const providers: WebsocketProvider[] = []
beforeEach(async () => {
  relay = await startRelay({ SYNC_REQUESTS_PER_MINUTE: '5' })
})
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.destroy()
  await relay.close(true)
})

/** An owner device with presence set on a synced collection, and a viewer token for a link to it. */
async function sharedWithPresence() {
  const owner = await createUser(relay)
  const doc = docName(owner.id, 'collection', 'orders')
  const ownerView = stockProvider(relay.wsUrl, doc, owner.token)
  providers.push(ownerView)
  await synced(ownerView)
  ownerView.doc.getText('body').insert(0, 'x'.repeat(50_000))
  ownerView.awareness.setLocalStateField('user', { name: 'Olive', email: 'olive@example.test' })
  const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc })
  const viewer = (await call(relay, 'GET', `/v1/links/resolve/${created.body.token}`)).body.viewerToken as string
  return { doc, ownerView, viewer }
}

describe('a link viewer', () => {
  it('never receives the owner devices’ presence, and still gets an answer to its presence query', async () => {
    const { doc, ownerView, viewer } = await sharedWithPresence()
    const client = await rawClient(syncUrl(relay.wsUrl, doc, viewer))
    client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await client.next('sync-step2')
    ownerView.awareness.setLocalStateField('cursor', { at: 3 })
    client.send({ type: 'query-awareness' })
    const answer = await client.next('awareness')
    // Give relayed presence time to arrive, then check nothing of it did.
    client.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })
    await client.next('sync-step2')
    const presence = client.messages.filter((m) => m.type === 'awareness')
    expect(presence).toEqual([answer])
    expect(new TextDecoder().decode(answer.update)).not.toContain('olive')
    client.close()
  })

  it('is closed with 4529 past its sync requests per minute, having been sent only that many copies', async () => {
    const { doc, viewer } = await sharedWithPresence()
    const client = await rawClient(syncUrl(relay.wsUrl, doc, viewer))
    const ask = encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    for (let i = 0; i < 50; i++) client.ws.send(ask)
    expect(await client.closed).toBe(CloseCode.RateLimited)
    expect(client.messages.filter((m) => m.type === 'sync-step2')).toHaveLength(5)
  })
})
