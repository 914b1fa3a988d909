/**
 * Attack review of the account backup (issue 15), kept as regressions: a restore merges and
 * never rewinds. An older file of the same account, restored through `POST /v1/backup` after
 * later edits — a request added, one removed, one renamed, a setting changed, a collection put
 * in the trash — changes none of them: what was removed stays removed, the trash keeps its
 * collection. And the quota holds: a file larger than what the account has left is stored doc
 * by doc up to it, the rest reported refused, nothing past the quota. On files and PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'

interface Account {
  readonly id: UserId
  readonly token: string
}

describe.each(RELAY_BACKENDS)('restoring over later edits on $name', (backend) => {
  const relays: TestRelay[] = []
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.close(true)
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  async function relay(env: Record<string, string> = {}): Promise<TestRelay> {
    const setup = await backend.env()
    cleanups.push(setup.cleanup)
    const started = await startRelay({ ...setup.env, ...env })
    relays.push(started)
    return started
  }

  async function account(on: TestRelay): Promise<Account> {
    const id = randomBytes(12).toString('base64url') as UserId
    const created = await on.stores.users.createUser({ id, email: `${id}@example.test`, name: 'Ada', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
    if (!created.ok) throw new Error(created.error)
    return { id, token: await sessionToken(on, id) }
  }

  async function stored(on: TestRelay, name: DocName): Promise<Y.Doc> {
    await on.app.sync.flush()
    const doc = new Y.Doc()
    applyUpdates(doc, storedUpdates(await on.stores.docs.load(name)))
    return doc
  }

  async function edit(on: TestRelay, name: DocName, change: (doc: Y.Doc) => void): Promise<void> {
    const doc = await stored(on, name)
    const before = Y.encodeStateVector(doc)
    change(doc)
    expect(await on.app.sync.applyUpdate(name, Y.encodeStateAsUpdate(doc, before))).toEqual({ kind: 'stored' })
  }

  async function backup(on: TestRelay, who: Account): Promise<string> {
    return (await fetch(`${on.url}/v1/backup`, { headers: { authorization: `Bearer ${who.token}` } })).text()
  }

  async function restore(on: TestRelay, who: Account, text: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${on.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' }, body: text })
    return { status: response.status, body: await response.json() }
  }

  it.skipIf(backend.skip)('an older file of the account changes none of the edits made since', async () => {
    const on = await relay()
    const who = await account(on)
    const [index, pets] = [docName(who.id, 'workspace'), docName(who.id, 'collection', 'pets')]
    const ids: Record<string, string> = {}
    await edit(on, index, (doc) => {
      const workspace = new WorkspaceIndex(doc)
      workspace.addCollection('Pets', 'pets')
      workspace.addCollection('Old', 'old')
      workspace.setSetting('historyLimit', 10)
    })
    await edit(on, pets, (doc) => {
      const collection = new Collection(doc)
      ids.list = collection.add({ kind: 'request', name: 'List pets', method: 'GET', url: 'https://api.example.com/pets' })
      ids.gone = collection.add({ kind: 'request', name: 'Delete pet', method: 'DELETE', url: 'https://api.example.com/pets/1' })
    })
    const older = await backup(on, who)

    await edit(on, index, (doc) => {
      const workspace = new WorkspaceIndex(doc)
      workspace.setSetting('historyLimit', 99)
      workspace.trashCollection('old', Date.now())
    })
    await edit(on, pets, (doc) => {
      const collection = new Collection(doc)
      collection.update(ids.list!, { name: 'All pets' })
      collection.remove(ids.gone!)
      collection.add({ kind: 'request', name: 'Add pet', method: 'POST', url: 'https://api.example.com/pets' })
    })
    const expected = { requests: ['All pets', 'Add pet'], historyLimit: 99, live: ['Pets'], trashed: ['Old'] }
    const now = async () => {
      const workspace = new WorkspaceIndex(await stored(on, index), { recordConflicts: false })
      return {
        requests: new Collection(await stored(on, pets)).tree().map((item) => item.name),
        historyLimit: workspace.settings().historyLimit,
        live: workspace.collections().map((c) => c.name),
        trashed: workspace.trashedCollections().map((c) => c.name),
      }
    }
    expect(await now()).toEqual(expected)
    const used = (await on.stores.docs.usage(who.id)).used

    const answer = await restore(on, who, older)
    expect(answer.status).toBe(200)
    expect(answer.body.skipped).toEqual([])
    expect(await now()).toEqual(expected)
    // Nothing new was even stored.
    await on.app.sync.flush()
    expect((await on.stores.docs.usage(who.id)).used).toBe(used)
  })

  it.skipIf(backend.skip)('stores a file past the account’s quota only up to it, and says which docs were refused', async () => {
    const source = await relay()
    const ada = await account(source)
    await edit(source, docName(ada.id, 'workspace'), (doc) => {
      const workspace = new WorkspaceIndex(doc)
      for (const id of ['a', 'b', 'c', 'd']) workspace.addCollection(`Collection ${id}`, id)
    })
    for (const id of ['a', 'b', 'c', 'd']) {
      await edit(source, docName(ada.id, 'collection', id), (doc) => void new Collection(doc).add({ kind: 'request', name: id, method: 'POST', url: 'https://x.test', body: { mode: 'raw', raw: randomBytes(24_000).toString('base64') } }))
    }
    const file = await backup(source, ada)

    const quota = 80_000
    const target = await relay({ ACCOUNT_QUOTA_BYTES: String(quota) })
    const bob = await account(target)
    const answer = await restore(target, bob, file)
    expect(answer.status).toBe(200)
    expect(answer.body.skipped.length).toBeGreaterThan(0)
    for (const skipped of answer.body.skipped) expect(skipped).toMatchObject({ kind: 'collection', reason: 'refused', message: expect.stringMatching(/^The relay refused it: .+\.$/) })
    expect(answer.body.restored.length + answer.body.skipped.length).toBe(5)
    await target.app.sync.flush()
    expect((await target.stores.docs.usage(bob.id)).used).toBeLessThanOrEqual(quota)
  })
})
