/**
 * The operator's online backup (issue 15): `ferry-relay backup` runs against the data dir of a
 * relay process that Ferry clients keep writing to (documents compacting as they go), three
 * times; each backup is restored into a fresh data dir (what `ferry-relay restore` runs;
 * the command itself is tested in restore.test.ts), a relay is started on it, and every update
 * the relay had acknowledged (`persisted`) before that backup started is there.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { restoreDataDir } from '../../relay/src/backup/restore.ts'
import { runRelayCli } from '../helpers/relay-cli.ts'
import { processToken, spawnRelay, TEST_JWT_SECRET } from '../helpers/relay-process.ts'
import { startRelay, tempDataDir, testConfig } from '../helpers/relay.ts'
import { rawClient, readDoc, syncUrl, type RawClient } from '../helpers/sync-clients.ts'

const DOCS = ['alice:collection:b0', 'alice:collection:b1', 'alice:collection:b2', 'alice:collection:b3']
const BACKUPS = 3
/** Each doc compacts (at 1,000 updates) every two or three seconds, so backups meet compactions. */
const PAD = 'x'.repeat(200)

interface Writer {
  readonly name: string
  readonly doc: Y.Doc
  readonly client: RawClient
  readonly sent: string[]
}

/** How many of `writer`'s entries the relay has acknowledged: its client wrote entry i at clock i. */
function acked(writer: Writer): number {
  let clock = 0
  for (const message of writer.client.messages) {
    if (message.type === 'persisted') clock = Math.max(clock, Y.decodeStateVector(message.stateVector).get(writer.doc.clientID) ?? 0)
  }
  return clock
}

describe('ferry-relay backup while a relay takes writes', () => {
  const dataDir = tempDataDir()
  const work = mkdtempSync(join(tmpdir(), 'ferry-backups-'))
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  })

  it(`keeps every acknowledged update in each of ${BACKUPS} backups taken under load`, async () => {
    const token = await processToken('alice', dataDir)
    const relay = await spawnRelay(dataDir)
    const writers: Writer[] = []
    for (const name of DOCS) {
      const doc = new Y.Doc()
      const client = await rawClient(syncUrl(relay.wsUrl, name, token, true))
      const writer = { name, doc, client, sent: [] as string[] }
      doc.on('update', (update: Uint8Array) => client.send({ type: 'sync-update', update }))
      writers.push(writer)
    }
    const pump = setInterval(() => {
      for (const writer of writers) {
        for (let i = 0; i < 2; i++) {
          const entry = `${writer.name}-${writer.sent.length}-${PAD}`
          writer.sent.push(entry)
          writer.doc.getArray<string>('entries').push([entry])
        }
      }
    }, 5)
    const taken: Array<{ file: string; acked: number[] }> = []
    try {
      for (let round = 0; round < BACKUPS; round++) {
        // Each backup starts once every doc has acknowledged more since the previous one.
        const previous = taken.at(-1)?.acked ?? writers.map(() => 0)
        await new Promise((resolve) => setTimeout(resolve, 1500))
        while (writers.some((writer, i) => acked(writer) <= previous[i]!)) await new Promise((resolve) => setTimeout(resolve, 50))
        const ackedBefore = writers.map(acked)
        const file = join(work, `backup-${round}.tar.gz`)
        const run = await runRelayCli(['backup', file, '--with-keys'], { FERRY_DATA_DIR: dataDir })
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(run.stdout).toMatch(/Backup of .* written to .*: 4 documents/)
        taken.push({ file, acked: ackedBefore })
      }
    } finally {
      clearInterval(pump)
    }
    for (const writer of writers) writer.client.close()
    relay.child.kill('SIGTERM')
    expect(await relay.exited).toBe(0)
    // The load compacted documents while the backups ran (else no race was tried).
    const snapshots = readdirSync(join(dataDir, 'docs'), { recursive: true }).filter((file) => String(file).endsWith('snapshot'))
    expect(snapshots.length).toBe(DOCS.length)

    for (const [round, { file, acked: ackedBefore }] of taken.entries()) {
      const restored = join(work, `restored-${round}`)
      await restoreDataDir(testConfig({}, restored), file, false)
      const again = await startRelay({ FERRY_JWT_SECRET: TEST_JWT_SECRET }, restored)
      try {
        for (const [i, writer] of writers.entries()) {
          const doc = await readDoc(again.wsUrl, writer.name, token)
          if (typeof doc === 'number') throw new Error(`${writer.name} closed with ${doc} after restore ${round}`)
          const entries = doc.getArray<string>('entries').toArray()
          const expected = writer.sent.slice(0, ackedBefore[i])
          expect(expected.length).toBeGreaterThan(0)
          // Everything acknowledged before the backup started, in the order it was written.
          expect(entries.slice(0, expected.length)).toEqual(expected)
        }
      } finally {
        await again.close()
      }
    }
  }, 240_000)
})
