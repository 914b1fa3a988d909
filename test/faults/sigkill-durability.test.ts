/**
 * `kill -9` loses no acknowledged update: a client keeps writing, the relay process is killed
 * the moment a `persisted` arrives, restarted on the same data dir, and every update the last
 * ack covered (and every earlier one) is there. Repeated, so the kill lands at many points of
 * the commit pipeline. Once on the embedded files store, once on PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { processToken, spawnRelay } from '../helpers/relay-process.ts'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'

const ROUNDS = 6
const DOC = 'alice:history'

async function loadFromRelay(wsUrl: string, token: string): Promise<Y.Doc> {
  const client = await rawClient(syncUrl(wsUrl, DOC, token))
  client.send({ type: 'sync-step1', stateVector: new Uint8Array([0]) })
  const { update } = await client.next('sync-step2')
  client.close()
  const doc = new Y.Doc()
  Y.applyUpdate(doc, update)
  return doc
}

describe.each([
  { backend: 'files', skip: false },
  { backend: 'PostgreSQL', skip: skipPostgres },
])('SIGKILL durability on $backend', ({ backend, skip }) => {
  const dataDir = tempDataDir()
  let schema: TestSchema | null = null
  let env: Record<string, string> = {}
  beforeAll(async () => {
    if (skip || backend !== 'PostgreSQL') return
    schema = await createTestSchema()
    env = { DATABASE_URL: schema.url, FERRY_MASTER_KEY: randomBytes(32).toString('base64') }
  })
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true })
    await schema?.drop()
  })

  it.skipIf(skip)(`keeps every acknowledged update across ${ROUNDS} kills in a row`, async () => {
    const token = await processToken('alice', dataDir, env)
    const acked: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const relay = await spawnRelay(dataDir, env)
      const doc = await loadFromRelay(relay.wsUrl, token)
      expect(doc.getArray<string>('entries').toArray()).toEqual(expect.arrayContaining(acked))
      const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
      const sent: string[] = []
      doc.on('update', (update: Uint8Array) => writer.send({ type: 'sync-update', update }))
      // Keep writing so the kill lands with updates in flight, not only between commits.
      const pump = setInterval(() => {
        for (let i = 0; i < 5; i++) {
          const entry = `r${round}-${sent.length}`
          sent.push(entry)
          doc.getArray<string>('entries').push([entry])
        }
      }, 1)
      const ackAfter = round % 3
      let ack = await writer.next('persisted', 10_000)
      for (let i = 0; i < ackAfter; i++) ack = await writer.next('persisted', 10_000)
      relay.child.kill('SIGKILL')
      clearInterval(pump)
      await relay.exited
      // This round's client wrote entry i at clock i, so the ack covers the first `ackedClock`.
      const ackedClock = Y.decodeStateVector(ack.stateVector).get(doc.clientID) ?? 0
      const covered = sent.slice(0, ackedClock)
      expect(covered.length).toBeGreaterThan(0)
      acked.push(...covered)
    }
    const relay = await spawnRelay(dataDir, env)
    const final = await loadFromRelay(relay.wsUrl, token)
    relay.child.kill('SIGKILL')
    await relay.exited
    expect(final.getArray<string>('entries').toArray()).toEqual(expect.arrayContaining(acked))
  }, 240_000)
})
