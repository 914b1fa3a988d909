/**
 * Attack: answers counted to an account's apply time (docs/decisions.md, "Apply time counts the
 * decode"). A step 1 or an open that needs a diff computed counts to the owner's bucket and waits
 * with it — found by an attack review of that change: a resync queued behind a failing update
 * never settled (the socket's opens hung), a share-link viewer could keep the owner's writes
 * waiting, and step 1s queued during a load all ran, uncounted, in one turn (13 s in which the
 * relay answered nobody).
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, encodeBackup, type UserId } from '@ferry/protocol'
import { WorkspaceIndex } from '@ferry/schema'
import { integrationWalk, unparsableJson } from '../../packages/protocol/src/update-cost/testing/crafted-updates.ts'
import { call } from '../helpers/links.ts'
import { muxClient, muxUrl, openedOnce, openRequest } from '../helpers/mux-client.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { shareCollection, useStockProviders } from '../helpers/shared-collection.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { honestEdit, write } from '../helpers/update-writes.ts'

/** 80 KB that take ~1.7 s to be refused (4413): what spends an account's 5 s share. */
const walk = integrationWalk(8_000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A step 1 with an empty state vector on a new socket: 'answered', or the close code. */
async function askedWhole(wsUrl: string, name: string, token: string): Promise<number | 'answered'> {
  const client = await rawClient(syncUrl(wsUrl, name, token))
  const closed = new Promise<number>((resolve) => client.ws.on('close', (code) => resolve(code)))
  client.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })
  const outcome = await Promise.race([client.next('sync-step2', 30_000).then(() => 'answered' as const), closed])
  client.close()
  return outcome
}

