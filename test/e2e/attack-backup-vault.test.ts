/**
 * Attack review of the account backup (issue 15): the vault record a file brings. `POST
 * /v1/backup` installs a file's vault into an account that has none (a relay that lost it), so
 * the record must be one the vault routes could have written: every generation in range and
 * none after the vault's own (a link planted for a later generation would be kept over the
 * real rotation's, since a generation's link is never replaced, and every device would refuse
 * that rotation), devices with the relay's ids and P-256 public keys (one the routes refuse can
 * never be revoked, and every rotation would have to wrap the key to it), no more live devices
 * than an account may have. A file that breaks one of these is refused with a sentence before
 * anything is written — on PostgreSQL a generation past 2^31−1 was a 500 after the docs were
 * already merged. On files and on PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, type UserId } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { useBackendRelays } from '../helpers/backend-relays.ts'
import { applyUpdates, storedUpdates } from '../../relay/src/storage/yjs-updates.ts'

interface Account {
  readonly id: UserId
  readonly token: string
}

async function account(relay: TestRelay, id = randomBytes(12).toString('base64url') as UserId): Promise<Account> {
  const created = await relay.stores.users.createUser({ id, email: `${id}@example.test`, name: 'Ada', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
  if (!created.ok) throw new Error(created.error)
  return { id, token: await sessionToken(relay, id) }
}

async function upload(relay: TestRelay, who: Account, body: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' }, body })
  return { status: response.status, body: await response.json() }
}

/** A workspace update listing one collection, for the file to carry a doc the restore would write. */
function workspaceUpdate(): string {
  const doc = new Y.Doc()
  new WorkspaceIndex(doc).addCollection('From the file', 'fromfile')
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64')
}

/** A P-256 public key in the relay's form (base64url, uncompressed). */
async function publicKey(): Promise<string> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])
  return Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url')
}

/** What the relay stores of the account's workspace. */
async function workspaceOf(relay: TestRelay, owner: UserId): Promise<Y.Doc> {
  await relay.app.sync.flush()
  const doc = new Y.Doc()
  applyUpdates(doc, storedUpdates(await relay.stores.docs.load(docName(owner, 'workspace'))))
  return doc
}

