/**
 * Deleting an account (`DELETE /v1/me`) leaves no trace of it: an account with two signed-in
 * devices, a workspace and a collection with content, a share link with a viewer on it, a vault
 * with a device, an avatar and a pending reset mail loses all of it — checked in the stores
 * themselves (files on disk, rows in PostgreSQL) — every socket of it closes (on both relays
 * when scaled out), the link answers 404, signing in fails, and the email signs up afresh. A
 * wrong password deletes nothing. An account without a password needs a recent sign-in.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, type UserId } from '@ferry/protocol'
import { broadcastEffects, deleteAccount } from '../../relay/src/auth/delete-account.ts'
import { hashSecret, newFamilyId } from '../../relay/src/auth/secrets.ts'
import { createStores } from '../../relay/src/storage/index.ts'
import { RedisBroadcast } from '../../relay/src/sync/redis-broadcast.ts'
import type { DeviceId } from '../../relay/src/storage/accounts/vault.ts'
import { loadMasterKey, MasterKey } from '../../relay/src/storage/keys.ts'
import { uniqueEmail } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { useScaledOut, skipScaledOut } from '../helpers/scaled-out.ts'
import { closedWithin, openWorkspace, registerDevice, resetToken, SESSION_PASSWORD, signIn, signUpEmail, type SignedIn } from '../helpers/sessions.ts'
import { rawClient, syncUrl, type RawClient } from '../helpers/sync-clients.ts'

const LIMITS = { AUTH_ATTEMPTS_PER_WINDOW: '1000', TOKEN_CALLS_PER_MINUTE_PER_IP: '1000' }
// Every case signs up and in with production password hashing, on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 })

/** The keyed ids the stores file the account's docs under. */
function docIds(relay: TestRelay, user: UserId): string[] {
  const master = new MasterKey(loadMasterKey(relay.config))
  return [`${user}:workspace`, docName(user, 'collection', 'orders')].map((name) => master.docId(name))
}

interface Backend {
  /** Two relays (the same one twice when not scaled out). */
  relays(): Promise<[TestRelay, TestRelay]>
  /** Deletes the account as an operator's command beside the running relays would; null when the backend has no such path here. */
  fromOutside?(user: UserId): Promise<void>
  /** Everything the stores still hold of the account, as a list of where it was found (empty: nothing). */
  traces(user: UserId, email: string): Promise<string[]>
}

async function writeDoc(relay: TestRelay, name: string, token: string, text: string): Promise<RawClient> {
  const client = await rawClient(syncUrl(relay.wsUrl, name, token, true))
  await client.next('sync-step1')
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  client.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
  await client.next('persisted')
  return client
}

