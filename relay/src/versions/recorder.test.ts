import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { FastifyBaseLogger } from 'fastify'
import { docName } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { FilesDocStore } from '../storage/files/files-doc-store.ts'
import { FilesVersionStore } from '../storage/versions/files-version-store.ts'
import { rebuild } from './chain.ts'
import { VersionRecorder } from './recorder.ts'

const MINUTE = 60_000
const name = docName('alice', 'collection', 'c1')
const failures: unknown[] = []
const log = { error: (o: unknown) => failures.push(o) } as unknown as FastifyBaseLogger
/** What a version must rebuild to: the collection as read, and the doc's delete set (deletions are part of a state). */
const fingerprint = (doc: Y.Doc) => ({ read: new Collection(doc).snapshot(), ds: Y.encodeSnapshot(Y.snapshot(doc)) })

describe('VersionRecorder', () => {
  let dir: string
  let docs: FilesDocStore
  let store: FilesVersionStore
  let now: number
  let doc: Y.Doc
  let c: Collection
  let recorder: VersionRecorder
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-recorder-'))
    const key = randomBytes(32)
    docs = new FilesDocStore(join(dir, 'docs'), key)
    store = new FilesVersionStore(join(dir, 'docs'), key)
    now = Date.UTC(2026, 0, 1)
    doc = new Y.Doc()
    c = new Collection(doc)
    await docs.append(name, [new Uint8Array([0, 0])])
    recorder = new VersionRecorder(store, name, { intervalMs: 5 * MINUTE, retentionMs: 30 * MINUTE, now: () => now }, log)
    failures.length = 0
  })
  afterEach(async () => {
    await docs.close()
    rmSync(dir, { recursive: true, force: true })
    expect(failures).toEqual([])
  })

  /** One stored commit of a change made by `session`. */
  const commit = (session = 'laptop', compaction = false): void => {
    recorder.changed(session)
    recorder.stored(compaction, () => Y.encodeStateAsUpdate(doc))
  }

  it('takes at most one version per interval of activity, and one at every compaction', async () => {
    const id = c.add({ kind: 'request', name: 'A', url: 'https://a.test' })
    commit('laptop', true)
    for (let minute = 1; minute <= 12; minute++) {
      now += MINUTE
      c.update(id, { url: `https://a.test/${minute}` })
      commit(minute % 2 ? 'laptop' : 'phone')
      await recorder.settled()
    }
    const versions = await store.list(name)
    // The compaction, then minutes 5 and 10 (five minutes after the one before).
    expect(versions.map((v) => (v.at - versions[0]!.at) / MINUTE)).toEqual([0, 5, 10])
    expect(versions[0]).toMatchObject({ summary: { added: 1, removed: 0, changed: 0 }, devices: ['laptop'], base: true })
    expect(versions[1]).toMatchObject({ summary: { added: 0, removed: 0, changed: 1 }, devices: ['laptop', 'phone'], base: false })
  })

  it('takes no version when nothing changed since the last one', async () => {
    c.add({ kind: 'request', name: 'A' })
    commit('laptop', true)
    await recorder.settled()
    recorder.stored(true, () => Y.encodeStateAsUpdate(doc))
    await recorder.settled()
    expect(await store.list(name)).toHaveLength(1)
  })

  it('rebuilds every version to the state it was taken of, deletions included', async () => {
    const expected = new Map<number, ReturnType<typeof fingerprint>>()
    const ids: string[] = []
    for (let step = 0; step < 12; step++) {
      now += 5 * MINUTE
      if (step % 4 === 0) ids.push(c.add({ kind: 'request', name: `R${step}`, url: `https://r${step}.test` }))
      const text = c.text(ids.at(-1)!, 'url')!
      text.insert(text.length, `/p${step}`)
      if (step % 3 === 2) text.delete(0, 3)
      if (step === 9) c.remove(ids[0]!)
      commit(step % 2 ? 'phone' : 'laptop', step % 5 === 4)
      await recorder.settled()
      expected.set((await store.list(name)).at(-1)!.id, fingerprint(doc))
    }
    const listed = await store.list(name)
    expect(listed.length).toBeGreaterThan(5)
    for (const { id } of listed) {
      const built = await rebuild(store, name, id)
      expect(fingerprint(built)).toEqual(expected.get(id))
      built.destroy()
    }
  })

  it('prunes expired versions, keeps named ones and the latest, and every kept one still rebuilds', async () => {
    const id = c.add({ kind: 'request', name: 'A', url: 'https://a.test' })
    const expected = new Map<number, ReturnType<typeof fingerprint>>()
    for (let step = 0; step < 20; step++) {
      now += 5 * MINUTE
      c.text(id, 'url')!.insert(0, `${step}`)
      if (step % 4 === 3) c.text(id, 'url')!.delete(1, 2)
      commit()
      await recorder.settled()
      const last = (await store.list(name)).at(-1)!
      expected.set(last.id, fingerprint(doc))
      if (step === 2) await store.rename(name, last.id, 'before the v2 migration')
    }
    const versions = await store.list(name)
    // 30 minutes of retention (+ a thirtieth before pruning runs): the named one stays.
    expect(versions.length).toBeLessThan(20)
    expect(versions.some((v) => v.name === 'before the v2 migration')).toBe(true)
    expect(versions.filter((v) => v.name === null).every((v) => v.at >= now - 31 * MINUTE)).toBe(true)
    expect(versions[0]!.base).toBe(true)
    for (const version of versions) {
      const built = await rebuild(store, name, version.id)
      expect(fingerprint(built)).toEqual(expected.get(version.id))
      built.destroy()
    }
  })
})
