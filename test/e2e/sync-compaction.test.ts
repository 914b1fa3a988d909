/**
 * Compaction while the room is live: a writer keeps sending past the compaction threshold,
 * the store gains a snapshot while the room stays loaded and acks keep coming, and after a
 * restart the doc (snapshot + remaining log) holds every update.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { COMPACT_AFTER_UPDATES } from '../../relay/src/sync/doc-writer.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { covers, rawClient, syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const DOC = 'alice:history'

function snapshots(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return snapshots(path)
    return entry === 'snapshot' ? [path] : []
  })
}

describe('compaction', () => {
  let relay: TestRelay
  afterEach(async () => relay.close(true))

  it('folds the log into a snapshot without stopping the room', async () => {
    relay = await startRelay()
    const token = await sessionToken(relay, 'alice')
    const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
    await writer.next('sync-step1')
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => writer.send({ type: 'sync-update', update }))
    const total = COMPACT_AFTER_UPDATES + 300
    for (let i = 0; i < total; i++) {
      doc.getArray('entries').push([`entry ${i}`])
      if (i % 100 === 99) {
        // Waiting for acks now and then spreads the updates over many group commits.
        while (!covers((await writer.next('persisted')).stateVector, Y.encodeStateVector(doc)));
      }
    }
    await vi.waitFor(() => expect(snapshots(relay.dataDir)).toHaveLength(1), 10_000)
    expect(relay.app.sync.loadedRooms).toBe(1)
    doc.getArray('entries').push(['after compaction'])
    while (!covers((await writer.next('persisted')).stateVector, Y.encodeStateVector(doc)));
    writer.close()

    const dataDir = relay.dataDir
    await relay.close()
    relay = await startRelay({}, dataDir)
    const reader = await rawClient(syncUrl(relay.wsUrl, DOC, await sessionToken(relay, 'alice')))
    reader.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
    const { update } = await reader.next('sync-step2')
    const loaded = new Y.Doc()
    Y.applyUpdate(loaded, update)
    expect(loaded.getArray('entries').toArray()).toEqual(doc.getArray('entries').toArray())
    reader.close()
  })
})
