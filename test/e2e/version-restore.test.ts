/**
 * Issue 15's restore test, on files and on PostgreSQL: a request edited on two devices is
 * restored to a version from before both edits while a third device is offline with edits of
 * its own; once it reconnects, every device (and the relay's stored doc) holds the version's
 * content plus exactly the offline edits — the ones the version does not contain and the
 * restoring device had not seen (docs/decisions.md, "Version history": what "after the
 * version" means).
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { Collection, type RequestNode } from '@ferry/schema'
import { CollectionVersions, RelayApi } from '@ferry/client'
import { useBackendRelay } from '../helpers/backend-relay.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { synced } from '../helpers/sync-clients.ts'

const backends = RELAY_BACKENDS

const DOC = docName('alice', 'collection', 'api')
const request = (doc: Y.Doc, id: string): RequestNode => new Collection(doc).get(id) as RequestNode
/** What the test compares: the fields the devices edited. */
const fields = (node: RequestNode) => ({
  url: node.url,
  method: node.method,
  body: node.body.raw,
  headers: node.headers.map((h) => `${h.key}: ${h.value}`),
  description: node.description,
})

describe.each(backends)('restore to a version on $name', (backend) => {
  const served = useBackendRelay(backend)

  it.skipIf(backend.skip)('keeps only the offline edits made after the version', async () => {
    let relay = await served.start()
    const device = async () => served.provider(DOC, await sessionToken(relay, 'alice'))
    const [laptop, phone, tablet] = [await device(), await device(), await device()]
    const id = new Collection(laptop.doc).add({
      kind: 'request',
      name: 'Get user',
      method: 'GET',
      url: 'https://api.example.com/users/1',
      headers: [{ key: 'Accept', value: 'application/json' }],
      body: { mode: 'raw', raw: '{"id":1}' },
      description: 'Reads one user.',
    })
    await vi.waitFor(() => expect(request(tablet.doc, id)).toBeDefined(), 5_000)
    const versions = new CollectionVersions(new RelayApi({ baseUrl: relay.url }), () => sessionToken(relay, 'alice'), DOC)

    // The tablet goes offline and edits before the version is taken: the version lacks this.
    tablet.disconnect()
    new Collection(tablet.doc).list(id, 'headers')!.insert({ key: 'X-Offline', value: 'before the version' })
    await vi.waitFor(() => expect(request(phone.doc, id)).toBeDefined())
    const version = await versions.takeNamed('before the edits')
    const expected = fields(request(laptop.doc, id))

    // Both online devices edit the request after the version.
    new Collection(laptop.doc).update(id, { url: 'https://api.example.com/users/2', method: 'PUT' })
    const phoneRequest = new Collection(phone.doc)
    phoneRequest.text(id, 'body')!.insert(1, '"name":"Ada",')
    phoneRequest.list(id, 'headers')!.update(0, { value: 'application/xml' })
    await vi.waitFor(() => expect(fields(request(laptop.doc, id))).toEqual(fields(request(phone.doc, id))), 5_000)
    // The tablet, still offline, edits after the version too.
    new Collection(tablet.doc).text(id, 'description')!.insert(0, 'Offline note. ')

    const restored = await versions.restore(version.id, laptop.doc, id)
    expect(restored.changed).toEqual([id])
    await vi.waitFor(() => expect(fields(request(phone.doc, id))).toEqual(expected), 5_000)

    tablet.connect()
    await synced(tablet)
    const want = {
      ...expected,
      headers: [...expected.headers, 'X-Offline: before the version'],
      description: `Offline note. ${expected.description}`,
    }
    for (const provider of [laptop, phone, tablet]) {
      await vi.waitFor(() => expect(fields(request(provider.doc, id))).toEqual(want), 5_000)
    }
    // And the relay's stored doc, read by a fresh device after a restart.
    relay = await served.restart()
    const fresh = await device()
    await vi.waitFor(() => expect(fields(request(fresh.doc, id))).toEqual(want), 5_000)
  })
})
