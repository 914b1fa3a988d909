/**
 * SIGTERM: the relay stops accepting, stores every update it accepted (even with a group
 * commit window far longer than the shutdown), closes its sockets with 1001 and exits 0
 * within 10 s. Its logs never show the token from a sync URL.
 */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { processToken, spawnRelay } from '../helpers/relay-process.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { covers, rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'

const DOC = 'alice:environments'

describe('SIGTERM', () => {
  const dataDir = tempDataDir()
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('flushes, closes sockets with 1001, exits within 10 s, and never logs tokens', async () => {
    const token = await processToken('alice', dataDir)
    const relay = await spawnRelay(dataDir, { GROUP_COMMIT_MS: '60000', LOG_LEVEL: 'debug' })
    const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
    await writer.next('sync-step1')
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => writer.send({ type: 'sync-update', update }))
    // A quiet doc's first update is committed at once; later ones wait for the 60 s window.
    doc.getMap('vars').set('v0', 'value 0')
    const { stateVector: firstAck } = await writer.next('persisted')
    for (let i = 1; i < 100; i++) doc.getMap('vars').set(`v${i}`, `value ${i}`)
    // A round trip proves the relay has applied all 100.
    writer.send({ type: 'sync-step1', stateVector: Y.encodeStateVector(doc) })
    await writer.next('sync-step2')
    const acked = writer.messages.filter((m) => m.type === 'persisted')
    expect(acked).toHaveLength(1)
    expect(covers(firstAck, Y.encodeStateVector(doc))).toBe(false)

    const start = Date.now()
    relay.child.kill('SIGTERM')
    expect(await writer.closed).toBe(CloseCode.GoingAway)
    expect(await relay.exited).toBe(0)
    expect(Date.now() - start).toBeLessThan(10_000)
    expect(relay.output()).toContain('/v1/sync/alice:environments?[redacted]')
    expect(relay.output()).not.toContain(token)
    expect(relay.output()).not.toContain(token.split('.')[2]!)

    const again = await spawnRelay(dataDir)
    const loaded = await readStoredDoc(again.wsUrl, DOC, token)
    expect(loaded.getMap('vars').size).toBe(100)
    again.child.kill('SIGKILL')
    await again.exited
  }, 120_000)
})
