/**
 * Attack: Yjs updates that decode to far more memory than they weigh (docs/decisions.md,
 * "Updates that decode to far more than they weigh"). 16 MB of 2-byte GC structs decode to
 * ~900 MB: sent by any signed-in account over /v1/sync, /v1/mux or in a backup file, it took
 * down a relay with a 1 GiB heap for every user. The relay here runs as its own process with a
 * 768 MiB heap, as a small self-hosted one would: the bomb is refused with 4413 (for that doc
 * alone on a multiplexed socket) or a sentence (a backup), nothing of it is stored, and the
 * relay goes on answering everyone. The 10,000-request Postman import, the largest honest
 * update Ferry plans for, still goes through all three ways. On files and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, TOO_COSTLY_REASON } from '@ferry/protocol'
import { Collection, importPostman } from '@ferry/schema'
import { craftedUpdate } from '../../packages/protocol/src/update-cost/testing/crafted-updates.ts'
import { bigPostmanCollection } from '../bench/postman-big-collection.ts'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { processToken, spawnRelay, TEST_JWT_SECRET, type RelayProcess } from '../helpers/relay-process.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { covers, rawClient, syncUrl, type RawClient } from '../helpers/sync-clients.ts'
import type { MuxClient } from '../helpers/mux-client.ts'

/** The finding's bomb: 8 million GC structs, 16 MB. */
const bomb = craftedUpdate('gc', 8_000_000)
const REFUSAL = `${TOO_COSTLY_REASON}: it would take about 916 MB of memory, over the limit of 256 MB`

/** The 10,000-request Postman import (21 MB), one transaction, and its state vector. */
const honest = (() => {
  const collection = new Collection(new Y.Doc())
  const imported = importPostman(collection, bigPostmanCollection(10_000))
  if (!imported.ok) throw new Error(imported.error.message)
  return { update: Y.encodeStateAsUpdate(collection.doc), stateVector: Y.encodeStateVector(collection.doc) }
})()

/** Waits for a `persisted` covering `stateVector` (the relay also sends one when a doc opens). */
async function persisted(next: () => Promise<{ stateVector: Uint8Array }>, stateVector: Uint8Array): Promise<void> {
  for (let ack = await next(); !covers(ack.stateVector, stateVector); ack = await next());
}
const onSync = (client: RawClient) => () => client.next('persisted', 60_000)
const onMux = (mux: MuxClient, name: string) => () => mux.doc(name, 'persisted', 60_000)

const backupFile = (update: Uint8Array): string =>
  JSON.stringify({
    format: 'ferry-account-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    source: { accountId: 'alice' },
    docs: [{ kind: 'collection', id: 'restored', update: Buffer.from(update).toString('base64') }],
  })

const EMPTY = Y.encodeStateVector(new Y.Doc())

