/**
 * The `DocStore` contract: every implementation's test file calls `docStoreContract` with a
 * factory, so each backend is held to the same behaviour (bytes in, bytes out; durable across
 * reopen; compaction that never loses a record, even with appends running alongside).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { docName, type DocName } from '@ferry/protocol'
import type { DocStore } from '../../relay/src/storage/doc-store.ts'

export interface DocStoreHarness {
  /** Opens a store on the harness's storage; may be called again after `close()` to reopen. */
  open(): Promise<DocStore>
  /** Removes the harness's storage. */
  cleanup(): Promise<void>
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const flat = (updates: readonly Uint8Array[]): number[][] => updates.map((u) => [...u])

export function docStoreContract(backend: string, harness: () => Promise<DocStoreHarness>): void {
  describe(`DocStore contract: ${backend}`, () => {
    let h: DocStoreHarness
    let store: DocStore
    const a: DocName = docName('alice', 'workspace')
    const b: DocName = docName('alice', 'collection', 'c1')

    beforeEach(async () => {
      h = await harness()
      store = await h.open()
    })
    afterEach(async () => {
      await store.close()
      await h.cleanup()
    })

    it('answers ping while open and refuses once closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
      await store.close()
      await expect(store.ping()).rejects.toThrow()
      store = await h.open()
    })

    it('loads a doc never written as empty', async () => {
      expect(await store.load(a)).toEqual({ snapshot: null, updates: [], seq: 0 })
    })

    it('returns appended updates in order with increasing sequence numbers', async () => {
      expect(await store.append(a, [bytes(1), bytes(2, 2)])).toBe(1)
      expect(await store.append(a, [bytes(3)])).toBe(2)
      const loaded = await store.load(a)
      expect(flat(loaded.updates)).toEqual([[1], [2, 2], [3]])
      expect(loaded.seq).toBe(2)
    })

    it('keeps docs apart', async () => {
      await store.append(a, [bytes(1)])
      await store.append(b, [bytes(9)])
      expect(flat((await store.load(a)).updates)).toEqual([[1]])
      expect(flat((await store.load(b)).updates)).toEqual([[9]])
    })

    it('keeps everything across a reopen', async () => {
      await store.append(a, [bytes(1)])
      await store.compact(a, bytes(7, 7), 1)
      await store.append(a, [bytes(2)])
      await store.close()
      store = await h.open()
      const loaded = await store.load(a)
      expect([...loaded.snapshot!]).toEqual([7, 7])
      expect(flat(loaded.updates)).toEqual([[2]])
      expect(await store.append(a, [bytes(3)])).toBe(3)
    })

    it('drops the records a snapshot covers and keeps later ones', async () => {
      await store.append(a, [bytes(1)])
      await store.append(a, [bytes(2)])
      await store.compact(a, bytes(12), 2)
      await store.append(a, [bytes(3)])
      await store.compact(a, bytes(1, 2, 3), 2)
      const loaded = await store.load(a)
      expect([...loaded.snapshot!]).toEqual([1, 2, 3])
      expect(flat(loaded.updates)).toEqual([[3]])
      expect(loaded.seq).toBe(3)
    })

    it('loses no record appended while a compaction runs', async () => {
      for (let i = 0; i < 20; i++) await store.append(a, [bytes(i)])
      const compaction = store.compact(a, bytes(0xaa), 20)
      const later: Promise<number>[] = []
      let chain = Promise.resolve(0)
      for (let i = 20; i < 30; i++) {
        chain = chain.then(() => store.append(a, [bytes(i)]))
        later.push(chain)
      }
      await Promise.all([compaction, ...later])
      await store.close()
      store = await h.open()
      const loaded = await store.load(a)
      expect([...loaded.snapshot!]).toEqual([0xaa])
      expect(flat(loaded.updates)).toEqual(Array.from({ length: 10 }, (_, i) => [20 + i]))
    })

    it('stores multi-megabyte snapshots intact', async () => {
      const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17))
      await store.append(a, [bytes(1)])
      await store.compact(a, big, 1)
      await store.close()
      store = await h.open()
      const loaded = await store.load(a)
      expect(Buffer.compare(Buffer.from(loaded.snapshot!), Buffer.from(big))).toBe(0)
      expect(loaded.updates).toEqual([])
    })
  })
}
