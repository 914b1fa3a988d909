/**
 * `kill -9` loses no acknowledged update: a client keeps writing, the relay process is killed
 * the moment a `persisted` arrives, restarted on the same data dir, and every update the last
 * ack covered (and every earlier one) is there. Repeated, so the kill lands at many points of
 * the commit pipeline. Once on the embedded files store, once on PostgreSQL. And with docs
 * unloading between bursts of edits on a live mux socket (ROOM_IDLE_UNLOAD_MS), so kills land
 * while idle docs are stored, compacted and let go of, and while they load again.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { processToken, spawnRelay } from '../helpers/relay-process.ts'
import { createTestSchema, skipPostgres, type TestSchema } from '../helpers/postgres.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import { rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'

const ROUNDS = 6
const DOC = 'alice:history'

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
      const doc = await readStoredDoc(relay.wsUrl, DOC, token)
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
    const final = await readStoredDoc(relay.wsUrl, DOC, token)
    relay.child.kill('SIGKILL')
    await relay.exited
    expect(final.getArray<string>('entries').toArray()).toEqual(expect.arrayContaining(acked))
  }, 240_000)

  it.skipIf(skip)(`keeps every acknowledged update with docs unloading and loading again, across ${ROUNDS} kills`, async () => {
    const token = await processToken('alice', dataDir, env)
    const names = ['alice:collection:u0', 'alice:collection:u1', 'alice:collection:u2']
    const acked = new Map(names.map((name) => [name, [] as string[]]))
    const idleEnv = { ...env, ROOM_IDLE_UNLOAD_MS: '30' }
    for (let round = 0; round < ROUNDS; round++) {
      const relay = await spawnRelay(dataDir, idleEnv)
      const mux = await muxClient(muxUrl(relay.wsUrl, token))
      const docs = names.map(() => new Y.Doc())
      names.forEach((name, i) => mux.bind(name, docs[i]!))
      mux.open(names.map((name) => openRequest(name)))
      await mux.control('opened', 10_000)
      for (const [i, name] of names.entries()) expect(docs[i]!.getArray<string>('entries').toArray()).toEqual(expect.arrayContaining(acked.get(name)!))
      // Bursts of edits with pauses long enough for the docs to unload in between; the kill
      // lands on an ack after a varying number of bursts, or in the middle of a pause.
      const sent = names.map(() => [] as string[])
      const killAt = 4 + round
      for (let burst = 0; ; burst++) {
        const until = performance.now() + 15
        while (performance.now() < until) {
          const i = (burst + sent.flat().length) % names.length
          const entry = `r${round}-${names[i]}-${sent[i]!.length}`
          sent[i]!.push(entry)
          docs[i]!.getArray<string>('entries').push([entry])
          await new Promise((resolve) => setTimeout(resolve, 1))
        }
        if (burst < killAt) {
          await new Promise((resolve) => setTimeout(resolve, 60))
          continue
        }
        if (round % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 35 + round * 3))
        else await mux.doc(names[burst % names.length]!, 'persisted', 10_000).catch(() => undefined)
        break
      }
      relay.child.kill('SIGKILL')
      await relay.exited
      // Each doc's client this round wrote its entry k at clock k: the last ack covers the first `clock`.
      for (const [i, name] of names.entries()) {
        let clock = 0
        for (const m of mux.messagesOf(name)) if (m.type === 'persisted') clock = Math.max(clock, Y.decodeStateVector(m.stateVector).get(docs[i]!.clientID) ?? 0)
        acked.get(name)!.push(...sent[i]!.slice(0, clock))
      }
    }
    expect([...acked.values()].flat().length).toBeGreaterThan(ROUNDS * names.length)
    // Docs did unload: far too few edits for a compaction of its own, yet there are snapshots.
    if (backend === 'files') expect(readdirSync(join(dataDir, 'docs'), { recursive: true }).filter((f) => String(f).endsWith('snapshot')).length).toBeGreaterThan(0)
    const relay = await spawnRelay(dataDir, env)
    for (const name of names) {
      const doc = await readStoredDoc(relay.wsUrl, name, token)
      expect(doc.getArray<string>('entries').toArray()).toEqual(expect.arrayContaining(acked.get(name)!))
    }
    relay.child.kill('SIGKILL')
    await relay.exited
  }, 240_000)
})
