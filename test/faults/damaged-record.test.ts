/**
 * Damage inside a log segment (a flipped bit, a damaged length field) loses only the records it
 * hits: every later record of the segment is still read, the damage is reported (naming the
 * doc id), and compaction keeps the damaged segment aside instead of deleting it. A damaged
 * snapshot is left out of the load, reported, and set aside rather than replaced. The relay
 * lists all of it on /healthz without looking down. (A torn tail stays quiet: torn-record.test.ts.)
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName } from '@ferry/protocol'
import { openRelay } from '../../relay/src/app.ts'
import type { DocDamage } from '../../relay/src/storage/doc-store.ts'
import { FilesDocStore } from '../../relay/src/storage/files/files-doc-store.ts'
import { MasterKey } from '../../relay/src/storage/keys.ts'
import { tempDataDir, testConfig } from '../helpers/relay.ts'
import { rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

/** Every file under `root` whose name starts with `prefix`. */
function files(root: string, prefix: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (entry.startsWith(prefix)) out.push(path)
    }
  }
  walk(root)
  return out.sort()
}

/** Byte offsets where each record of a segment starts (from their length fields; 14-byte header, 12-byte IV). */
function recordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = []
  for (let pos = 0; pos < bytes.length; pos += 14 + 12 + bytes.readUInt32LE(pos)) offsets.push(pos)
  return offsets
}

/** Rewrites `path` with `change` applied to its bytes. */
function damage(path: string, change: (bytes: Buffer) => void): void {
  const bytes = readFileSync(path)
  change(bytes)
  writeFileSync(path, bytes)
}

const value = (n: number): Uint8Array => new Uint8Array(20 + n).fill(n)
const flat = (updates: readonly Uint8Array[]): number[][] => updates.map((u) => [...u])

describe('damage inside a log segment', () => {
  const dir = tempDataDir()
  const root = join(dir, 'docs')
  const key = randomBytes(32)
  const doc = docName('alice', 'history')
  const id = new MasterKey(key).docId(doc)
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  /** Five records in one segment, then `change` applied to it; a store that records what it hears. */
  async function damagedSegment(change: (bytes: Buffer, offsets: number[]) => void) {
    const writer = new FilesDocStore(root, key)
    for (let n = 1; n <= 5; n++) await writer.append(doc, [value(n)])
    await writer.close()
    const [segment] = files(root, 'log-')
    damage(segment!, (bytes) => change(bytes, recordOffsets(bytes)))
    const heard: DocDamage[] = []
    const store = new FilesDocStore(root, key, { onDamage: (d) => heard.push(d) })
    return { store, heard }
  }

  it.each([
    ['a flipped byte in its sealed bytes', (bytes: Buffer, at: number[]) => void (bytes[at[2]! + 40]! ^= 0x10)],
    ['a length field made implausible', (bytes: Buffer, at: number[]) => bytes.writeUInt32LE(0xfffffff0, at[2])],
    ['a length field made too short', (bytes: Buffer, at: number[]) => bytes.writeUInt32LE(bytes.readUInt32LE(at[2]) - 9, at[2])],
    ['a length field made too long', (bytes: Buffer, at: number[]) => bytes.writeUInt32LE(bytes.readUInt32LE(at[2]) + 30, at[2])],
  ])('loses only the record with %s, reads every later one, and compaction keeps the segment', async (_case, change) => {
    const { store, heard } = await damagedSegment(change)
    const loaded = await store.load(doc)
    expect(flat(loaded.updates)).toEqual(flat([value(1), value(2), value(4), value(5)]))
    expect(loaded.seq).toBe(5)
    // Where the unreadable bytes are, and which record number is missing.
    expect(heard).toEqual([
      { doc: id, what: expect.stringMatching(/^bytes \d+–\d+ of log-00000001$/), kept: 'log-00000001', since: expect.any(String) },
      { doc: id, what: 'record 3', kept: 'log-00000001', since: expect.any(String) },
    ])
    expect(await store.damaged()).toEqual(heard)

    // New records go on after the last one; compaction keeps the damaged segment aside.
    expect(await store.append(doc, [value(6)])).toBe(6)
    await store.compact(doc, new Uint8Array([0xaa]), 6)
    // Only the active segment (record 6) is left of the log.
    expect(files(root, 'log-').map((path) => path.split('/').at(-1))).toEqual(['log-00000002'])
    const [aside] = files(root, 'damaged-log-00000001-')
    expect(aside).toBeDefined()
    const asideName = aside!.split('/').at(-1)
    expect((await store.damaged()).map((d) => d.kept)).toEqual([asideName, asideName])
    await store.close()

    // A restart still says so once the doc is opened again.
    const reopened = new FilesDocStore(root, key)
    expect((await reopened.load(doc)).updates).toEqual([])
    expect(await reopened.damaged()).toEqual([
      { doc: id, what: 'unreadable bytes set aside by an earlier compaction', kept: asideName, since: expect.any(String) },
    ])
    await reopened.close()
  })

  it('reports a whole last record that fails authentication (only an unfinished one is a torn tail)', async () => {
    const { store, heard } = await damagedSegment((bytes, at) => void (bytes[at[4]! + 40]! ^= 1))
    expect(flat((await store.load(doc)).updates)).toEqual(flat([value(1), value(2), value(3), value(4)]))
    expect(heard.map((d) => d.what)).toEqual([expect.stringMatching(/^bytes \d+–\d+ of log-00000001$/)])
    await store.close()
  })

  it('leaves a snapshot that does not open out of the load, says so, and sets it aside instead of replacing it', async () => {
    const writer = new FilesDocStore(root, key)
    await writer.append(doc, [value(1)])
    await writer.compact(doc, new Uint8Array([7, 7, 7]), 1)
    await writer.append(doc, [value(2)])
    await writer.close()
    const [snapshot] = files(root, 'snapshot')
    const original = readFileSync(snapshot!)
    damage(snapshot!, (bytes) => void (bytes[50]! ^= 1))

    const heard: DocDamage[] = []
    const store = new FilesDocStore(root, key, { onDamage: (d) => heard.push(d) })
    const loaded = await store.load(doc)
    expect(loaded.snapshot).toBeNull()
    // Every record still on disk is served, those the snapshot covered too (record 1 sat in the
    // segment that was active during the compaction).
    expect(flat(loaded.updates)).toEqual(flat([value(1), value(2)]))
    expect(loaded.seq).toBe(2)
    expect(heard).toEqual([{ doc: id, what: 'snapshot', kept: 'snapshot', since: expect.any(String) }])

    expect(await store.append(doc, [value(3)])).toBe(3)
    await store.compact(doc, new Uint8Array([8]), 3)
    const [aside] = files(root, 'damaged-snapshot-')
    expect(Buffer.compare(readFileSync(aside!), (original[50]! ^= 1, original))).toBe(0)
    expect([...(await store.load(doc)).snapshot!]).toEqual([8])
    expect(heard.at(-1)).toMatchObject({ what: 'snapshot', kept: aside!.split('/').at(-1) })
    await store.close()
  })
})

