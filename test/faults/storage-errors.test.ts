/**
 * When storage fails (disk full, read-only), the relay keeps relaying live but acknowledges
 * nothing, keeps the unsaved room loaded, retries, and acknowledges and unloads once storage
 * works again. Storage is the real files store behind a switch that makes appends fail.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { DocName, UserId } from '@ferry/protocol'
import accessTokens from '../../relay/src/auth/access-tokens.ts'
import { LowdbAccountStore } from '../../relay/src/storage/lowdb/lowdb-account-store.ts'
import type { DocStore } from '../../relay/src/storage/doc-store.ts'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { InProcessBroadcast } from '../../relay/src/sync/broadcast.ts'
import sync from '../../relay/src/sync/index.ts'
import { testConfig } from '../helpers/relay.ts'
import { covers, rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

class FailingSwitch implements DocStore {
  failing = false
  failures = 0
  constructor(private readonly inner: DocStore) {}
  ping() {
    return this.inner.ping()
  }
  load(name: DocName) {
    return this.inner.load(name)
  }
  async append(name: DocName, updates: readonly Uint8Array[]) {
    if (this.failing) {
      this.failures++
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    }
    return this.inner.append(name, updates)
  }
  compact(name: DocName, snapshot: Uint8Array, through: number) {
    return this.inner.compact(name, snapshot, through)
  }
  delete(name: DocName) {
    return this.inner.delete(name)
  }
  deleteOwnedBy(owner: UserId) {
    return this.inner.deleteOwnedBy(owner)
  }
  usage(owner: UserId) {
    return this.inner.usage(owner)
  }
  usedBytes(owner: UserId) {
    return this.inner.usedBytes(owner)
  }
  release(name: DocName) {
    return this.inner.release(name)
  }
  close() {
    return this.inner.close()
  }
}

describe('storage errors', () => {
  let app: FastifyInstance
  afterEach(async () => {
    await app.close()
    rmSync(app.config.dataDir, { recursive: true, force: true })
  })

  it('never acknowledges, never unloads unsaved state, and recovers', async () => {
    const config = testConfig({ ROOM_IDLE_MS: '0' })
    const store = new FailingSwitch(new FilesDocStore(join(config.dataDir, 'docs'), randomBytes(32)))
    app = Fastify()
    app.decorate('config', config)
    const accounts = await LowdbAccountStore.open({ dir: join(config.dataDir, 'accounts') })
    app.addHook('onClose', () => accounts.close())
    await app.register(accessTokens, { config, sessions: accounts })
    await app.register(sync, { config, docStore: store, broadcast: new InProcessBroadcast() })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const wsUrl = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const token = await sessionToken({ app, stores: { sessions: accounts } }, 'alice')
    const doc = 'alice:workspace'

    const writer = await rawClient(syncUrl(wsUrl, doc, token, true))
    const leaver = await rawClient(syncUrl(wsUrl, doc, token, true))
    const peer = await rawClient(syncUrl(wsUrl, doc, token))
    await Promise.all([writer.next('sync-step1'), leaver.next('sync-step1'), peer.next('sync-step1')])
    store.failing = true

    const mine = new Y.Doc()
    mine.getMap('m').set('written', 'while the disk was full')
    writer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(mine) })
    const theirs = new Y.Doc()
    theirs.getMap('m').set('left', 'before it was saved')
    leaver.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(theirs) })
    await peer.next('sync-update')
    await peer.next('sync-update')
    await vi.waitFor(() => expect(store.failures).toBeGreaterThanOrEqual(3), 10_000)
    leaver.close()
    peer.close()
    await leaver.closed
    await vi.waitFor(() => expect(store.failures).toBeGreaterThanOrEqual(5), 10_000)
    expect(writer.messages.some((m) => m.type === 'persisted')).toBe(false)
    expect(app.sync.loadedRooms).toBe(1)

    store.failing = false
    const { stateVector } = await writer.next('persisted', 10_000)
    expect(covers(stateVector, Y.encodeStateVector(mine))).toBe(true)
    writer.close()
    await vi.waitFor(() => expect(app.sync.loadedRooms).toBe(0), 10_000)

    const loaded = await readStoredDoc(wsUrl, doc, token)
    expect(loaded.getMap('m').toJSON()).toEqual({ written: 'while the disk was full', left: 'before it was saved' })
  })
})
