/**
 * Attack: updates each under `MAX_UPDATE_DECODED_BYTES` that add up once applied (docs/decisions.md,
 * "A memory budget for loaded docs"). Crafted root names stay in a doc at ~100× their stored
 * size: four updates of 294,000 (2.3 MB each) took a doc to 811 MB of heap and a fifth crashed a
 * relay with a 1 GiB heap, for every user. Loaded docs are now charged their estimated memory:
 * past `MAX_DOC_DECODED_BYTES` an update is refused with 4413 (that doc alone on /v1/mux), past
 * the relay's `ROOMS_MEMORY_BUDGET_BYTES` a load or update is refused with 1013 and a
 * retry-after, and accepted once the docs holding the memory unloaded. A doc may have at most
 * `MAX_ROOT_TYPES` root types (encoding one with many more took minutes of CPU).
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkUpdate, CloseCode, decodedCost, DOC_TOO_LARGE_REASON, MAX_ROOT_TYPES, retryAfterSeconds, TOO_MANY_ROOTS_REASON } from '@ferry/protocol'
import { craftedUpdate } from '../../packages/protocol/src/update-cost/testing/crafted-updates.ts'
import { muxClient, muxUrl, openRequest, type MuxClient } from '../helpers/mux-client.ts'
import { processToken, spawnRelay, TEST_JWT_SECRET, type RelayProcess } from '../helpers/relay-process.ts'
import { startRelay, tempDataDir, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { covers, rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { honestEdit, write, type Outcome } from '../helpers/update-writes.ts'

/** A chain of 6,000 empty byte arrays as `client`: ~2.6 MB estimated for a few KB sent. */
const small = (client: number): Uint8Array => craftedUpdate('binary-chain', 6_000, client)
const COST = estimate(small(2))

function estimate(update: Uint8Array): number {
  const checked = checkUpdate(update, Number.POSITIVE_INFINITY)
  if (!checked.ok) throw new Error(checked.error.message)
  return decodedCost(checked.value)
}

