import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { docName } from '@ferry/protocol'
import { FilesDocStore } from '../storage/files/files-doc-store.ts'
import { RelayMetrics } from './relay-metrics.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function scraped(metrics: RelayMetrics, sample: string): Promise<number> {
  const line = (await metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}

describe('RelayMetrics.instrument', () => {
  it('counts stored updates and failed store calls, but not a deleted doc\'s answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-metrics-'))
    dirs.push(dir)
    const metrics = new RelayMetrics(() => null)
    const store = metrics.instrument(await FilesDocStore.open(dir, randomBytes(32)))
    const doc = docName('alice', 'collection', 'c1')
    await store.append(doc, [new Uint8Array([1]), new Uint8Array([2])])
    expect(await scraped(metrics, 'ferry_updates_stored_total')).toBe(2)
    expect(await scraped(metrics, 'ferry_persist_seconds_count')).toBe(1)

    await store.delete(doc)
    await expect(store.append(doc, [new Uint8Array([3])])).rejects.toMatchObject({ code: 'gone' })
    expect(await scraped(metrics, 'ferry_store_errors_total{operation="append"}')).toBe(0)

    await store.close()
    await expect(store.load(docName('alice', 'workspace'))).rejects.toMatchObject({ code: 'closed' })
    expect(await scraped(metrics, 'ferry_store_errors_total{operation="load"}')).toBe(1)
    expect(await scraped(metrics, 'ferry_updates_stored_total')).toBe(2)
  })
})
