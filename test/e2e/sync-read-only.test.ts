/**
 * Read-only grants (what share links register through `app.sync.addTokenResolver`): the
 * socket gets the doc and live updates, its own updates are dropped with one permission-denied
 * message, and revoking the grant closes it with 4403.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const DOC = 'alice:collection:shared'

describe('read-only sync grants', () => {
  let relay: TestRelay
  afterEach(async () => relay.close(true))

  it('serves and streams the doc, drops writes, and closes on revoke', async () => {
    relay = await startRelay()
    relay.app.sync.addTokenResolver((token, doc) =>
      token === 'link-token-1' && doc.name === DOC ? { access: 'read-only', grantId: 'link:1' } : null,
    )
    const owner = await rawClient(syncUrl(relay.wsUrl, DOC, await sessionToken(relay, 'alice'), true))
    await owner.next('sync-step1')
    const source = new Y.Doc()
    source.getMap('items').set('r1', 'GET /users')
    owner.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(source) })
    await owner.next('persisted')

    const viewer = await rawClient(syncUrl(relay.wsUrl, DOC, 'link-token-1'))
    viewer.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const view = new Y.Doc()
    Y.applyUpdate(view, (await viewer.next('sync-step2')).update)
    expect(view.getMap('items').get('r1')).toBe('GET /users')
    expect(viewer.messages.some((m) => m.type === 'sync-step1')).toBe(false)

    const vandal = new Y.Doc()
    vandal.getMap('items').set('r1', 'DELETE /users')
    viewer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(vandal) })
    expect((await viewer.next('auth-denied')).reason).toMatch(/read-only/)

    source.getMap('items').set('r2', 'POST /users')
    owner.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(source) })
    Y.applyUpdate(view, (await viewer.next('sync-update')).update)
    expect(view.getMap('items').toJSON()).toEqual({ r1: 'GET /users', r2: 'POST /users' })

    const other = await rawClient(syncUrl(relay.wsUrl, 'alice:workspace', 'link-token-1'))
    expect(await other.closed).toBe(CloseCode.Unauthenticated)

    expect(relay.app.sync.revoke('link:1')).toBe(1)
    expect(await viewer.closed).toBe(CloseCode.Forbidden)
    owner.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const stored = new Y.Doc()
    Y.applyUpdate(stored, (await owner.next('sync-step2')).update)
    expect(stored.getMap('items').get('r1')).toBe('GET /users')
    owner.close()
  })
})
