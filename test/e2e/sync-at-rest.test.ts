/**
 * At rest, nothing is readable: a marker a client writes (in the doc and in the doc name)
 * appears nowhere in the data dir — not in file contents, not in file names — in clear, in
 * UTF-16 or base64, while the relay still serves it back after a restart.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) yield* files(path)
    else yield path
  }
}

describe('documents at rest', () => {
  let relay: TestRelay | undefined
  afterEach(async () => relay?.close(true))

  it('never stores a marker in clear, yet serves it back after a restart', async () => {
    const marker = 'FERRY-MARKER-7c1e9a'
    const collectionId = 'MarkerCollection42'
    relay = await startRelay({ ROOM_IDLE_MS: '0' })
    const token = await sessionToken(relay, 'alice')
    const doc = `alice:collection:${collectionId}`
    const client = await rawClient(syncUrl(relay.wsUrl, doc, token, true))
    const ydoc = new Y.Doc()
    ydoc.getMap('items').set('r1', `GET https://api.example.com/${marker}`)
    ydoc.getText('body').insert(0, marker.repeat(50_000))
    client.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(ydoc) })
    await client.next('persisted')
    client.close()
    // The idle room unloads and compacts: the doc is now a snapshot, not only a log.
    await vi.waitFor(() => expect(relay!.app.sync.loadedRooms).toBe(0), 5_000)
    const dataDir = relay.dataDir
    await relay.close()
    const needles = [marker, collectionId, 'MarkerColl'].flatMap((s) => [
      Buffer.from(s),
      Buffer.from(s, 'utf16le'),
      Buffer.from(Buffer.from(s).toString('base64').slice(0, 12)),
    ])
    let scanned = 0
    for (const path of files(dataDir)) {
      expect(path).not.toContain(collectionId)
      const content = readFileSync(path)
      for (const needle of needles) expect(content.includes(needle), `${path} holds ${needle}`).toBe(false)
      scanned++
    }
    expect(scanned).toBeGreaterThan(2)
    expect([...files(dataDir)].some((path) => path.endsWith('snapshot'))).toBe(true)

    relay = await startRelay({}, dataDir)
    const loaded = await readStoredDoc(relay.wsUrl, doc, await sessionToken(relay, 'alice'))
    expect(loaded.getMap('items').get('r1')).toContain(marker)
  })
})