describe('apply time of answers', () => {
  let relay: TestRelay
  const { open } = useStockProviders()
  afterEach(() => relay.close(true))

  it('answers a resync asked behind an update that fails while its doc loads, and the socket opens other docs after', async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0', ROOM_IDLE_MS: '300', ROOM_IDLE_UNLOAD_MS: '300' })
    const alice = await sessionToken(relay, 'alice')
    const [name, other] = ['alice:collection:d', 'alice:collection:other']
    expect(await write(relay.wsUrl, alice, name, honestEdit('stored'))).toEqual({ accepted: true })
    expect(await write(relay.wsUrl, alice, other, honestEdit('other'))).toEqual({ accepted: true })
    await sleep(1_000)
    const client = await muxClient(muxUrl(relay.wsUrl, alice))
    client.open([openRequest(name)])
    await client.control('opened', 10_000)
    // Answered from the stored bytes, the doc is not loaded: the update waits for its load, the resync behind it.
    client.send(name, { type: 'sync-update', update: unparsableJson() })
    client.open([openRequest(name)])
    expect((await client.refused(name, 30_000)).code).toBe(CloseCode.Malformed)
    client.open([openRequest(other)])
    // The resync's own `opened` (listing nothing: its doc was refused) comes first.
    let opened: string[] = []
    for (let i = 0; i < 3 && !opened.includes(other); i++) opened = [...(await client.control('opened', 10_000)).docs]
    expect(opened).toContain(other)
    client.end()
  }, 60_000)

  it("reads a doc for an open only while its account may spend apply time: past its share, an open of a doc not loaded waits (1013) before the doc is read, a new device's too", async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0', ROOM_IDLE_MS: '300', ROOM_IDLE_UNLOAD_MS: '300' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:read'
    expect(await write(relay.wsUrl, alice, name, honestEdit('stored'))).toEqual({ accepted: true })
    const outcomes: (number | 'answered')[] = []
    for (let i = 0; i < 12 && outcomes.at(-1) !== CloseCode.TryAgainLater; i++) {
      await write(relay.wsUrl, alice, 'alice:collection:burn', walk)
      // Unloaded by now: the open reads it from the store (the burn spent less than a second since it last could).
      await sleep(1_000)
      outcomes.push(await openedOnce(relay.wsUrl, alice, name, 'persisted'))
    }
    expect(outcomes[0]).toBe('answered')
    expect(outcomes.at(-1)).toBe(CloseCode.TryAgainLater)
  }, 120_000)

  it('answers an open from the stored state another open of the doc read and kept, while the account waits: nothing more is read', async () => {
    // Unloaded soon after its last socket left, but kept for a minute while one stays.
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0', ROOM_IDLE_MS: '300' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:kept'
    expect(await write(relay.wsUrl, alice, name, honestEdit('stored'))).toEqual({ accepted: true })
    await sleep(1_000)
    // The first device's open reads the doc and the room keeps what it read (the doc stays unloaded).
    const first = await muxClient(muxUrl(relay.wsUrl, alice))
    first.open([openRequest(name)])
    await first.doc(name, 'persisted', 10_000)
    const rounds: { burn: number | 'accepted'; second: number | 'answered' }[] = []
    for (let i = 0; i < 12 && rounds.at(-1)?.burn !== CloseCode.TryAgainLater; i++) {
      const burn = await write(relay.wsUrl, alice, 'alice:collection:burn', walk)
      rounds.push({ burn: burn.accepted ? 'accepted' : burn.code, second: await openedOnce(relay.wsUrl, alice, name, 'persisted') })
    }
    first.end()
    expect(rounds.at(-1)?.burn).toBe(CloseCode.TryAgainLater)
    expect(rounds.map((round) => round.second)).toEqual(rounds.map(() => 'answered'))
  }, 120_000)

  it('restores a backup while the account waits for its apply time: the docs it cannot take now are refused with the wait in the report, not a 500', async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const id = 'restorer' as UserId
    await relay.stores.users.createUser({ id, email: 'restorer@example.test', name: 'Ada', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
    const token = await sessionToken(relay, id)
    const index = new Y.Doc()
    new WorkspaceIndex(index).addCollection('Orders', 'orders')
    const file = encodeBackup({ createdAt: new Date().toISOString(), source: { relay: null, accountId: 'someone-else' as UserId, email: null }, profile: null, vault: null, docs: [{ kind: 'workspace', id: null, update: Y.encodeStateAsUpdate(index) }] })
    // Each round spends more of the account's share, then restores (the same file again: idempotent).
    const answers: { status: number; skipped: unknown[] }[] = []
    for (let i = 0; i < 12 && !(answers.at(-1)?.skipped.length ?? 0); i++) {
      await write(relay.wsUrl, token, `${id}:collection:burn`, walk)
      const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: file })
      const body = (await response.json()) as { skipped?: unknown[] }
      answers.push({ status: response.status, skipped: body.skipped ?? [] })
    }
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200))
    expect(answers.at(-1)?.skipped).toEqual([{ kind: 'workspace', reason: 'refused', message: expect.stringMatching(/took too long to apply lately; retry-after=\d+/) }])
  }, 120_000)

  it('restores a backup one of whose docs would grow past its memory limit: that doc is refused with the reason in the report, the others restored, not a 500', async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0', MAX_DOC_DECODED_BYTES: String(1024 * 1024) })
    const id = 'big-restorer' as UserId
    await relay.stores.users.createUser({ id, email: 'big-restorer@example.test', name: 'Ada', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
    const token = await sessionToken(relay, id)
    const index = new Y.Doc()
    new WorkspaceIndex(index).addCollection('Big', 'big')
    // ~30,000 entries decode to several MB, past the doc limit of 1 MB set above.
    const big = new Y.Doc()
    big.transact(() => {
      for (let i = 0; i < 30_000; i++) big.getMap('requests').set(`r${i}`, i)
    })
    const file = encodeBackup({
      createdAt: new Date().toISOString(),
      source: { relay: null, accountId: 'someone-else' as UserId, email: null },
      profile: null,
      vault: null,
      docs: [{ kind: 'workspace', id: null, update: Y.encodeStateAsUpdate(index) }, { kind: 'collection', id: 'big', update: Y.encodeStateAsUpdate(big) }],
    })
    const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: file })
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { restored: unknown[]; skipped: unknown[] }
    expect(answer.restored).toEqual([{ kind: 'workspace' }])
    expect(answer.skipped).toEqual([{ kind: 'collection', id: 'big', reason: 'refused', message: expect.stringMatching(/^The relay refused it: .*too large/) }])
  }, 60_000)

  it("does not count a share-link viewer's questions to the owner: the viewer is answered while the owner waits", async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const { owner, doc, link } = await shareCollection(relay, open)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.token}`)).body.viewerToken as string
    const seen: { burn: number | 'accepted'; viewer: number | 'answered'; owner: number | 'answered' }[] = []
    // Until the owner's own question waits: each round, the viewer asks too.
    for (let i = 0; i < 12 && seen.at(-1)?.owner !== CloseCode.TryAgainLater; i++) {
      const burn = await write(relay.wsUrl, owner.token, `${owner.id}:collection:burn`, walk)
      seen.push({ burn: burn.accepted ? 'accepted' : burn.code, viewer: await askedWhole(relay.wsUrl, doc, viewer), owner: await askedWhole(relay.wsUrl, doc, owner.token) })
    }
    expect(seen.at(-1)?.owner).toBe(CloseCode.TryAgainLater)
    expect(seen.map((round) => round.viewer)).toEqual(seen.map(() => 'answered'))
  }, 120_000)

  it('checks step 1s that waited for the doc to load again when they run: past the share they wait (1013), not all answered in one turn', async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0', ROOM_IDLE_UNLOAD_MS: '1000', SYNC_REQUESTS_PER_MINUTE: '1000' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:big'
    // 200,000 entries (4.7 MB): an empty state vector encodes all of it, ~50–120 ms each.
    const big = new Y.Doc()
    big.transact(() => {
      for (let i = 0; i < 200_000; i++) big.getMap('requests').set(`r${i}`, i)
    })
    expect(await write(relay.wsUrl, alice, name, Y.encodeStateAsUpdate(big))).toEqual({ accepted: true })
    // A socket that stays while the doc unloads: its questions wait for the load, all together.
    const client = await rawClient(syncUrl(relay.wsUrl, name, alice))
    const closed = new Promise<number>((resolve) => client.ws.on('close', (code) => resolve(code)))
    await client.next('sync-step1')
    await sleep(3_000)
    for (let i = 0; i < 150; i++) client.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })
    const code = await Promise.race([closed, sleep(60_000).then(() => 'still open' as const)])
    const answered = client.messages.filter((m) => m.type === 'sync-step2').length
    client.close()
    expect(code).toBe(CloseCode.TryAgainLater)
    expect(answered).toBeLessThan(150)
  }, 120_000)
})
