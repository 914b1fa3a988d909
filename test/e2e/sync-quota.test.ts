/**
 * Storage quota per account (issue 12, item 11), on both document stores: an update that would
 * take the doc owner's account over its quota is refused with 4507 naming the limit, after the
 * socket's earlier updates were stored and acknowledged; nothing stored is lost; the usage
 * survives a restart; deleting a collection frees its bytes; deletions pass over quota;
 * unconfirmed accounts get the smaller quota; Ferry's client shows what to do and does not
 * reconnect in a loop.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, docName, type DocName } from '@ferry/protocol'
import { AccountStore } from '../../packages/client/src/account-store.ts'
import { openLocalDoc } from '../helpers/local-doc.ts'
import { describeStatus, SyncProvider } from '../../packages/client/src/index.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken, signIn, signUpEmail } from '../helpers/sessions.ts'
import { covers, rawClient, readStoredDoc, syncUrl, updateFrame, type RawClient } from '../helpers/sync-clients.ts'

const KiB = 1024
/** Text Yjs stores as is: one byte per character. */
const filler = (bytes: number): string => randomBytes(bytes).toString('base64').slice(0, bytes)

const backends = RELAY_BACKENDS

/** A raw writer socket that remembers how it was closed. */
async function writer(relay: TestRelay, doc: string, token: string): Promise<RawClient & { reason: Promise<string> }> {
  const client = await rawClient(syncUrl(relay.wsUrl, doc, token, true))
  const reason = new Promise<string>((resolve) => client.ws.on('close', (_code, why) => resolve(why.toString())))
  await client.next('sync-step1')
  return Object.assign(client, { reason })
}

/** Edits `text` in `doc` and returns that edit's update. */
function edit(doc: Y.Doc, change: (text: Y.Text) => void): Uint8Array {
  let update: Uint8Array | null = null
  const take = (u: Uint8Array) => {
    update = u
  }
  doc.on('update', take)
  change(doc.getText('t'))
  doc.off('update', take)
  if (!update) throw new Error('the edit changed nothing')
  return update
}

