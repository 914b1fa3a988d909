/**
 * Attack: changes that wait for content the relay lacks (docs/decisions.md, "Update-cost and
 * memory budget, attacked"). Yjs keeps deletions of structs a doc lacks and reads all of them
 * again on every later update, and merges structs waiting for missing ones with every later
 * update that waits too: 400,000 made-up deletion ranges made each later keystroke into the doc
 * take 81 ms instead of well under 1. A room now refuses (4413, nothing kept) an update from a
 * socket that leaves more than `MAX_WAITING_CHANGES` such deletions and structs in its doc.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, WAITS_ON_MISSING_REASON } from '@ferry/protocol'
import { MAX_WAITING_CHANGES } from '../../relay/src/sync/waiting-changes.ts'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { readStoredDoc } from '../helpers/sync-clients.ts'
import { honestEdit, write } from '../helpers/update-writes.ts'

/** `n` separate one-character items of `client` in the text `body`, each inserted at the start (so none merge). */
function typedBackwards(client: number, n: number): Y.Doc {
  const doc = new Y.Doc()
  doc.clientID = client
  const text = doc.getText('body')
  doc.transact(() => {
    for (let i = 0; i < n; i++) text.insert(0, 'x')
  })
  return doc
}

/** Deletions of `n` ranges of `client`'s content, without that content: an update of a delete set alone. */
function deletionsOfMissing(client: number, n: number): Uint8Array {
  const doc = typedBackwards(client, 2 * n)
  const text = doc.getText('body')
  // Every other character: n ranges that cannot merge.
  doc.transact(() => {
    for (let i = n - 1; i >= 0; i--) text.delete(2 * i, 1)
  })
  const update = Y.encodeStateAsUpdate(doc)
  return Y.diffUpdate(update, Y.encodeStateVectorFromUpdate(update))
}

/** `client`'s `n` items without its first one, which they all build on. */
function structsAfterAGap(client: number, n: number): { first: Uint8Array; rest: Uint8Array } {
  const doc = typedBackwards(client, n + 1)
  const update = Y.encodeStateAsUpdate(doc)
  const first = Y.encodeStateAsUpdate(typedBackwards(client, 1))
  return { first, rest: Y.diffUpdate(update, Y.encodeStateVectorFromUpdate(first)) }
}

const deletedClients = (doc: Y.Doc): number[] => {
  const update = Y.encodeStateAsUpdate(doc)
  return [...Y.decodeUpdate(update).ds.clients.keys()]
}

describe('changes waiting for content the relay lacks', () => {
  let relay: TestRelay
  afterEach(() => relay.close(true))

  it(`refuses an update leaving more than ${MAX_WAITING_CHANGES} of them with 4413, keeps nothing of it, and the doc stays quick to write`, async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:dangling'
    expect(await write(relay.wsUrl, alice, name, honestEdit('before'))).toEqual({ accepted: true })

    // Made-up deletions of content nobody wrote.
    const refused = await write(relay.wsUrl, alice, name, deletionsOfMissing(999, 50_000))
    expect(refused).toMatchObject({ accepted: false, code: CloseCode.ChangeTooLarge })
    expect(refused.accepted === false && refused.reason).toMatch(new RegExp(`^${WAITS_ON_MISSING_REASON}: 50000 changes would wait \\(at most ${MAX_WAITING_CHANGES}\\)$`))
    // Structs after a gap of their own client.
    const { rest } = structsAfterAGap(777, MAX_WAITING_CHANGES + 10)
    const refusedStructs = await write(relay.wsUrl, alice, name, rest)
    expect(refusedStructs).toMatchObject({ accepted: false, code: CloseCode.ChangeTooLarge })
    expect(refusedStructs.accepted === false && refusedStructs.reason).toMatch(new RegExp(`^${WAITS_ON_MISSING_REASON}: `))

    // Nothing of either was kept: a new device gets the doc without them, and typing goes on.
    expect(await write(relay.wsUrl, alice, name, honestEdit('after'))).toEqual({ accepted: true })
    const read = await readStoredDoc(relay.wsUrl, name, alice)
    expect(read.getText('body').toString()).toContain('after')
    expect(read.getText('body').toString()).toContain('before')
    expect(deletedClients(read)).not.toContain(999)
    expect(Y.encodeStateAsUpdate(read).length).toBeLessThan(1_000)

    // The same refusal on /v1/mux is for that doc alone.
    const mux = await muxClient(muxUrl(relay.wsUrl, alice))
    mux.open([openRequest(name), openRequest('alice:collection:other')])
    await mux.control('opened', 30_000)
    mux.send(name, { type: 'sync-update', update: deletionsOfMissing(998, MAX_WAITING_CHANGES + 1) })
    expect(await mux.refused(name, 30_000)).toMatchObject({ code: CloseCode.ChangeTooLarge })
    mux.send('alice:collection:other', { type: 'sync-update', update: honestEdit('other doc') })
    await mux.doc('alice:collection:other', 'persisted', 30_000)
    mux.end()
  }, 60_000)

  it('takes a few changes that wait, and the content they wait for when it comes', async () => {
    relay = await startRelay({ UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const alice = await sessionToken(relay, 'alice')
    const name = 'alice:collection:out-of-order'
    const { first, rest } = structsAfterAGap(555, 20)
    // A tab's change reaching the relay before the one it builds on (several tabs, one socket).
    expect(await write(relay.wsUrl, alice, name, rest)).toEqual({ accepted: true })
    expect(await write(relay.wsUrl, alice, name, first)).toEqual({ accepted: true })
    expect((await readStoredDoc(relay.wsUrl, name, alice)).getText('body').toString()).toBe('x'.repeat(21))
  }, 60_000)
})