describe.each(RELAY_BACKENDS)('a backup’s vault record on $name', (backend) => {
  const { start: relay, vaultDevice } = useBackendRelays(backend)

  /** The backup of an account with a vault (one approved device), as JSON to edit. */
  async function fileWithVault(on: TestRelay): Promise<{ owner: UserId; file: () => Record<string, any> }> {
    const who = await account(on)
    const laptop = await vaultDevice(on, who.id, 'Laptop')
    await laptop.vault.create()
    const response = await fetch(`${on.url}/v1/backup`, { headers: { authorization: `Bearer ${who.token}` } })
    const text = await response.text()
    return { owner: who.id, file: () => ({ ...(JSON.parse(text) as Record<string, any>), docs: [{ kind: 'workspace', update: workspaceUpdate() }] }) }
  }

  it.skipIf(backend.skip)('refuses a vault record the vault routes would never have written, before writing anything', async () => {
    const a = await relay()
    const { owner, file } = await fileWithVault(a)
    const b = await relay()
    // The same account on a relay that lost its vault: the restore would install the file's.
    const again = await account(b, owner)
    const vault = (change: (vault: Record<string, any>) => void) => {
      const edited = file()
      change(edited.vault)
      return JSON.stringify(edited)
    }
    const device = (change: Record<string, unknown>) => vault((v) => void (v.devices = [{ ...v.devices[0], ...change }]))
    const extraDevice = async (i: number) => ({ id: randomBytes(16).toString('base64url'), name: `Phone ${i}`, publicKey: await publicKey(), status: 'approved', wrappedKey: 'x'.repeat(170), generation: 1, createdAt: 1, approvedAt: 1, revokedAt: null })
    const extras = await Promise.all(Array.from({ length: 32 }, (_, i) => extraDevice(i)))
    const cases: [string, string, RegExp][] = [
      ['a generation past what the relay stores', vault((v) => {
        v.generation = 2 ** 31
        v.recoveries[0].generation = 2 ** 31
      }), /generation/],
      ['a link for a generation after the vault’s', vault((v) => void v.links.push({ generation: 2, link: 'x'.repeat(600) })), /link.*generation 2.*after/],
      ['two links for one generation', vault((v) => void v.links.push({ ...v.links[0] })), /links\[1\].*generation 1.*twice|repeats/],
      ['a recovery wrap of a later generation', vault((v) => void v.recoveries.push({ generation: 5, wrappedKey: v.recoveries[0].wrappedKey, tag: null })), /recoveries\[1\].*after/],
      ['a device id the relay never gives', device({ id: 'victim' }), /devices\[0\]\.id/],
      ['a public key that is not P-256', device({ publicKey: 'AAAA' }), /devices\[0\]\.publicKey/],
      ['a public key off the curve', device({ publicKey: `B${'A'.repeat(86)}` }), /devices\[0\]\.publicKey/],
      ['an approved device without its key', device({ wrappedKey: null, generation: null }), /devices\[0\]/],
      ['a pending device with a key', device({ status: 'pending', approvedAt: null }), /devices\[0\]/],
      ['a device given a later generation', device({ generation: 9 }), /devices\[0\].*generation 9, after/],
      ['a wrapped key longer than the relay takes', device({ wrappedKey: 'x'.repeat(4096) }), /devices\[0\]\.wrappedKey/],
      ['one device twice', vault((v) => void (v.devices = [v.devices[0], v.devices[0]])), /devices\[1\].*twice|repeats/],
      ['more live devices than an account may have', vault((v) => void (v.devices = [...v.devices, ...extras])), /devices/],
    ]
    for (const [what, body, message] of cases) {
      const answer = await upload(b, again, body)
      expect([what, answer.status, answer.body.error?.code]).toEqual([what, 400, 'backup_malformed'])
      expect([what, answer.body.error.message]).toEqual([what, expect.stringMatching(message)])
    }
    // Nothing was written: no vault, no device, no doc.
    expect(await b.stores.vault.getVault(owner)).toBeNull()
    expect(await b.stores.vault.listDevices(owner)).toEqual([])
    expect((await b.stores.docs.load(docName(owner, 'workspace'))).seq).toBe(0)
    // The file as the relay wrote it still installs.
    expect((await upload(b, again, JSON.stringify(file()))).body).toMatchObject({ vault: 'installed' })
  })

  it.skipIf(backend.skip)('refuses a vault record larger than an account’s, which would be kept outside the quota (on files: in the one accounts file every sign-in rewrites)', async () => {
    const a = await relay()
    const { owner, file } = await fileWithVault(a)
    const b = await relay()
    const again = await account(b, owner)
    // 7,000 rotations' worth of the longest links the routes take: 56 MB, in one request.
    const edited = file()
    const generations = 7_000
    edited.vault.generation = generations
    edited.vault.recoveries[0].generation = generations
    edited.vault.links = Array.from({ length: generations }, (_, i) => ({ generation: i + 1, link: 'L'.repeat(8192) }))
    const body = JSON.stringify(edited)
    expect(body.length).toBeGreaterThan(50_000_000)
    const answer = await upload(b, again, body)
    expect([answer.status, answer.body.error?.code]).toEqual([413, 'backup_too_large'])
    expect(answer.body.error.message).toMatch(/vault record is larger than 1 MiB/)
    expect(await b.stores.vault.getVaultChain(owner)).toBeNull()
    expect((await b.stores.docs.load(docName(owner, 'workspace'))).seq).toBe(0)
    if (backend.name === 'files') expect((await stat(join(b.config.dataDir, 'accounts.json'))).size).toBeLessThan(100_000)
  })

  it.skipIf(backend.skip)('installs the vault once when restores race, each answering what it did', async () => {
    const a = await relay()
    const { owner, file } = await fileWithVault(a)
    const b = await relay()
    const again = await account(b, owner)
    const answers = await Promise.all([1, 2, 3].map(() => upload(b, again, JSON.stringify(file()))))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(answers.map((answer) => answer.body.vault).sort()).toEqual(['installed', 'kept', 'kept'])
    expect(await b.stores.vault.listDevices(owner)).toHaveLength(1)
    expect(new WorkspaceIndex(await workspaceOf(b, owner), { recordConflicts: false }).allCollections().map((c) => c.name)).toEqual(['From the file'])
  })

  it.skipIf(backend.skip)('never takes over another account’s device through a device id in the file', async () => {
    const on = await relay()
    const bob = await fileWithVault(on)
    const [bobsDevice] = await on.stores.vault.listDevices(bob.owner)
    const mallory = await account(on)
    // Mallory's own file (her account, so its vault is installed), listing Bob's device by its
    // id with her public key and a key wrapped to it.
    const edited = bob.file()
    edited.source.accountId = mallory.id
    edited.vault.devices = [{ ...edited.vault.devices[0], publicKey: await publicKey(), wrappedKey: 'm'.repeat(170) }]
    const answer = await upload(on, mallory, JSON.stringify(edited))
    expect([answer.status, answer.body.vault]).toEqual([200, 'installed'])
    expect(await on.stores.vault.getDevice(bob.owner, bobsDevice!.id)).toEqual(bobsDevice)
    expect(await on.stores.vault.getDevice(mallory.id, bobsDevice!.id)).toBeNull()
    expect(await on.stores.vault.listDevices(mallory.id)).toEqual([])
  })
})
