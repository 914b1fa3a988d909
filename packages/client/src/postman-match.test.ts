/**
 * Which collections a Postman file was imported into before (`Workspace.collectionsImportedFrom`):
 * found without loading the collections held that were not imported from it.
 */
import { docName } from '@ferry/protocol'
import { Collection, importPostman, WorkspaceIndex } from '@ferry/schema'
import { describe, expect, it, vi } from 'vitest'
import { connectionTo, fakeDevices, untilInSync } from './sync/testing/fake-device.ts'
import { FakeRelay } from './sync/testing/fake-relay.ts'

const device = fakeDevices()

const file = (postmanId: string | null, name: string) => ({
  info: { ...(postmanId === null ? {} : { _postman_id: postmanId }), name, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
  item: [{ name: `${name} request`, request: { method: 'GET', url: 'https://api.test/' } }],
})

/** An account whose collections were imported (on another device) from these files. */
async function accountWith(files: Record<string, ReturnType<typeof file>>) {
  const relay = new FakeRelay()
  relay.write(docName('pia', 'workspace'), (doc) => {
    const index = new WorkspaceIndex(doc)
    for (const [id, json] of Object.entries(files)) index.addCollection(json.info.name, id)
  })
  for (const [id, json] of Object.entries(files)) {
    relay.write(docName('pia', 'collection', id), (doc) => expect(importPostman(new Collection(doc), json).ok).toBe(true))
  }
  const workspace = await (await device()).open('pia', connectionTo(relay))
  await untilInSync(workspace)
  for (const id of Object.keys(files)) await vi.waitFor(() => expect(workspace.heldSnapshot(docName('pia', 'collection', id))).not.toBeNull(), { timeout: 5_000, interval: 5 })
  return workspace
}

const loadedCollections = (workspace: Awaited<ReturnType<typeof accountWith>>) => workspace.loadedDocs().filter((name) => name.includes(':collection:')).sort()

describe('collections imported from a Postman file', () => {
  it('are found among held collections, loading only the one that holds the id', async () => {
    const workspace = await accountWith({ c0: file('7f9a-pets', 'Pets'), c1: file('0b1c-stores', 'Stores'), c2: file(null, 'Loose') })
    expect(await workspace.collectionsImportedFrom('7f9a-pets')).toEqual(['c0'])
    expect(loadedCollections(workspace)).toEqual([docName('pia', 'collection', 'c0')])
    expect(await workspace.collectionsImportedFrom('no-such-file')).toEqual([])
    expect(loadedCollections(workspace)).toEqual([docName('pia', 'collection', 'c0')])
  })

  it('are found loaded or not, also with an id JSON escapes', async () => {
    const odd = 'we"ird\\id ü'
    const workspace = await accountWith({ c0: file(odd, 'Odd'), c1: file('plain', 'Plain') })
    await workspace.collection('c1')
    expect(await workspace.collectionsImportedFrom(odd)).toEqual(['c0'])
    expect(await workspace.collectionsImportedFrom('plain')).toEqual(['c1'])
  })
})