/** `write` again while the relay answers 1013 (as a client does after the retry-after); the refusals it took. */
async function writeRetrying(wsUrl: string, token: string, name: string, update: Uint8Array): Promise<number> {
  for (let refusals = 0; refusals < 200; refusals++) {
    const outcome = await write(wsUrl, token, name, update)
    if (outcome.accepted) return refusals
    expect(outcome.code).toBe(CloseCode.TryAgainLater)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${name}: still refused for memory after 200 tries`)
}

/** Waits on `mux` for a `persisted` of `name` covering `update`. */
async function persistedOnMux(mux: MuxClient, name: string, update: Uint8Array): Promise<void> {
  const stateVector = Y.encodeStateVectorFromUpdate(update)
  for (let ack = await mux.doc(name, 'persisted', 60_000); !covers(ack.stateVector, stateVector); ack = await mux.doc(name, 'persisted', 60_000));
}

const TOO_LARGE = new RegExp(`^${DOC_TOO_LARGE_REASON}: with this change it would take about \\d+ MB, over the limit of \\d+ MB$`)

describe('a memory budget for loaded docs, on an in-process relay', () => {
  let relay: TestRelay
  afterEach(() => relay.close(true))

  it('refuses an update that takes a doc past MAX_DOC_DECODED_BYTES with 4413, on /v1/sync and for that doc alone on /v1/mux; honest edits under it still apply', async () => {
    // Room for three crafted updates and some typing, not for a fourth.
    relay = await startRelay({ MAX_DOC_DECODED_BYTES: String(3 * COST + 256 * 1024), UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const [alice, bob] = [await sessionToken(relay, 'alice'), await sessionToken(relay, 'bob')]
    const name = 'alice:collection:bombed'
    for (const client of [2, 3, 4]) expect(await write(relay.wsUrl, alice, name, small(client))).toEqual({ accepted: true })

    const refused = await write(relay.wsUrl, alice, name, small(5))
    expect(refused).toMatchObject({ accepted: false, code: CloseCode.ChangeTooLarge, reason: expect.stringMatching(TOO_LARGE) })
    expect(await write(relay.wsUrl, alice, name, honestEdit('still typing'))).toEqual({ accepted: true })

    const mux = await muxClient(muxUrl(relay.wsUrl, alice))
    mux.open([openRequest(name), openRequest('alice:collection:other')])
    await mux.control('opened', 30_000)
    mux.send(name, { type: 'sync-update', update: small(6) })
    expect(await mux.refused(name, 30_000)).toMatchObject({ code: CloseCode.ChangeTooLarge, reason: expect.stringMatching(TOO_LARGE) })
    const edit = honestEdit('unaffected')
    mux.send('alice:collection:other', { type: 'sync-update', update: edit })
    await persistedOnMux(mux, 'alice:collection:other', edit)
    mux.end()

    expect(await write(relay.wsUrl, bob, 'bob:collection:notes', honestEdit('bob is answered'))).toEqual({ accepted: true })
  }, 120_000)

  it(`refuses an update that would give a doc more than ${MAX_ROOT_TYPES} root types (encoding such a doc is quadratic), in one update or adding up`, async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const alice = await sessionToken(relay, 'alice')
    const tooMany = { accepted: false, code: CloseCode.ChangeTooLarge, reason: `${TOO_MANY_ROOTS_REASON}: more than ${MAX_ROOT_TYPES}` }
    expect(await write(relay.wsUrl, alice, 'alice:collection:one-go', craftedUpdate('root-names', MAX_ROOT_TYPES + 1, 2))).toEqual(tooMany)

    const name = 'alice:collection:adding-up'
    expect(await write(relay.wsUrl, alice, name, craftedUpdate('root-names', MAX_ROOT_TYPES / 2, 2))).toEqual({ accepted: true })
    expect(await write(relay.wsUrl, alice, name, craftedUpdate('root-names', MAX_ROOT_TYPES / 2 + 1, 3))).toEqual(tooMany)
    // Roots the doc has already are no new ones: honest typing into one of them goes on.
    expect(await write(relay.wsUrl, alice, name, honestEdit('still typing'))).toEqual({ accepted: true })
  }, 120_000)

  it('refuses loads and updates past ROOMS_MEMORY_BUDGET_BYTES with 1013 and a retry-after, and takes them once the docs holding the memory unloaded', async () => {
    // Room for one crafted doc and typing, not two; a doc unused for a second unloads.
    relay = await startRelay({ ROOMS_MEMORY_BUDGET_BYTES: String(COST + 256 * 1024), ROOM_IDLE_UNLOAD_MS: '1000', UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const [alice, bob] = [await sessionToken(relay, 'alice'), await sessionToken(relay, 'bob')]
    expect(await write(relay.wsUrl, alice, 'alice:collection:stored', small(2))).toEqual({ accepted: true })
    // Still loaded, nobody on it: unloaded for the next doc's update, which retries meanwhile.
    expect(await writeRetrying(relay.wsUrl, alice, 'alice:collection:first', small(3))).toBeGreaterThan(0)

    // The first doc stays loaded while someone types in it: a second doc is refused.
    const first = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:first', alice))
    const keepUsing = setInterval(() => first.send({ type: 'sync-update', update: honestEdit('.') }), 100)
    try {
      const loading = await rawClient(syncUrl(relay.wsUrl, 'alice:collection:stored', alice))
      const [code, reason] = await new Promise<[number, string]>((resolve) => loading.ws.on('close', (c, r) => resolve([c, r.toString()])))
      expect(code).toBe(CloseCode.TryAgainLater)
      expect(retryAfterSeconds(reason)).toBeGreaterThan(0)

      const mux = await muxClient(muxUrl(relay.wsUrl, alice))
      mux.open([openRequest('alice:collection:second')])
      await mux.control('opened', 30_000)
      mux.send('alice:collection:second', { type: 'sync-update', update: small(4) })
      const refused = await mux.refused('alice:collection:second', 30_000)
      expect(refused.code).toBe(CloseCode.TryAgainLater)
      expect(retryAfterSeconds(refused.reason)).toBeGreaterThan(0)
      mux.end()
    } finally {
      clearInterval(keepUsing)
    }
    // Left alone (its socket still open), the first doc unloads; the second doc's update then goes through.
    await writeRetrying(relay.wsUrl, alice, 'alice:collection:second', small(4))
    first.close()
    expect(await write(relay.wsUrl, bob, 'bob:collection:notes', honestEdit('bob is answered'))).toEqual({ accepted: true })
  }, 120_000)
})

describe('a relay process with a 1 GiB heap, default limits', () => {
  let relay: RelayProcess
  afterEach(async () => {
    relay.child.kill('SIGTERM')
    await relay.exited
  })

  // A chain of 580,000 empty byte arrays (3.5 MB, estimated 249 MB) takes ~250 MB in a doc: five
  // of them exhausted this heap before. (Root names, the finding's kind, take as much, but a doc
  // of 588,000 roots takes minutes to encode: see docs/decisions.md.)
  it('survives five crafted updates each just under the one-update limit: the doc past 512 MiB is refused with 4413, a second doc past the budget with 1013, and others are answered', async () => {
    const dataDir = tempDataDir()
    const env = { FERRY_JWT_SECRET: TEST_JWT_SECRET }
    const [alice, bob] = [await processToken('alice', dataDir, env), await processToken('bob', dataDir, env)]
    relay = await spawnRelay(dataDir, { ...env, NODE_OPTIONS: '--max-old-space-size=1024', UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const big = (client: number): Uint8Array => craftedUpdate('binary-chain', 580_000, client)

    // Decoding each costs the account apply time: once it spent its share it is told to wait
    // (1013) before anything is decoded, and sends again after the wait, as a client does.
    const writeAfterWaits = async (update: Uint8Array): Promise<Outcome> => {
      for (;;) {
        const outcome = await write(relay.wsUrl, alice, 'alice:collection:bombed', update)
        if (outcome.accepted || outcome.code !== CloseCode.TryAgainLater || !/took too long to apply/.test(outcome.reason)) return outcome
        await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds(outcome.reason)! * 1000))
      }
    }
    const outcomes: Outcome[] = []
    for (const client of [2, 3, 4, 5, 6]) outcomes.push(await writeAfterWaits(big(client)))
    expect(outcomes.map((o) => (o.accepted ? 'accepted' : o.code))).toEqual(['accepted', 'accepted', CloseCode.ChangeTooLarge, CloseCode.ChangeTooLarge, CloseCode.ChangeTooLarge])
    expect(outcomes[2]).toMatchObject({ reason: expect.stringMatching(TOO_LARGE) })

    const second = await write(relay.wsUrl, alice, 'alice:collection:second', big(7))
    expect(second).toMatchObject({ accepted: false, code: CloseCode.TryAgainLater })

    expect(await write(relay.wsUrl, bob, 'bob:collection:notes', honestEdit('bob is answered'))).toEqual({ accepted: true })
    expect(relay.child.exitCode).toBeNull()
  }, 600_000)
})