describe('/healthz and damaged documents', () => {
  it('lists the damage and stays up', async () => {
    const config = testConfig({ ROOM_IDLE_MS: '0' })
    const doc = 'alice:workspace'
    const edit = (key: string) => {
      const ydoc = new Y.Doc()
      ydoc.getMap('m').set(key, key)
      return Y.encodeStateAsUpdate(ydoc)
    }
    let relay = await openRelay(config)
    let app = relay.app
    try {
      await app.listen({ host: '127.0.0.1', port: 0 })
      const wsUrl = () => `ws://127.0.0.1:${(app.server.address() as { port: number }).port}`
      const token = await sessionToken(relay, 'alice')
      const writer = await rawClient(syncUrl(wsUrl(), doc, token, true))
      await writer.next('sync-step1')
      // One commit per edit: each waits for its ack.
      for (const key of ['one', 'two', 'three']) {
        writer.send({ type: 'sync-update', update: edit(key) })
        await writer.next('persisted')
      }
      writer.close()
      await writer.closed
      await app.close()
      const [segment] = files(join(config.dataDir, 'docs'), 'log-')
      damage(segment!, (bytes) => void (bytes[recordOffsets(bytes)[1]! + 40]! ^= 1))

      relay = await openRelay(config)
      app = relay.app
      await app.listen({ host: '127.0.0.1', port: 0 })
      const healthy = await app.inject({ url: '/healthz' })
      expect(healthy.json()).toEqual({ ok: true, storage: { accounts: 'ok', docs: 'ok' }, broadcast: 'ok' })
      const loaded = await readStoredDoc(wsUrl(), doc, await sessionToken(relay, 'alice'))
      expect(loaded.getMap('m').toJSON()).toEqual({ one: 'one', three: 'three' })

      const response = await app.inject({ url: '/healthz' })
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual({
        ok: true,
        storage: { accounts: 'ok', docs: 'ok' },
        broadcast: 'ok',
        damaged: [
          { doc: expect.stringMatching(/^[0-9a-f]{64}$/), what: expect.stringMatching(/^bytes \d+–\d+ of log-/), kept: expect.stringMatching(/^log-/), since: expect.any(String) },
          { doc: expect.stringMatching(/^[0-9a-f]{64}$/), what: 'record 2', kept: expect.stringMatching(/^log-/), since: expect.any(String) },
        ],
      })
    } finally {
      await app.close()
      rmSync(config.dataDir, { recursive: true, force: true })
    }
  })
})
