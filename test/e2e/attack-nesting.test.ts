/**
 * Attack: nesting (docs/decisions.md, "Update-cost and memory budget, attacked"). Shared types
 * nested thousands deep: yjs walks every changed type's ancestors when a transaction ends, so 10,000 nested
 * maps, then a 100 KB update giving each a key (estimated 5 MB), took 10 s of CPU and 770 MB of
 * heap — 20,000 exhausted a relay's heap — and deleting such a chain overflows the stack in the
 * middle of a transaction, leaving the doc half-changed. A room now refuses an update that would
 * nest a type deeper than `MAX_TYPE_DEPTH` with 4413, before applying it. Legacy JSON text
 * (JSON, embed and format content) nested 100,000 deep in 200 KB: yjs parses it, but every
 * encoding of the doc recursed in `JSON.stringify` and threw — no compaction, no unload, no
 * device sent the doc. The update-cost scan now refuses it like Any values nested too deep.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, MAX_ANY_DEPTH, TOO_COSTLY_REASON } from '@ferry/protocol'
import { nestedJson } from '../../packages/protocol/src/update-cost/testing/crafted-updates.ts'
import { MAX_TYPE_DEPTH } from '../../relay/src/sync/type-depth.ts'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { honestEdit, write } from '../helpers/update-writes.ts'

/** A doc of `depth` maps nested under the root map `r`, and its deepest map. */
function nested(depth: number, doc = new Y.Doc()): { doc: Y.Doc; deepest: Y.Map<unknown> } {
  let map = doc.getMap('r')
  doc.transact(() => {
    for (let i = 0; i < depth; i++) {
      const child = new Y.Map<unknown>()
      map.set('k', child)
      map = child
    }
  })
  return { doc, deepest: map }
}

const TOO_DEEP = { accepted: false, code: CloseCode.ChangeTooLarge, reason: `${TOO_COSTLY_REASON}: its shared types would nest deeper than ${MAX_TYPE_DEPTH} levels` }

describe('nesting', () => {
  let relay: TestRelay
  afterEach(() => relay.close(true))

  it(`refuses an update nesting a type deeper than ${MAX_TYPE_DEPTH} levels with 4413, in one update or adding up, on /v1/sync and /v1/mux; the relay answers others`, async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const [alice, bob] = [await sessionToken(relay, 'alice'), await sessionToken(relay, 'bob')]

    // The bomb's first half: 10,000 levels in one update (80 KB, estimated 9 MB).
    expect(await write(relay.wsUrl, alice, 'alice:collection:one-go', Y.encodeStateAsUpdate(nested(10_000).doc))).toEqual(TOO_DEEP)

    // The deepest allowed, then one level more under it from another update.
    const name = 'alice:collection:adding-up'
    const { doc, deepest } = nested(MAX_TYPE_DEPTH - 1)
    expect(await write(relay.wsUrl, alice, name, Y.encodeStateAsUpdate(doc))).toEqual({ accepted: true })
    // Values at the deepest level are no deeper types.
    let before = Y.encodeStateVector(doc)
    deepest.set('v', 'a value')
    expect(await write(relay.wsUrl, alice, name, Y.encodeStateAsUpdate(doc, before))).toEqual({ accepted: true })
    before = Y.encodeStateVector(doc)
    deepest.set('k', new Y.Map())
    const deeper = Y.encodeStateAsUpdate(doc, before)
    expect(await write(relay.wsUrl, alice, name, deeper)).toEqual(TOO_DEEP)
    expect(await write(relay.wsUrl, alice, name, honestEdit('still typing'))).toEqual({ accepted: true })

    const mux = await muxClient(muxUrl(relay.wsUrl, alice))
    mux.open([openRequest(name)])
    await mux.control('opened', 30_000)
    mux.send(name, { type: 'sync-update', update: deeper })
    expect(await mux.refused(name, 30_000)).toMatchObject({ code: CloseCode.ChangeTooLarge, reason: TOO_DEEP.reason })
    mux.end()

    expect(await write(relay.wsUrl, bob, 'bob:collection:notes', honestEdit('bob is answered'))).toEqual({ accepted: true })
  }, 60_000)

  it(`refuses legacy JSON text nested deeper than ${MAX_ANY_DEPTH} levels with 4413; the doc is still sent to a new device`, async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:json'
    expect(await write(relay.wsUrl, alice, name, honestEdit('before'))).toEqual({ accepted: true })
    for (const kind of [2, 5, 6] as const) {
      expect(await write(relay.wsUrl, alice, name, nestedJson(100_000, kind))).toEqual({
        accepted: false,
        code: CloseCode.ChangeTooLarge,
        reason: `${TOO_COSTLY_REASON}: its values nest deeper than ${MAX_ANY_DEPTH} levels`,
      })
    }
    const device = await rawClient(syncUrl(relay.wsUrl, name, alice))
    device.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(new Y.Doc()) })
    const answer = await device.next('sync-step2', 10_000)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, answer.update)
    expect(doc.getText('body').toString()).toBe('before')
    device.close()
  }, 60_000)
})