describe.each(RELAY_BACKENDS)('updates that decode to far more than they weigh, on $name', (backend) => {
  let relay: RelayProcess
  let httpUrl: string
  let cleanup = async (): Promise<void> => undefined
  const tokens: Record<string, string> = {}

  beforeAll(async () => {
    if (backend.skip) return
    const dataDir = tempDataDir()
    const prepared = await backend.env()
    cleanup = prepared.cleanup
    // The test's tokens are signed with the secret the process is started with.
    const env = { ...prepared.env, FERRY_JWT_SECRET: TEST_JWT_SECRET }
    for (const user of ['alice', 'bob']) tokens[user] = await processToken(user, dataDir, env)
    relay = await spawnRelay(dataDir, { ...env, NODE_OPTIONS: '--max-old-space-size=768', UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    httpUrl = relay.wsUrl.replace(/^ws/, 'http')
  }, 120_000)

  afterAll(async () => {
    if (backend.skip) return
    relay.child.kill('SIGTERM')
    await relay.exited
    await cleanup()
  })

  /** The state vector of what the relay holds of `name`, as a fresh socket reads it (a large doc takes a while to load). */
  async function held(name: string): Promise<Uint8Array> {
    const reader = await rawClient(syncUrl(relay.wsUrl, name, tokens.alice!))
    reader.send({ type: 'sync-step1', stateVector: EMPTY })
    const { update } = await reader.next('sync-step2', 60_000)
    reader.close()
    return Y.encodeStateVectorFromUpdate(update)
  }

  /** Bob writes to his own doc and the relay stores it: it is up and answers others. */
  async function answersOthers(): Promise<void> {
    const bob = await rawClient(syncUrl(relay.wsUrl, 'bob:collection:notes', tokens.bob!, true))
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'still here')
    bob.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
    await persisted(onSync(bob), Y.encodeStateVector(doc))
    bob.close()
    expect(relay.child.exitCode).toBeNull()
  }

  it.skipIf(backend.skip)('a GC-struct bomb over /v1/sync closes its socket with 4413, stores nothing, and the relay answers others', async () => {
    const alice = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:bomb', tokens.alice!, true))
    const closed = new Promise<{ code: number; reason: string }>((resolve) => alice.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    alice.send({ type: 'sync-update', update: bomb })
    const { code, reason } = await closed
    expect(code).toBe(CloseCode.ChangeTooLarge)
    expect(reason).toBe(REFUSAL)
    await answersOthers()
    expect(await held('alice:collection:bomb')).toEqual(EMPTY)
  }, 120_000)

  it.skipIf(backend.skip)('a GC-struct bomb over /v1/mux refuses its doc alone with 4413; the socket\'s other docs carry on', async () => {
    const mux = await muxClient(muxUrl(relay.wsUrl, tokens.alice!))
    mux.open([openRequest('alice:collection:mux-bomb'), openRequest('alice:collection:mux-other')])
    await mux.control('opened', 30_000)
    mux.send('alice:collection:mux-bomb', { type: 'sync-update', update: bomb })
    const refused = await mux.refused('alice:collection:mux-bomb', 60_000)
    expect(refused).toMatchObject({ code: CloseCode.ChangeTooLarge, reason: REFUSAL })
    const other = new Y.Doc()
    other.getText('body').insert(0, 'unaffected')
    mux.send('alice:collection:mux-other', { type: 'sync-update', update: Y.encodeStateAsUpdate(other) })
    await persisted(onMux(mux, 'alice:collection:mux-other'), Y.encodeStateVector(other))
    mux.end()
    await answersOthers()
    expect(await held('alice:collection:mux-bomb')).toEqual(EMPTY)
  }, 120_000)

  it.skipIf(backend.skip)('a backup file holding a GC-struct bomb is refused with a sentence, restoring nothing', async () => {
    const response = await fetch(`${httpUrl}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' }, body: backupFile(bomb) })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      error: { code: 'backup_too_large', message: `This backup's docs[0].update is too costly to read: ${REFUSAL.slice(TOO_COSTLY_REASON.length + 2)}.` },
    })
    await answersOthers()
    expect(await held('alice:collection:restored')).toEqual(EMPTY)
  }, 120_000)

  it.skipIf(backend.skip)('the 10,000-request Postman import goes through /v1/sync, /v1/mux and a backup file', async () => {
    const sync = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:import-sync', tokens.alice!, true))
    sync.send({ type: 'sync-update', update: honest.update })
    await persisted(onSync(sync), honest.stateVector)
    sync.close()

    const mux = await muxClient(muxUrl(relay.wsUrl, tokens.alice!))
    mux.open([openRequest('alice:collection:import-mux')])
    await mux.control('opened', 30_000)
    mux.send('alice:collection:import-mux', { type: 'sync-update', update: honest.update })
    await persisted(onMux(mux, 'alice:collection:import-mux'), honest.stateVector)
    mux.end()

    const response = await fetch(`${httpUrl}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' }, body: backupFile(honest.update) })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ restored: [{ kind: 'collection', id: 'restored' }], skipped: [] })

    for (const name of ['alice:collection:import-sync', 'alice:collection:import-mux', 'alice:collection:restored']) {
      expect(await held(name)).toEqual(honest.stateVector)
    }
  }, 240_000)
})

