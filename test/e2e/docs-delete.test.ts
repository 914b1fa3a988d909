/**
 * `DELETE /v1/docs/:docName` against a real relay: only the owner, only collections; every
 * socket on the doc closes with 4410 (owner devices and link viewers alike), its share links
 * stop working, nothing of it stays in the data dir but the tombstone, and no later socket —
 * even one bringing the collection back from an offline device — gets it loaded again. Asked
 * to delete from the trash, it leaves a collection the owner's index lists live.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { loadMasterKey, MasterKey } from '../../relay/src/storage/keys.ts'
import { call, createUser, type TestUser } from '../helpers/links.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, readDoc, syncUrl, type RawClient } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

let relay: TestRelay
const sockets: RawClient[] = []

beforeEach(async () => {
  relay = await startRelay()
})
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close()
  await relay.close(true)
})

async function socket(doc: string, token: string): Promise<RawClient> {
  const client = await rawClient(syncUrl(relay.wsUrl, doc, token, true))
  sockets.push(client)
  return client
}

/** Writes `key = value` into the doc through a socket and waits until the relay stored it. */
async function write(client: RawClient, key: string, value: string): Promise<void> {
  const ydoc = new Y.Doc()
  ydoc.getMap('items').set(key, value)
  client.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(ydoc) })
  await client.next('persisted')
}

/** The doc's items as a fresh socket reads them, or the close code it gets instead. */
async function read(doc: string, token: string): Promise<Record<string, unknown> | number> {
  const read = await readDoc(relay.wsUrl, doc, token)
  return typeof read === 'number' ? read : read.getMap('items').toJSON()
}

const deleteDoc = (doc: string, token?: string) => call(relay, 'DELETE', `/v1/docs/${encodeURIComponent(doc)}`, token)

function docDir(doc: DocName): string {
  const id = new MasterKey(loadMasterKey(relay.config)).docId(doc)
  return join(relay.dataDir, 'docs', id.slice(0, 2), id)
}