function deletionSuite(label: string, backend: Backend): void {
  let a: TestRelay
  let b: TestRelay
  beforeAll(async () => {
    ;[a, b] = await backend.relays()
  })

  /** A confirmed account with content everywhere, and two devices signed in (one per relay). */
  async function fullAccount(): Promise<{ email: string; laptop: SignedIn; phone: SignedIn; collection: string; linkToken: string; resetMail: string }> {
    const email = uniqueEmail(`delete-${label}`)
    await signUpEmail(a, email)
    const laptop = await signIn(a, email)
    const phone = await signIn(b, email)
    await a.stores.users.updateUser(laptop.userId, { emailConfirmed: true })
    const collection = docName(laptop.userId, 'collection', 'orders')
    ;(await writeDoc(a, `${laptop.userId}:workspace`, laptop.accessToken, 'my workspace')).close()
    ;(await writeDoc(a, collection, laptop.accessToken, 'GET /orders')).close()
    const link = await call(a, 'POST', '/v1/links', laptop.accessToken, { docName: collection })
    expect(link.status).toBe(201)
    const device = await registerDevice(a, laptop, 'Laptop')
    expect(await a.stores.vault.createVault(laptop.userId, { deviceId: device as DeviceId, wrappedKey: 'w', recoveryWrappedKey: 'r', now: Date.now() })).toMatchObject({ ok: true })
    expect(await a.stores.avatars.putAvatar(laptop.userId, { bytes: new Uint8Array([1, 2, 3]), etag: 'v1' })).toBe(true)
    return { email, laptop, phone, collection, linkToken: link.body.token, resetMail: await resetToken(a, laptop.userId) }
  }

  it('deletes every trace, closes every socket on every relay, and frees the email', async () => {
    const account = await fullAccount()
    const { laptop, phone, email } = account
    const sockets = [await openWorkspace(a, laptop), await openWorkspace(b, phone)]
    const resolved = await call(b, 'GET', `/v1/links/resolve/${account.linkToken}`)
    expect(resolved.status).toBe(200)
    const viewer = await rawClient(syncUrl(b.wsUrl, account.collection, resolved.body.viewerToken))
    viewer.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    await viewer.next('sync-step2')
    expect(await backend.traces(laptop.userId, email)).not.toEqual([])

    const answer = await call(a, 'DELETE', '/v1/me', laptop.accessToken, { password: SESSION_PASSWORD })
    expect(answer.status).toBe(200)
    expect(answer.body.deleted).toEqual({ docs: 2, links: 1, devices: 1, avatar: true })

    for (const socket of sockets) expect([CloseCode.Unauthenticated, CloseCode.Gone]).toContain(await closedWithin(socket, 2_000))
    expect(await closedWithin(viewer, 2_000)).toBe(CloseCode.Gone)
    expect(await backend.traces(laptop.userId, email)).toEqual([])
    expect((await call(a, 'GET', `/v1/links/resolve/${account.linkToken}`)).status).toBe(404)
    expect((await call(b, 'GET', `/v1/avatars/${laptop.userId}`)).status).toBe(404)
    expect((await call(b, 'GET', '/v1/me', phone.accessToken)).status).toBe(401)
    expect((await call(b, 'POST', '/v1/auth/refresh', undefined, { refreshToken: phone.refreshToken })).status).toBe(401)
    expect((await call(a, 'POST', '/v1/auth/reset', undefined, { token: account.resetMail, password: 'a brand new password' })).status).toBe(400)
    expect((await call(b, 'POST', '/v1/auth/login', undefined, { email, password: SESSION_PASSWORD })).status).toBe(401)
    // Its tokens open no socket any more.
    const late = await rawClient(syncUrl(a.wsUrl, account.collection, laptop.accessToken))
    expect(await closedWithin(late, 2_000)).toBe(CloseCode.Unauthenticated)

    await signUpEmail(b, email)
    const fresh = await signIn(a, email)
    expect(fresh.userId).not.toBe(laptop.userId)
    expect((await call(a, 'GET', '/v1/me', fresh.accessToken)).body).toMatchObject({ email, emailConfirmed: false, avatarUrl: null })
  })

  it.skipIf(!backend.fromOutside)('deletes from a command beside the running relays: the same traces go, and their sockets close', async () => {
    const account = await fullAccount()
    const sockets = [await openWorkspace(a, account.laptop), await openWorkspace(b, account.phone)]
    await backend.fromOutside!(account.laptop.userId)
    for (const socket of sockets) expect([CloseCode.Unauthenticated, CloseCode.Gone]).toContain(await closedWithin(socket, 2_000))
    expect(await backend.traces(account.laptop.userId, account.email)).toEqual([])
    expect((await call(b, 'GET', `/v1/links/resolve/${account.linkToken}`)).status).toBe(404)
  })

  it('deletes nothing on a wrong or missing password', async () => {
    const account = await fullAccount()
    const before = await backend.traces(account.laptop.userId, account.email)
    const socket = await openWorkspace(b, account.phone)
    const wrong = await call(a, 'DELETE', '/v1/me', account.laptop.accessToken, { password: 'not my password at all' })
    expect(wrong.status).toBe(403)
    expect(wrong.body.error.code).toBe('wrong_password')
    expect((await call(a, 'DELETE', '/v1/me', account.laptop.accessToken, {})).body.error.code).toBe('password_required')
    expect(await closedWithin(socket, 300)).toBe('open')
    expect(await backend.traces(account.laptop.userId, account.email)).toEqual(before)
    expect((await call(b, 'GET', `/v1/links/resolve/${account.linkToken}`)).status).toBe(200)
    expect((await call(a, 'GET', '/v1/me', account.phone.accessToken)).status).toBe(200)
    socket.close()
  })

  it('asks an account without a password for a sign-in less than 5 minutes old', async () => {
    const id = `nopw${Date.now().toString(36)}` as UserId
    const email = uniqueEmail('oidc-only')
    expect((await a.stores.users.createUser({ id, email, name: 'O', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })).ok).toBe(true)
    const familyId = newFamilyId()
    await a.stores.sessions.createRefreshToken({ hash: hashSecret(familyId), userId: id, familyId, expiresAt: Date.now() + 3600_000 })
    const tokens = {
      refreshed: a.app.accessTokens.issue(id, familyId),
      old: a.app.accessTokens.issue(id, familyId, Date.now() - 6 * 60_000),
      recent: a.app.accessTokens.issue(id, familyId, Date.now() - 60_000),
    }
    for (const token of [tokens.refreshed, tokens.old]) {
      const refused = await call(a, 'DELETE', '/v1/me', token, {})
      expect(refused.status).toBe(403)
      expect(refused.body.error.code).toBe('reauthentication_required')
    }
    expect(await a.stores.users.getUser(id)).not.toBeNull()
    expect((await call(a, 'DELETE', '/v1/me', tokens.recent, {})).status).toBe(200)
    expect(await a.stores.users.findUserByEmail(email)).toBeNull()
  })
}

