/**
 * Attack review of the account backup (issue 15), kept as regressions: the routes serve and
 * change the caller's own account only. A share link's tokens (the link token and the viewer
 * token a resolve answers) open neither route; another account's token downloads that account
 * and restores into it — a file of Alice's sent with Bob's token lands in Bob's account and
 * leaves every byte of Alice's as it was; a doc entry cannot reach outside the caller's docs
 * through its kind or id (a colon, a path, look-alike characters, an owner prefix).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, parseBackup, type DocName } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { call, createUser, type TestUser } from '../helpers/links.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'

let relay: TestRelay
beforeAll(async () => {
  relay = await startRelay()
})
afterAll(async () => {
  await relay.close(true)
})

async function edit(name: DocName, change: (doc: Y.Doc) => void): Promise<void> {
  const doc = await stored(name)
  const before = Y.encodeStateVector(doc)
  change(doc)
  expect(await relay.app.sync.applyUpdate(name, Y.encodeStateAsUpdate(doc, before))).toEqual({ kind: 'stored' })
}

async function stored(name: DocName): Promise<Y.Doc> {
  await relay.app.sync.flush()
  const doc = new Y.Doc()
  applyUpdates(doc, storedUpdates(await relay.stores.docs.load(name)))
  return doc
}

const bytes = async (name: DocName) => Buffer.from(Y.encodeStateAsUpdate(await stored(name)))

async function download(token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${relay.url}/v1/backup`, { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, text: await response.text() }
}

async function upload(token: string, body: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
  return { status: response.status, body: await response.json() }
}

/** Alice: one shared collection with a request; her link's token and the viewer token a resolve gives. */
async function alice(): Promise<TestUser & { linkToken: string; viewerToken: string }> {
  const who = await createUser(relay, { name: 'Alice' })
  await edit(docName(who.id, 'workspace'), (doc) => void new WorkspaceIndex(doc).addCollection('Pets', 'pets'))
  await edit(docName(who.id, 'collection', 'pets'), (doc) => void new Collection(doc).add({ kind: 'request', name: 'List pets', method: 'GET', url: 'https://api.example.com/pets' }))
  const link = await call(relay, 'POST', '/v1/links', who.token, { docName: docName(who.id, 'collection', 'pets') })
  expect(link.status).toBe(201)
  const resolved = await call(relay, 'GET', `/v1/links/resolve/${link.body.token}`)
  expect(resolved.status).toBe(200)
  return { ...who, linkToken: link.body.token, viewerToken: resolved.body.viewerToken }
}

describe('account backup: only the caller’s own account', () => {
  it('refuses a share link’s tokens on both routes', async () => {
    const a = await alice()
    const { text } = await download(a.token)
    for (const token of [a.linkToken, a.viewerToken]) {
      expect((await download(token)).status).toBe(401)
      expect((await upload(token, text)).status).toBe(401)
    }
  })

  it('downloads and restores the token’s own account: Alice’s file sent by Bob lands in Bob’s account, Alice’s untouched', async () => {
    const a = await alice()
    const bob = await createUser(relay, { name: 'Bob' })
    const names = [docName(a.id, 'workspace'), docName(a.id, 'collection', 'pets')]
    const before = await Promise.all(names.map(bytes))

    const bobsFile = parseBackup((await download(bob.token)).text)
    expect(bobsFile.ok && bobsFile.value.source.accountId).toBe(bob.id)
    expect(bobsFile.ok && bobsFile.value.docs).toEqual([])

    const { text } = await download(a.token)
    const answer = await upload(bob.token, text)
    expect(answer.status).toBe(200)
    expect(answer.body.restored).toEqual([{ kind: 'workspace' }, { kind: 'collection', id: 'pets' }])
    expect(new Collection(await stored(docName(bob.id, 'collection', 'pets'))).tree().map((item) => item.name)).toEqual(['List pets'])
    expect(await Promise.all(names.map(bytes))).toEqual(before)
  })

  it('refuses a doc entry whose kind or id would reach outside the caller’s docs', async () => {
    const a = await alice()
    const bob = await createUser(relay, { name: 'Bob' })
    const { text } = await download(a.token)
    const entry = JSON.parse(text).docs[1] as { update: string }
    const withDoc = (doc: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(text), docs: [{ ...doc, update: entry.update }] })
    const crafted = [
      { kind: 'collection', id: `${a.id}:collection:pets` },
      { kind: 'collection', id: '../pets' },
      { kind: 'collection', id: 'pets\u0000' },
      { kind: 'collection', id: 'реts' }, // Cyrillic look-alikes
      { kind: 'collection', id: '' },
      { kind: 'collection', id: 'x'.repeat(65) },
      { kind: 'Collection', id: 'pets' },
      { kind: 'collection ', id: 'pets' },
      { kind: 'collection', id: ['pets'] },
      { kind: 'collection', id: 'pets', owner: a.id },
      { kind: 'workspace', id: 'pets' },
    ]
    for (const doc of crafted) {
      const answer = await upload(bob.token, withDoc(doc))
      expect([doc, answer.status, answer.body.error?.code]).toEqual([doc, 400, 'backup_malformed'])
    }
    expect((await relay.stores.docs.usage(bob.id)).used).toBe(0)
  })
})