describe('deleting a collection', () => {
  let owner: TestUser
  let doc: DocName

  beforeEach(async () => {
    owner = await createUser(relay)
    doc = docName(owner.id, 'collection', 'orders')
  })

  it('closes every socket on it with 4410 and leaves only a tombstone in the data dir', async () => {
    const laptop = await socket(doc, owner.token)
    await write(laptop, 'r1', 'GET /orders')
    const phone = await socket(doc, owner.token)
    await phone.next('sync-step1')
    const other = docName(owner.id, 'collection', 'kept')
    await write(await socket(other, owner.token), 'r1', 'GET /kept')
    await relay.app.sync.flush()
    expect(readdirSync(docDir(doc))).toContain('key')

    expect((await deleteDoc(doc, owner.token)).status).toBe(204)
    expect(await laptop.closed).toBe(CloseCode.Gone)
    expect(await phone.closed).toBe(CloseCode.Gone)
    expect(readdirSync(docDir(doc))).toEqual(['deleted'])
    expect(await read(doc, owner.token)).toBe(CloseCode.Gone)
    expect(await read(other, owner.token)).toEqual({ r1: 'GET /kept' })
    await vi.waitFor(() => expect(relay.app.sync.loadedRooms).toBe(1), 5_000)
  })

  it('revokes its share links and closes their viewers', async () => {
    const laptop = await socket(doc, owner.token)
    await write(laptop, 'r1', 'GET /orders')
    const created = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc })
    const otherLink = await call(relay, 'POST', '/v1/links', owner.token, { docName: docName(owner.id, 'collection', 'kept') })
    const resolved = await call(relay, 'GET', `/v1/links/resolve/${created.body.token}`)
    const viewer = await socket(doc, resolved.body.viewerToken)
    viewer.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await viewer.next('sync-step2')

    expect((await deleteDoc(doc, owner.token)).status).toBe(204)
    expect(await viewer.closed).toBe(CloseCode.Gone)
    expect(await call(relay, 'GET', `/v1/links/resolve/${created.body.token}`)).toMatchObject({ status: 410, body: { error: { code: 'link_revoked' } } })
    const listed = (await call(relay, 'GET', '/v1/links', owner.token)).body.links
    expect(listed.map((l: { id: string; state: string }) => [l.id, l.state])).toEqual([
      [created.body.id, 'revoked'],
      [otherLink.body.id, 'active'],
    ])
    expect(await read(doc, resolved.body.viewerToken)).toBe(CloseCode.Forbidden)
    expect(await call(relay, 'POST', '/v1/links', owner.token, { docName: doc })).toMatchObject({ status: 410, body: { error: { code: 'doc_deleted' } } })
  })

  it('keeps an offline device from bringing it back', async () => {
    const laptop = await socket(doc, owner.token)
    await write(laptop, 'r1', 'GET /orders')
    const offline = new Y.Doc()
    offline.getMap('items').set('r1', 'GET /orders')
    offline.getMap('items').set('r2', 'edited offline')
    expect((await deleteDoc(doc, owner.token)).status).toBe(204)

    const back = await socket(doc, owner.token)
    back.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(offline) })
    back.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(offline) })
    expect(await back.closed).toBe(CloseCode.Gone)
    await expect(relay.app.sync.flush()).resolves.toBeUndefined()
    expect(readdirSync(docDir(doc))).toEqual(['deleted'])
    await relay.close()
    relay = await startRelay({}, relay.dataDir)
    expect(await read(doc, await sessionToken(relay, owner.id))).toBe(CloseCode.Gone)
  })

  it('answers 204 for a collection never written, twice, and tombstones it', async () => {
    const never = docName(owner.id, 'collection', 'never')
    expect(existsSync(docDir(never))).toBe(false)
    expect((await deleteDoc(never, owner.token)).status).toBe(204)
    expect((await deleteDoc(never, owner.token)).status).toBe(204)
    expect(readdirSync(docDir(never))).toEqual(['deleted'])
    expect(await read(never, owner.token)).toBe(CloseCode.Gone)
  })

  it('from the trash (?from=trash): refuses 409 while the owner\'s index lists it live (restored), deletes it once trashed or unlisted', async () => {
    const index = await socket(docName(owner.id, 'workspace'), owner.token)
    const edit = async (change: (index: WorkspaceIndex) => void): Promise<void> => {
      change(ownerIndex)
      index.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(ownerIndex.doc) })
      await index.next('persisted')
    }
    const ownerIndex = new WorkspaceIndex(new Y.Doc())
    await write(await socket(doc, owner.token), 'r1', 'GET /orders')
    await edit((i) => i.addCollection('Orders', 'orders'))

    const fromTrash = (name: DocName) => call(relay, 'DELETE', `/v1/docs/${encodeURIComponent(name)}?from=trash`, owner.token)
    expect(await fromTrash(doc)).toMatchObject({ status: 409, body: { error: { code: 'collection_not_in_trash', message: expect.stringContaining('restored') } } })
    expect(await read(doc, owner.token)).toEqual({ r1: 'GET /orders' })
    await edit((i) => i.trashCollection('orders', Date.now()))
    expect((await fromTrash(doc)).status).toBe(204)
    expect(await read(doc, owner.token)).toBe(CloseCode.Gone)
    // Unlisted (an older client unlists it before deleting): deleted too.
    expect((await fromTrash(docName(owner.id, 'collection', 'never'))).status).toBe(204)
    expect(await call(relay, 'DELETE', `/v1/docs/${encodeURIComponent(doc)}?from=elsewhere`, owner.token)).toMatchObject({ status: 400 })
  })

  it('takes the name with its colons unescaped too, and the longest names', async () => {
    expect((await call(relay, 'DELETE', `/v1/docs/${doc}`, owner.token)).status).toBe(204)
    expect(await read(doc, owner.token)).toBe(CloseCode.Gone)
    const longest = `${'o'.repeat(64)}:collection:${'c'.repeat(64)}`
    expect(await call(relay, 'DELETE', `/v1/docs/${longest}`, owner.token)).toMatchObject({ status: 403, body: { error: { code: 'not_owner' } } })
  })
})

describe('DELETE /v1/docs/:docName refuses', () => {
  it('a caller without a token (401) or with a bad one', async () => {
    const owner = await createUser(relay)
    const doc = docName(owner.id, 'collection', 'orders')
    expect(await deleteDoc(doc)).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } })
    expect(await deleteDoc(doc, 'not-a-token')).toMatchObject({ status: 401 })
    expect(existsSync(docDir(doc))).toBe(false)
  })

  it("another user's collection (403), leaving it intact", async () => {
    const [owner, stranger] = [await createUser(relay), await createUser(relay)]
    const doc = docName(owner.id, 'collection', 'orders')
    await write(await socket(doc, owner.token), 'r1', 'GET /orders')
    expect(await deleteDoc(doc, stranger.token)).toMatchObject({ status: 403, body: { error: { code: 'not_owner' } } })
    expect(await read(doc, owner.token)).toEqual({ r1: 'GET /orders' })
  })

  it("the account's workspace, environments and history (400), and names that are not doc names", async () => {
    const owner = await createUser(relay)
    for (const kind of ['workspace', 'environments', 'history'] as const) {
      const doc = docName(owner.id, kind)
      const answer = await deleteDoc(doc, owner.token)
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'not_a_collection' } } })
      expect(answer.body.error.message).toContain(kind)
      expect(existsSync(docDir(doc))).toBe(false)
    }
    for (const bad of [`${owner.id}:collection`, `${owner.id}:folder:x`, 'a:b:c:d', 'x'.repeat(250)]) {
      expect((await deleteDoc(bad, owner.token)).status).toBe(400)
    }
  })
})
