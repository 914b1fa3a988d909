/**
 * The `DocStore` contract: every implementation's test file calls `docStoreContract` with a
 * factory, so each backend is held to the same behaviour (bytes in, bytes out; durable across
 * reopen; compaction that never loses a record, even with appends running alongside;
 * deletion that leaves a tombstone no call gets past).
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { docName, type DocName, type UserId } from '@ferry/protocol'
import type { DocStore, UsageOptions } from '../../relay/src/storage/doc-store.ts'
import type { RecordOptions } from '../../relay/src/storage/records.ts'
import { MAX_FRAME_PAYLOAD } from '../../relay/src/storage/sealed-frames.ts'
import { DOC_OVERHEAD_BYTES as OVERHEAD } from '../../relay/src/storage/usage.ts'

export interface DocStoreHarness {
  /**
   * Opens a store on the harness's storage; may be called again after `close()` to reopen, or
   * without it (a process that died without closing, or another relay on shared storage).
   */
  open(options?: RecordOptions & UsageOptions): Promise<DocStore>
  /** Removes the harness's storage. */
  cleanup(): Promise<void>
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const flat = (updates: readonly Uint8Array[]): number[][] => updates.map((u) => [...u])
const gone = { name: 'DocStoreError', code: 'gone' }

export interface DocStoreTraits {
  /** Several stores may open the same storage at once (relays sharing one database). */
  readonly shared?: boolean
}