async function textOf(relay: TestRelay, doc: string, token: string): Promise<string> {
  return (await readStoredDoc(relay.wsUrl, doc, token)).getText('t').toString()
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`storage quota (${backend.name})`, () => {
    const cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    async function relayWith(quota: Record<string, string>): Promise<{ relay: TestRelay; env: Record<string, string> }> {
      const { env, cleanup } = await backend.env()
      const all = { ...env, ...quota, ROOM_IDLE_MS: '0' }
      const relay = await startRelay(all)
      const holder = { relay }
      cleanups.push(cleanup, () => holder.relay.close(true))
      return { relay, env: all }
    }

    it('refuses the update that passes the quota with 4507, after storing and acknowledging what the socket sent before; nothing stored is lost, and the usage survives a restart', async () => {
      // A user the account store does not know gets the smaller of the two quotas.
      const { relay, env } = await relayWith({ ACCOUNT_QUOTA_BYTES: String(64 * KiB) })
      const token = await sessionToken(relay, 'alice')
      const doc = 'alice:workspace'
      const local = new Y.Doc()
      const a = edit(local, (t) => t.insert(0, filler(20 * KiB)))
      const b = edit(local, (t) => t.insert(t.length, filler(20 * KiB)))
      const afterB = Y.encodeStateVector(local)
      const stored = local.getText('t').toString()
      const c = edit(local, (t) => t.insert(t.length, filler(40 * KiB)))

      const socket = await writer(relay, doc, token)
      socket.send(updateFrame(a))
      await socket.next('persisted')
      socket.send(updateFrame(b))
      socket.send(updateFrame(c))
      const acked = await socket.next('persisted')
      expect(covers(acked.stateVector, afterB)).toBe(true)
      expect(await socket.closed).toBe(CloseCode.QuotaExceeded)
      expect(await socket.reason).toMatch(/quota.*65536 bytes/)
      // The refused update was never acknowledged, applied or stored.
      expect(socket.messages.filter((m) => m.type === 'persisted')).toHaveLength(2)
      expect(await textOf(relay, doc, token)).toBe(stored)

      const start = await stopRelay(relay, env)
      const restarted = await start()
      cleanups.push(() => restarted.close(true))
      expect(await textOf(restarted, doc, token)).toBe(stored)
      // The usage came back with it: the same update is refused at once, a small one still fits.
      const again = await writer(restarted, doc, token)
      again.send(updateFrame(c))
      expect(await again.closed).toBe(CloseCode.QuotaExceeded)
      const small = edit(new Y.Doc(), (t) => t.insert(0, filler(2 * KiB)))
      const fits = await writer(restarted, doc, token)
      fits.send(updateFrame(small))
      await fits.next('persisted')
      fits.close()
    })

    it('frees a deleted collection\'s bytes, and lets deletions through over quota', async () => {
      const { relay } = await relayWith({ ACCOUNT_QUOTA_BYTES: String(64 * KiB) })
      const token = await sessionToken(relay, 'bob')
      const collection = docName('bob', 'collection', 'c1')
      const workspace = docName('bob', 'workspace')
      const big = new Y.Doc()
      const filled = await writer(relay, collection, token)
      filled.send(updateFrame(edit(big, (t) => t.insert(0, filler(50 * KiB)))))
      await filled.next('persisted')
      filled.close()

      const local = new Y.Doc()
      const change = edit(local, (t) => t.insert(0, filler(30 * KiB)))
      const refused = await writer(relay, workspace, token)
      refused.send(updateFrame(change))
      expect(await refused.closed).toBe(CloseCode.QuotaExceeded)

      // Over quota, an edit that only deletes is still taken.
      const shrink = await writer(relay, collection, token)
      shrink.send(updateFrame(edit(big, (t) => t.delete(0, 10 * KiB))))
      await shrink.next('persisted')
      shrink.close()
      await shrink.closed

      const deleted = await fetch(`${relay.url}/v1/docs/${collection}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
      expect(deleted.status).toBe(204)
      const taken = await writer(relay, workspace, token)
      taken.send(updateFrame(change))
      await taken.next('persisted')
      taken.close()
      expect(await textOf(relay, workspace, token)).toBe(local.getText('t').toString())
    })

    it('gives an account the smaller quota until its email is confirmed', async () => {
      const { relay } = await relayWith({ ACCOUNT_QUOTA_BYTES: String(1024 * KiB), UNCONFIRMED_ACCOUNT_QUOTA_BYTES: String(32 * KiB) })
      const email = `quota-${randomBytes(4).toString('hex')}@example.test`
      await signUpEmail(relay, email)
      const session = await signIn(relay, email)
      const doc = docName(session.userId, 'workspace')
      const change = edit(new Y.Doc(), (t) => t.insert(0, filler(40 * KiB)))

      const unconfirmed = await writer(relay, doc, session.accessToken)
      unconfirmed.send(updateFrame(change))
      expect(await unconfirmed.closed).toBe(CloseCode.QuotaExceeded)
      expect(await unconfirmed.reason).toMatch(/32768 bytes/)

      await relay.stores.users.updateUser(session.userId, { emailConfirmed: true })
      const confirmed = await writer(relay, doc, session.accessToken)
      confirmed.send(updateFrame(change))
      await confirmed.next('persisted')
      confirmed.close()
    })
  })
}

describe('Ferry\'s client over quota', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('shows what to do, keeps the change, does not reconnect in a loop, and tries again on syncNow() and on the next start', async () => {
    const relay = await startRelay({ ACCOUNT_QUOTA_BYTES: String(32 * KiB) })
    cleanups.push(() => relay.close(true))
    const name: DocName = docName('carol', 'collection', 'c1')
    const device = createDevice('laptop')
    let sockets = 0
    const connection = {
      url: (doc: DocName, token: string) => `${relay.wsUrl}/v1/sync/${doc}?token=${token}&ack=1`,
      token: () => sessionToken(relay, 'carol'),
      refreshToken: () => sessionToken(relay, 'carol'),
      createSocket: (url: string) => {
        sockets++
        return device.createSocket(url)
      },
      backoff: { minMs: 20, maxMs: 100 },
      online: null,
    }
    const store = await AccountStore.open(device.indexedDB)
    const storedDoc = await openLocalDoc(device.indexedDB, store, name)
    const local = storedDoc.local
    cleanups.push(async () => {
      await storedDoc.close()
      store.close()
    })
    const open = (): SyncProvider => {
      const provider = new SyncProvider(local.doc, name, connection)
      cleanups.push(() => void provider.destroy())
      return provider
    }
    let provider = open()
    await vi.waitFor(() => expect(describeStatus(provider.status)).toBe('in sync'), { timeout: 10_000 })
    const kept = filler(40 * KiB)
    local.doc.getText('t').insert(0, kept)

    await vi.waitFor(() => expect(provider.status.kind).toBe('error'), { timeout: 10_000 })
    const reason = (provider.status as { reason: string }).reason
    expect(reason).toMatch(/the account's storage quota of 32 KB on the relay is full; this change stays on this device/)
    expect(reason).toMatch(/deleting collections/)
    expect(reason).toMatch(/operator to raise the quota/)
    expect(sockets).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(sockets).toBe(1)
    expect(local.doc.getText('t').toString()).toBe(kept)

    provider.syncNow()
    await vi.waitFor(() => expect(sockets).toBe(2), { timeout: 5_000 })
    await vi.waitFor(() => expect(provider.status.kind).toBe('error'), { timeout: 10_000 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(sockets).toBe(2)

    await provider.destroy()
    provider = open()
    await vi.waitFor(() => expect(provider.status.kind).toBe('error'), { timeout: 10_000 })
    expect(sockets).toBe(3)
    expect(local.doc.getText('t').toString()).toBe(kept)
  })
})
