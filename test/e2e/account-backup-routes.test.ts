/**
 * Account backup on the relay (issue 15), on files and on PostgreSQL: `GET /v1/backup` answers
 * every doc of the account and the vault's public record, never a secret in clear; `POST
 * /v1/backup` merges a file into the caller's account through the rooms — idempotent, into
 * the same or another account on another relay, skipping what the account deleted for good,
 * installing the vault into an account that lost its own — and refuses a bad file with a
 * sentence before writing anything.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, parseBackup, type AccountBackup, type DocName, type UserId } from '@ferry/protocol'
import { Collection, History, WorkspaceIndex } from '@ferry/schema'
import { call } from '../helpers/http.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { useBackendRelays } from '../helpers/backend-relays.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'
import { MAX_RESTORE_BYTES } from '../../relay/src/account-backup/index.ts'

const SECRET = 'sup3r-s3cret-t0ken-value'

interface Account {
  readonly id: UserId
  readonly email: string
  readonly token: string
}

/** A user of `relay` (with id `id`, when given) and an access token of a new session of theirs. */
async function account(relay: TestRelay, label: string, id = randomBytes(12).toString('base64url') as UserId): Promise<Account> {
  const email = `${label}-${randomBytes(4).toString('hex')}@example.test`
  const created = await relay.stores.users.createUser({ id, email, name: label, emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
  if (!created.ok) throw new Error(created.error)
  return { id, email, token: await sessionToken(relay, id) }
}

/** Makes an edit to a doc as a device would send it (through its room), stored once this resolves. */
async function edit(relay: TestRelay, name: DocName, change: (doc: Y.Doc) => void): Promise<void> {
  const doc = await stored(relay, name)
  const before = Y.encodeStateVector(doc)
  change(doc)
  expect(await relay.app.sync.applyUpdate(name, Y.encodeStateAsUpdate(doc, before))).toEqual({ kind: 'stored' })
}

/** What the relay's store holds of a doc, as a `Y.Doc`. */
async function stored(relay: TestRelay, name: DocName): Promise<Y.Doc> {
  await relay.app.sync.flush()
  const doc = new Y.Doc()
  applyUpdates(doc, storedUpdates(await relay.stores.docs.load(name)))
  return doc
}

async function usage(relay: TestRelay, owner: UserId): Promise<number> {
  await relay.app.sync.flush()
  return (await relay.stores.docs.usage(owner)).used
}

async function download(relay: TestRelay, who: Account): Promise<{ text: string; file: AccountBackup; disposition: string | null }> {
  const response = await fetch(`${relay.url}/v1/backup`, { headers: { authorization: `Bearer ${who.token}` } })
  expect(response.status).toBe(200)
  const text = await response.text()
  const parsed = parseBackup(text)
  if (!parsed.ok) throw new Error(parsed.error.message)
  return { text, file: parsed.value, disposition: response.headers.get('content-disposition') }
}

async function upload(relay: TestRelay, who: Account, body: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': contentType }, body })
  return { status: response.status, body: await response.json() }
}

const names = (doc: Y.Doc) => new WorkspaceIndex(doc, { recordConflicts: false }).allCollections().map((c) => c.name).sort()
const requests = (doc: Y.Doc) => new Collection(doc).tree().map((item) => item.name)

describe.each(RELAY_BACKENDS)('account backup routes on $name', (backend) => {
  const { start: relay, vaultDevice } = useBackendRelays(backend)

  /** Alice's account on `on`: two collections, a header preset, a setting, a history entry, an environment with a secret. */
  async function alice(on: TestRelay): Promise<Account & { recoveryKey: string }> {
    const who = await account(on, 'alice')
    await edit(on, docName(who.id, 'workspace'), (doc) => {
      const index = new WorkspaceIndex(doc)
      index.addCollection('Pets', 'pets')
      index.addCollection('Archive', 'archive')
      index.addHeaderPreset('JSON', [{ key: 'Accept', value: 'application/json' }])
      index.setSetting('historyLimit', 42)
    })
    await edit(on, docName(who.id, 'collection', 'pets'), (doc) => void new Collection(doc).add({ kind: 'request', name: 'List pets', method: 'GET', url: 'https://api.example.com/pets' }))
    await edit(on, docName(who.id, 'collection', 'archive'), (doc) => void new Collection(doc).add({ kind: 'request', name: 'Old', method: 'GET', url: 'https://old.example.com' }))
    await edit(on, docName(who.id, 'history'), (doc) => {
      new History(doc).append({ request: { method: 'GET', url: 'https://api.example.com/pets', headers: [], body: '' }, status: 200, timingMs: 12, responseSize: 34, time: 1_700_000_000_000, source: null })
    })
    const laptop = await vaultDevice(on, who.id, 'Laptop')
    const recoveryKey = await laptop.vault.create()
    const prod = laptop.envs.environments.add('Prod')
    await laptop.envs.addVariable(prod, { key: 'token', value: SECRET, secret: true })
    await laptop.connect()
    await vi.waitFor(async () => expect((await stored(on, laptop.docName)).getMap('environments').size).toBe(1))
    return { ...who, recoveryKey }
  }

  it.skipIf(backend.skip)('downloads every doc and the vault’s public record, with no secret in clear, and restores it into the same account changing nothing', async () => {
    const a = await relay()
    const who = await alice(a)
    const { text, file, disposition } = await download(a, who)
    expect(disposition).toBe(`attachment; filename="ferry-backup-${who.email}-${file.createdAt.slice(0, 10)}.json"`)
    expect(file.source).toEqual({ relay: a.config.publicUrl, accountId: who.id, email: who.email })
    expect(file.profile).toEqual({ name: 'alice' })
    expect(file.docs.map((d) => `${d.kind}${d.id ? `:${d.id}` : ''}`).sort()).toEqual(['collection:archive', 'collection:pets', 'environments', 'history', 'workspace'])
    expect(file.vault).toMatchObject({ generation: 1, recoveries: [{ generation: 1 }], links: [{ generation: 1 }], devices: [{ name: 'Laptop', status: 'approved' }] })
    // The secret is nowhere in the file, in any encoding it could be read back from.
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 16))
    for (const doc of file.docs) expect(Buffer.from(doc.update).includes(SECRET)).toBe(false)

    const before = await usage(a, who.id)
    for (let round = 0; round < 2; round++) {
      const answer = await upload(a, who, text)
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ skipped: [], vault: 'kept', secrets: 'restored', profile: 'kept' })
      expect(answer.body.restored).toHaveLength(5)
    }
    expect(await usage(a, who.id)).toBe(before)
    expect((await download(a, who)).file.docs.map((d) => Buffer.from(d.update).length)).toEqual(file.docs.map((d) => Buffer.from(d.update).length))
  })

  it.skipIf(backend.skip)('restores into another account on a fresh relay, merging with what is there, as an edit its devices receive', async () => {
    const a = await relay()
    const { text } = await download(a, await alice(a))

    const b = await relay()
    const bob = await account(b, 'bob')
    await edit(b, docName(bob.id, 'workspace'), (doc) => void new WorkspaceIndex(doc).addCollection('Mine', 'mine'))
    const device = stockProvider(b.wsUrl, docName(bob.id, 'workspace'), bob.token)
    await synced(device)
    try {
      const answer = await upload(b, bob, text)
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        skipped: [{ kind: 'environments', reason: 'needs_client', message: expect.stringMatching(/recovery key/) }],
        vault: 'left_out',
        secrets: 'needs_client',
        profile: 'kept',
      })
      expect(answer.body.restored).toEqual(expect.arrayContaining([{ kind: 'workspace' }, { kind: 'collection', id: 'pets' }, { kind: 'collection', id: 'archive' }, { kind: 'history' }]))
      // The device on Bob's workspace received the collections like any edit, and Bob's own stayed.
      await vi.waitFor(() => expect(names(device.doc)).toEqual(['Archive', 'Mine', 'Pets']))
    } finally {
      device.destroy()
    }
    const index = new WorkspaceIndex(await stored(b, docName(bob.id, 'workspace')), { recordConflicts: false })
    expect(index.headerPresets().map((p) => [p.name, p.headers.map((h) => `${h.key}: ${h.value}`)])).toEqual([['JSON', ['Accept: application/json']]])
    expect(index.settings().historyLimit).toBe(42)
    expect(requests(await stored(b, docName(bob.id, 'collection', 'pets')))).toEqual(['List pets'])
    expect(new History(await stored(b, docName(bob.id, 'history'))).entries().map((e) => e.request.url)).toEqual(['https://api.example.com/pets'])
    expect((await b.stores.docs.load(docName(bob.id, 'environments'))).seq).toBe(0)
    expect(await b.stores.vault.getVault(bob.id)).toBeNull()

    const before = await usage(b, bob.id)
    expect((await upload(b, bob, text)).status).toBe(200)
    expect(await usage(b, bob.id)).toBe(before)
  })

  it.skipIf(backend.skip)('leaves a collection the account deleted for good deleted, and says so', async () => {
    const a = await relay()
    const who = await alice(a)
    const { text } = await download(a, who)
    expect((await call(a, 'DELETE', `/v1/docs/${docName(who.id, 'collection', 'archive')}`, who.token)).status).toBe(204)
    const answer = await upload(a, who, text)
    expect(answer.status).toBe(200)
    expect(answer.body.skipped).toEqual([{ kind: 'collection', id: 'archive', reason: 'deleted', message: 'This account deleted this collection for good; it stays deleted.' }])
    await expect(a.stores.docs.load(docName(who.id, 'collection', 'archive'))).rejects.toMatchObject({ code: 'gone' })
  })

  it.skipIf(backend.skip)('gives the vault back to the same account on a relay that lost it; the recovery key then opens the values', async () => {
    const a = await relay()
    const who = await alice(a)
    const { text } = await download(a, who)
    const b = await relay()
    const again = await account(b, 'alice', who.id)
    const answer = await upload(b, again, text)
    expect(answer.body).toMatchObject({ skipped: [], vault: 'installed', secrets: 'restored' })
    expect(await b.stores.vault.getVault(who.id)).toMatchObject({ generation: 1 })

    const phone = await vaultDevice(b, who.id, 'Phone')
    await phone.connect()
    await phone.vault.unlockWithRecoveryKey(who.recoveryKey)
    const [prod] = phone.envs.environments.list()
    expect(await phone.envs.readVariable(prod!.id, prod!.variables[0]!.id)).toEqual({ state: 'value', value: SECRET })
  })

  it.skipIf(backend.skip)('refuses a bad file with a sentence and writes nothing', async () => {
    const a = await relay()
    const who = await alice(a)
    const { text } = await download(a, who)
    const b = await relay()
    const bob = await account(b, 'bob')
    await edit(b, docName(bob.id, 'workspace'), (doc) => void new WorkspaceIndex(doc).addCollection('Mine', 'mine'))
    const before = await usage(b, bob.id)
    const file = () => JSON.parse(text) as Record<string, any>
    const cases: [string, string, number, string, RegExp][] = [
      ['not JSON', '{"format": "ferry-account-backup", ', 400, 'backup_not_json', /not JSON/],
      ['another format', JSON.stringify({ info: { name: 'A Postman collection' }, item: [] }), 400, 'backup_not_a_backup', /not a Ferry account backup/],
      ['a newer version', JSON.stringify({ ...file(), version: 7 }), 400, 'backup_newer_version', /newer Ferry \(format version 7\)/],
      ['a doc naming its owner', JSON.stringify({ ...file(), docs: [...file().docs, { kind: 'collection', id: 'x', name: `${who.id}:collection:x`, update: 'AAA=' }] }), 400, 'backup_malformed', /field "name"/],
      ['an unknown kind', JSON.stringify({ ...file(), docs: [{ kind: `${who.id}:workspace`, update: 'AAA=' }] }), 400, 'backup_malformed', /kind is/],
      // The last doc is broken: nothing before it may be written either.
      ['a broken update', JSON.stringify({ ...file(), docs: [...file().docs, { kind: 'collection', id: 'broken', update: 'BQEC' }] }), 400, 'backup_malformed', /not a Yjs update/],
      ['a huge file', `{"format":"ferry-account-backup","pad":"${'x'.repeat(MAX_RESTORE_BYTES)}"}`, 413, 'backup_too_large', /larger than 64 MiB.*Ferry app/],
    ]
    for (const [what, body, status, code, message] of cases) {
      const answer = await upload(b, bob, body)
      expect([what, answer.status, answer.body.error.code]).toEqual([what, status, code])
      expect(answer.body.error.message).toMatch(message)
    }
    expect((await upload(b, bob, text, 'application/octet-stream')).status).toBe(415)
    expect(await usage(b, bob.id)).toBe(before)
    expect(names(await stored(b, docName(bob.id, 'workspace')))).toEqual(['Mine'])
    // Signed out: neither route answers.
    expect((await fetch(`${b.url}/v1/backup`)).status).toBe(401)
    expect((await fetch(`${b.url}/v1/backup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text })).status).toBe(401)
  })
})