export function docStoreContract(backend: string, harness: () => Promise<DocStoreHarness>, traits: DocStoreTraits = {}): void {
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

    it('refuses every call on a deleted doc', async () => {
      await store.append(b, [bytes(1)])
      await store.compact(b, bytes(7), 1)
      await store.append(b, [bytes(2)])
      await store.delete(b)
      await expect(store.load(b)).rejects.toMatchObject(gone)
      await expect(store.append(b, [bytes(3)])).rejects.toMatchObject(gone)
      await expect(store.compact(b, bytes(8), 2)).rejects.toMatchObject(gone)
      await expect(store.load(b)).rejects.toMatchObject(gone)
    })

    it('keeps a deletion across a reopen and a release', async () => {
      await store.append(b, [bytes(1)])
      await store.delete(b)
      await store.release(b)
      await expect(store.append(b, [bytes(2)])).rejects.toMatchObject(gone)
      await store.close()
      store = await h.open()
      await expect(store.load(b)).rejects.toMatchObject(gone)
      await expect(store.append(b, [bytes(3)])).rejects.toMatchObject(gone)
    })

    it('deletes one doc and leaves the others', async () => {
      await store.append(a, [bytes(1)])
      await store.append(b, [bytes(9)])
      await store.delete(b)
      expect(flat((await store.load(a)).updates)).toEqual([[1]])
      expect(await store.append(a, [bytes(2)])).toBe(2)
    })

    it('deletes a doc never written, and deletes twice without complaint', async () => {
      await store.delete(b)
      await store.delete(b)
      await expect(store.load(b)).rejects.toMatchObject(gone)
      await expect(store.append(b, [bytes(1)])).rejects.toMatchObject(gone)
    })

    // Only stores that several relays share have another instance to refuse.
    if (traits.shared) {
      it('refuses a deleted doc to another store instance that had it loaded', async () => {
        await store.append(b, [bytes(1)])
        const other = await h.open()
        try {
          expect(flat((await other.load(b)).updates)).toEqual([[1]])
          await store.delete(b)
          await expect(other.load(b)).rejects.toMatchObject(gone)
          await expect(other.append(b, [bytes(2)])).rejects.toMatchObject(gone)
        } finally {
          await other.close()
        }
        await expect(store.load(b)).rejects.toMatchObject(gone)
      })
    }

    it('deletes every doc of one owner, tombstones included, and no one else\'s', async () => {
      const bobs = docName('bob', 'collection', 'c1')
      await store.append(a, [bytes(1)])
      await store.append(b, [bytes(2)])
      await store.compact(b, bytes(7), 1)
      await store.append(bobs, [bytes(3)])
      expect(await store.deleteOwnedBy('alice' as UserId)).toBe(2)
      await expect(store.load(a)).rejects.toMatchObject(gone)
      await expect(store.append(b, [bytes(4)])).rejects.toMatchObject(gone)
      // What is left is the two tombstones.
      expect((await store.usage('alice' as UserId)).used).toBe(2 * OVERHEAD)
      expect(flat((await store.load(bobs)).updates)).toEqual([[3]])
      expect(await store.deleteOwnedBy('alice' as UserId)).toBe(0)
      await store.close()
      store = await h.open()
      await expect(store.load(a)).rejects.toMatchObject(gone)
      expect(await store.deleteOwnedBy('alice' as UserId)).toBe(0)
    })

    it('lets no append or compaction running alongside a delete bring data back', async () => {
      for (let i = 1; i <= 5; i++) await store.append(b, [bytes(i)])
      const racing = [store.append(b, [bytes(6)]), store.compact(b, bytes(0xaa), 5)].map((p) => p.then(() => 'ok', (e: unknown) => e))
      await store.delete(b)
      for (const outcome of await Promise.all(racing)) if (outcome !== 'ok') expect(outcome).toMatchObject(gone)
      await store.close()
      store = await h.open()
      await expect(store.load(b)).rejects.toMatchObject(gone)
    })

    it('splits a commit larger than the record cap into several records, all read back, numbered to the last', async () => {
      await store.close()
      store = await h.open({ recordBytes: 1024 })
      // 10 updates of 300 bytes (304 packed): three fit in a 1 KiB record, so four records.
      const updates = Array.from({ length: 10 }, (_, i) => new Uint8Array(300).fill(i))
      expect(await store.append(a, [bytes(0xee)])).toBe(1)
      expect(await store.append(a, updates)).toBe(5)
      expect(await store.append(a, [bytes(0xff)])).toBe(6)
      const loaded = await store.load(a)
      expect(flat(loaded.updates)).toEqual([[0xee], ...flat(updates), [0xff]])
      expect(loaded.seq).toBe(6)
      // Compacting through the number the append returned drops every one of its records.
      await store.compact(a, bytes(0xaa), 5)
      await store.close()
      store = await h.open({ recordBytes: 1024 })
      const reopened = await store.load(a)
      expect([...reopened.snapshot!]).toEqual([0xaa])
      expect(flat(reopened.updates)).toEqual([[0xff]])
      expect(reopened.seq).toBe(6)
      // One update over the cap gets a record of its own.
      const big = new Uint8Array(5000).fill(7)
      expect(await store.append(a, [bytes(1), big, bytes(2)])).toBe(9)
      expect(flat((await store.load(a)).updates)).toEqual([[0xff], [1], [...big], [2]])
    })

    it('refuses an update larger than any record it could read back, writing nothing', async () => {
      await store.append(a, [bytes(1)])
      const huge = new Uint8Array(MAX_FRAME_PAYLOAD - 3)
      await expect(store.append(a, [bytes(2), huge])).rejects.toMatchObject({ name: 'DocStoreError', code: 'too_large' })
      await store.close()
      store = await h.open()
      expect(flat((await store.load(a)).updates)).toEqual([[1]])
      expect(await store.append(a, [bytes(3)])).toBe(2)
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

    describe('usage per account', () => {
      const alice = 'alice' as UserId
      const bob = 'bob' as UserId
      const bobs: DocName = docName('bob', 'workspace')
      /**
       * Sealing adds a header, tag and length per record; a record holds its updates, each with
       * a length. `docs`: docs and tombstones counted, each costing the fixed overhead.
       */
      const near = (used: number, payload: number, records: number, docs = 0) => {
        expect(used).toBeGreaterThanOrEqual(payload + docs * OVERHEAD)
        expect(used).toBeLessThanOrEqual(payload + docs * OVERHEAD + records * 64)
      }

      it('counts the bytes each account\'s docs take, records as appended, apart from other accounts', async () => {
        expect(await store.usage(alice)).toEqual({ used: 0, limit: null })
        await store.append(a, [new Uint8Array(1000)])
        await store.append(b, [new Uint8Array(500), new Uint8Array(200)])
        await store.append(bobs, [new Uint8Array(300)])
        const used = (await store.usage(alice)).used
        near(used, 1700, 2, 2)
        expect(store.usedBytes(alice)).toBe(used)
        near((await store.usage(bob)).used, 300, 1, 1)
      })

      it('keeps the figure current from its own appends, without being asked', async () => {
        await store.append(a, [new Uint8Array(1000)])
        const before = store.usedBytes(alice)!
        await store.append(a, [new Uint8Array(4000)])
        near(store.usedBytes(alice)! - before, 4000, 1)
        expect((await store.usage(alice)).used).toBe(store.usedBytes(alice))
      })

      it('replaces a doc\'s log with its snapshot\'s size on compaction', async () => {
        await store.append(b, [new Uint8Array(100)])
        const bBytes = (await store.usage(alice)).used
        await store.append(a, [new Uint8Array(5000).fill(1)])
        await store.append(a, [new Uint8Array(5000).fill(2)])
        await store.compact(a, new Uint8Array(300), 2)
        // The files store drops the segment appends went to at the next compaction (an append may be writing to it).
        await store.append(a, [new Uint8Array(10)])
        await store.compact(a, new Uint8Array(310), 3)
        const used = (await store.usage(alice)).used
        near(used, 310 + bBytes, 3, 1)
        expect(store.usedBytes(alice)).toBe(used)
      })

      it('frees a deleted doc\'s bytes, and only those', async () => {
        await store.append(a, [new Uint8Array(100)])
        await store.append(b, [new Uint8Array(5000)])
        await store.compact(b, new Uint8Array(4000), 1)
        await store.append(b, [new Uint8Array(700)])
        const onlyA = (await store.usage(alice)).used
        await store.delete(b)
        // b's tombstone stays, and keeps its overhead.
        near((await store.usage(alice)).used, 100, 1, 2)
        expect(store.usedBytes(alice)).toBe((await store.usage(alice)).used)
        expect(onlyA).toBeGreaterThan(4700)
        await store.delete(a)
        expect((await store.usage(alice)).used).toBe(2 * OVERHEAD)
      })

      it('counts a fixed overhead for each doc and each tombstone, once, across a reopen', async () => {
        const never = docName('alice', 'collection', 'never-written')
        await store.append(a, [new Uint8Array(1)])
        await store.append(a, [new Uint8Array(1)])
        await store.compact(a, new Uint8Array(1), 2)
        const oneDoc = (await store.usage(alice)).used
        near(oneDoc, 1, 1, 1)
        // A doc never written leaves a tombstone: it costs a doc's overhead, once however often deleted.
        await store.delete(never)
        expect((await store.usage(alice)).used).toBe(oneDoc + OVERHEAD)
        await store.delete(never)
        expect((await store.usage(alice)).used).toBe(oneDoc + OVERHEAD)
        expect(store.usedBytes(alice)).toBe(oneDoc + OVERHEAD)
        // A stored doc deleted: its bytes go, its overhead stays with its tombstone.
        await store.append(b, [new Uint8Array(1)])
        await store.delete(b)
        await store.delete(b)
        expect((await store.usage(alice)).used).toBe(oneDoc + 2 * OVERHEAD)
        await store.close()
        store = await h.open()
        await store.load(a)
        expect((await store.usage(alice)).used).toBe(oneDoc + 2 * OVERHEAD)
        await store.delete(never)
        expect((await store.usage(alice)).used).toBe(oneDoc + 2 * OVERHEAD)
      })

      it('keeps the figure across a reopen, and across a process that died without closing', async () => {
        await store.append(a, [new Uint8Array(1000)])
        await store.compact(a, new Uint8Array(600), 1)
        await store.append(a, [new Uint8Array(2000)])
        await store.append(b, [new Uint8Array(3000)])
        const used = (await store.usage(alice)).used
        await store.close()
        store = await h.open()
        expect((await store.usage(alice)).used).toBe(used)
        await store.append(b, [new Uint8Array(4000)])
        const after = (await store.usage(alice)).used
        // Not closed: whatever the first store kept only in memory is lost with it. A doc's
        // figure may lag until the doc is opened again (files: bounded by the compaction threshold).
        const other = await h.open()
        try {
          await other.load(a)
          await other.load(b)
          expect((await other.usage(alice)).used).toBe(after)
        } finally {
          await other.close()
        }
      })

      it('reports the quota its options give', async () => {
        await store.close()
        store = await h.open({ quota: async (owner) => (owner === 'alice' ? 5000 : null) })
        await store.append(a, [new Uint8Array(10)])
        expect((await store.usage(alice)).limit).toBe(5000)
        expect((await store.usage(bob)).limit).toBeNull()
      })
    })
  })
}