describe('deleting an account: files and lowdb', () => {
  let relay: TestRelay
  afterAll(async () => relay?.close(true))
  deletionSuite('files', {
    async relays() {
      relay = await startRelay(LIMITS)
      return [relay, relay]
    },
    async traces(user, email) {
      const found: string[] = []
      for (const id of docIds(relay, user)) {
        const dir = join(relay.dataDir, 'docs', id.slice(0, 2), id)
        // A deleted doc keeps only its tombstone: no key, log or snapshot.
        if (existsSync(dir)) found.push(...readdirSync(dir).filter((file) => file !== 'deleted').map((file) => `docs/${id}/${file}`))
      }
      const accounts = readFileSync(join(relay.dataDir, 'accounts.json'), 'utf8')
      if (accounts.includes(user)) found.push('accounts.json names the user')
      if (accounts.includes(email)) found.push('accounts.json names the email')
      if (readdirSync(join(relay.dataDir, 'avatars')).some((file) => file.startsWith(user))) found.push('avatar file')
      return found
    },
  })
})

describe.skipIf(skipScaledOut)('deleting an account: PostgreSQL and Redis, two relays', () => {
  const scaled = useScaledOut()
  let db: pg.Client
  afterAll(async () => db?.end())
  deletionSuite('postgres', {
    async relays() {
      db = new pg.Client({ connectionString: scaled.schema.url })
      await db.connect()
      return [await scaled.relay(LIMITS), await scaled.relay(LIMITS)]
    },
    async fromOutside(user) {
      // What `ferry-relay users delete` does with a shared database and Redis.
      const { config, app } = scaled.relays[0]!
      const [stores, broadcast] = await Promise.all([createStores(config, () => undefined), RedisBroadcast.open(config.redisUrl!, config.redisPrefix, app.log)])
      try {
        expect(await deleteAccount(stores, user, broadcastEffects(broadcast, stores.docs))).toEqual({ docs: 2, links: 1, devices: 1, avatar: true })
      } finally {
        await broadcast.close()
        await stores.close()
      }
    },
    async traces(user, email) {
      const found: string[] = []
      const count = async (what: string, sql: string, params: unknown[]): Promise<void> => {
        const { rows } = await db.query<{ n: string }>(sql, params)
        if (Number(rows[0]!.n) > 0) found.push(`${rows[0]!.n} ${what}`)
      }
      await count('users', 'SELECT count(*) AS n FROM ferry_users WHERE id = $1 OR email = $2', [user, email])
      const tables: Array<[string, string]> = [
        ['ferry_identities', 'user_id = $1'],
        ['ferry_avatars', 'user_id = $1'],
        ['ferry_tokens', 'user_id = $1'],
        ['ferry_refresh_families', 'user_id = $1'],
        ['ferry_vaults', 'user_id = $1'],
        ['ferry_vault_links', 'user_id = $1'],
        ['ferry_vault_recoveries', 'user_id = $1'],
        ['ferry_devices', 'user_id = $1'],
        ['ferry_links', 'owner_id = $1'],
      ]
      for (const [table, where] of tables) await count(`rows in ${table}`, `SELECT count(*) AS n FROM ${table} WHERE ${where}`, [user])
      const ids = docIds(scaled.relays[0]!, user).map((id) => Buffer.from(id, 'hex'))
      await count('doc records', 'SELECT count(*) AS n FROM ferry_doc_records WHERE doc_id = ANY($1)', [ids])
      await count('doc snapshots', 'SELECT count(*) AS n FROM ferry_doc_snapshots WHERE doc_id = ANY($1) AND snapshot IS NOT NULL', [ids])
      await count('doc keys', 'SELECT count(*) AS n FROM ferry_docs WHERE doc_id = ANY($1) AND data_key IS NOT NULL', [ids])
      return found
    },
  })
})
