/**
 * The embedded `DocStore`: per doc, a directory `docs/<id[0..2]>/<id>/` (id = keyed hash of
 * the doc name) holding
 *
 * - `key`: the doc's data key, wrapped by the master key;
 * - `log-<n>`: append-only segments of sealed records, one record per group commit, counter =
 *   the record's sequence number;
 * - `snapshot`: `[u64 LE through]` then sealed chunks of ≤ 256 KiB (AES-GCM slows down on
 *   multi-MB calls), the last one flagged; written to a temp file, fsynced, then renamed.
 *
 * Each process start appends to a fresh segment, so a torn record from a crash always stays
 * at the end of an old segment, where loading skips it quietly. Compaction rotates the segment and
 * deletes only segments whose every record the new snapshot covers.
 *
 * Damage is skipped, kept and reported, never deleted: a record that does not open is skipped
 * and the records after it are still read (see `readLog`); a snapshot that does not open is
 * left out (the doc loads from its records, and clients that still hold the content send it
 * back). Compaction renames a segment with damage to `damaged-log-<n>-<time>` and a damaged
 * snapshot to `damaged-snapshot-<time>` instead of deleting them; every finding goes to the
 * `DamageRegister` (log line, `/healthz`), and a doc's set-aside files are reported again when
 * it is next opened.
 *
 * Deleting a doc writes the tombstone `deleted` into its directory first, then removes every
 * other file, the key first (without it, anything a crash left behind cannot be read); a scan
 * that finds the tombstone finishes that removal.
 *
 * Usage per account (quota) is kept by `AccountUsageFiles` (account-usage.ts); this store
 * measures each doc's files and tells it. A doc's directory is read by `scanDoc` (doc-scan.ts)
 * and `doc-files.ts`.
 */
import { close, constants, open, write } from 'node:fs'
import { access, mkdir, rename, rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join } from 'node:path'
import type { DocName, UserId } from '@ferry/protocol'
import {
  DamageRegister,
  docGone,
  DocStoreError,
  type AccountUsage,
  type DamageListener,
  type DocDamage,
  type DocStore,
  type LogSeq,
  type StoredDoc,
  type UsageOptions,
} from '../doc-store.ts'
import { MasterKey } from '../keys.ts'
import { RECORD_BYTES, splitRecords, type RecordOptions } from '../records.ts'
import { docContext, packUpdates, sealChunks, sealFrame } from '../sealed-frames.ts'
import { accountId, ownerOf } from '../usage.ts'
import { AccountUsageFiles, type AccountFile } from './account-usage.ts'
import { ThreadDirReads, type DirReads } from './dir-reads.ts'
import { docBytes, readDoc, readSegment, removeContent, segmentName, TOMBSTONE, type DocFiles } from './doc-files.ts'
import { GONE, scanDoc } from './doc-scan.ts'
import { exists, fsyncDir, mkdirDurable, writeFileAtomic } from './fs-util.ts'
import { checkMasterKey } from './master-key-check.ts'

const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC
// Plain descriptors, not FileHandle objects: every loaded doc keeps one open.
const openFd = promisify(open)
const writeFd = promisify(write) as (fd: number, buffer: Buffer) => Promise<{ bytesWritten: number }>
const closeFd = promisify(close)

export interface FilesDocStoreOptions extends RecordOptions, UsageOptions {
  /** Hears each damaged record or snapshot when first found (the relay logs it). */
  readonly onDamage?: DamageListener
  /** How a doc's directory is read on its first open (default: in a worker thread, `ThreadDirReads`). */
  readonly dirReads?: DirReads
}

export class FilesDocStore implements DocStore {
  readonly #root: string
  readonly #master: MasterKey
  readonly #docs = new Map<string, Promise<DocFiles | typeof GONE | null>>()
  readonly #recordBytes: number
  readonly #damage: DamageRegister
  readonly #quota: FilesDocStoreOptions['quota']
  readonly #accounts: AccountUsageFiles
  readonly #reads: DirReads
  #closed = false

  /** `root` is `<dataDir>/docs`; `masterKey` 32 bytes (see `loadMasterKey`). */
  constructor(root: string, masterKey: Buffer, options: FilesDocStoreOptions = {}) {
    this.#root = root
    this.#master = new MasterKey(masterKey)
    this.#recordBytes = options.recordBytes ?? RECORD_BYTES
    this.#damage = new DamageRegister(options.onDamage)
    this.#quota = options.quota
    this.#reads = options.dirReads ?? new ThreadDirReads()
    this.#accounts = new AccountUsageFiles(root, (docId) => exists(join(this.#dirOf(docId), TOMBSTONE)))
  }

  /** The store under `root`, refusing (ConfigError) a master key its docs were not sealed with. */
  static async open(root: string, masterKey: Buffer, options: FilesDocStoreOptions = {}): Promise<FilesDocStore> {
    const store = new FilesDocStore(root, masterKey, options)
    await checkMasterKey(root, store.#master)
    return store
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new DocStoreError('closed', 'the document store is closed')
    await mkdir(this.#root, { recursive: true, mode: 0o700 })
    await access(this.#root, constants.R_OK | constants.W_OK)
  }

  async damaged(): Promise<readonly DocDamage[]> {
    return this.#damage.list()
  }

  async usage(owner: UserId): Promise<AccountUsage> {
    if (this.#closed) throw new DocStoreError('closed', 'the doc store is closed')
    const [account, limit] = await Promise.all([this.#account(owner), this.#quota?.(owner) ?? null])
    return { used: account.total, limit }
  }

  usedBytes(owner: UserId): number | null {
    return this.#accounts.loaded(accountId(this.#master, owner))?.total ?? null
  }

  #account(owner: UserId): Promise<AccountFile> {
    return this.#accounts.get(accountId(this.#master, owner))
  }

  async load(name: DocName): Promise<StoredDoc> {
    const doc = await this.#open(name, false)
    if (!doc) return { snapshot: null, updates: [], seq: 0 }
    return this.#track(doc, async () => {
      // Opening the doc just read every file: take that (once) rather than reading again.
      const initial = doc.initial
      doc.initial = null
      return initial ?? readDoc(doc, name, this.#damage)
    })
  }

  async append(name: DocName, updates: readonly Uint8Array[]): Promise<LogSeq> {
    const doc = await this.#open(name, true)
    if (!doc) throw new DocStoreError('io', 'doc could not be created')
    doc.initial = null
    return this.#track(doc, () => this.#append(doc, updates))
  }

  async #append(doc: DocFiles, updates: readonly Uint8Array[]): Promise<LogSeq> {
    // Refuses an update too large to read back before anything is written.
    const records = splitRecords(updates, this.#recordBytes)
    try {
      let fresh = false
      if (doc.rotate) await this.#rotate(doc)
      if (doc.fd === null) {
        doc.fd = await openFd(join(doc.dir, segmentName(doc.active)), SEGMENT_FLAGS, 0o600)
        fresh = true
      }
      for (const updatesOfRecord of records) {
        const seq = doc.seq + 1
        const record = sealFrame(doc.dataKey, docContext(doc.id, 'log'), 0, seq, packUpdates(updatesOfRecord))
        // O_DSYNC: the write returns once the record is on disk — one syscall per record.
        const { bytesWritten } = await writeFd(doc.fd, record)
        if (bytesWritten !== record.length) throw new Error(`short write (${bytesWritten} of ${record.length} bytes)`)
        // Counted as soon as it is on disk, so a retry after a later record failed never reuses its number.
        doc.seq = seq
        doc.segments.set(doc.active, seq)
        doc.segmentBytes.set(doc.active, (doc.segmentBytes.get(doc.active) ?? 0) + record.length)
        doc.account.set(doc.id, docBytes(doc))
      }
      if (fresh) await fsyncDir(doc.dir)
    } catch (cause) {
      // A failed write may have left part of a record behind: never append after it.
      doc.rotate = true
      throw new DocStoreError('io', `append failed: ${(cause as Error).message}`, { cause })
    }
    return doc.seq
  }

  async compact(name: DocName, snapshot: Uint8Array, through: LogSeq): Promise<void> {
    const doc = await this.#open(name, true)
    if (!doc) throw new DocStoreError('io', 'doc could not be created')
    doc.initial = null
    return this.#track(doc, () => this.#compact(doc, snapshot, through))
  }

  async #compact(doc: DocFiles, snapshot: Uint8Array, through: LogSeq): Promise<void> {
    // The active segment may have an append in flight; it is dropped by a later compaction or the release.
    doc.rotate = true
    const head = Buffer.alloc(8)
    head.writeBigUInt64LE(BigInt(through))
    const parts = [head, ...sealChunks(doc.dataKey, docContext(doc.id, 'snapshot', through), snapshot)]
    try {
      if (doc.snapshotDamaged) {
        // Never replace a snapshot that could not be read: it may hold what nothing else does.
        await this.#setAside(doc, 'snapshot', `damaged-snapshot-${Date.now()}`, 'snapshot')
        doc.snapshotDamaged = false
      }
      await writeFileAtomic(join(doc.dir, 'snapshot'), parts)
      doc.snapshotBytes = parts.reduce((sum, part) => sum + part.length, 0)
      doc.through = Math.max(doc.through, through)
      doc.account.set(doc.id, docBytes(doc))
      await this.#dropCovered(doc, through, doc.active)
      await doc.account.save()
    } catch (cause) {
      throw new DocStoreError('io', `compaction failed: ${(cause as Error).message}`, { cause })
    }
  }

  /**
   * Renames `file` to `aside` (durably) and reports where its damage now is: `what` for a
   * snapshot; for a segment, every damage already reported from it.
   */
  async #setAside(doc: DocFiles, file: string, aside: string, what: string | null): Promise<void> {
    await rename(join(doc.dir, file), join(doc.dir, aside))
    await fsyncDir(doc.dir)
    const moved: string[] =
      what !== null ? [what] : this.#damage.list().filter((d) => d.doc === doc.id && d.kept.split(', ').includes(file)).map((d) => d.what)
    if (moved.length === 0) moved.push(`${file} (records missing)`)
    for (const damaged of moved) this.#damage.report({ doc: doc.id, what: damaged, kept: aside })
  }

  async delete(name: DocName): Promise<void> {
    if (this.#closed) throw new DocStoreError('closed', 'the doc store is closed')
    await this.#delete(this.#master.docId(name), await this.#account(ownerOf(name)))
  }

  /** Deletes every doc the owner's usage file lists (a doc is listed before its first record is written). */
  async deleteOwnedBy(owner: UserId): Promise<number> {
    if (this.#closed) throw new DocStoreError('closed', 'the doc store is closed')
    const account = await this.#account(owner)
    const ids = [...account.docs.keys()]
    for (const id of ids) await this.#delete(id, account)
    return ids.length
  }

  async #delete(id: string, account: AccountFile): Promise<void> {
    this.#damage.forget(id)
    const dir = this.#dirOf(id)
    const pending = this.#docs.get(id)
    // From now on every call on the doc rejects, before any file is touched.
    const gone = Promise.resolve(GONE)
    this.#docs.set(id, gone)
    const doc = await pending?.catch(() => null)
    if (doc && doc !== GONE) {
      doc.gone = true
      await Promise.allSettled(doc.running)
      await this.#closeSegment(doc)
    }
    try {
      // A repeated delete finds its tombstone: counted once, when it was made.
      const buried = doc === GONE || (await exists(join(dir, TOMBSTONE)))
      await mkdirDurable(dir)
      await writeFileAtomic(join(dir, TOMBSTONE), [])
      await removeContent(dir)
      if (!buried) {
        account.bury(id)
        await account.save()
      }
    } catch (cause) {
      // The tombstone may not be on disk: let the next call look again.
      if (this.#docs.get(id) === gone) this.#docs.delete(id)
      throw new DocStoreError('io', `deleting doc ${id} failed: ${(cause as Error).message}`, { cause })
    }
  }

  /**
   * Also drops the segments the snapshot covers, the last one appended to included: nothing
   * appends to a released doc, so it no longer waits for a later compaction (which an idle doc
   * may not see for long) taking disk space the account's usage does not count.
   */
  async release(name: DocName): Promise<void> {
    const id = this.#master.docId(name)
    const pending = this.#docs.get(id)
    this.#docs.delete(id)
    const doc = await pending?.catch(() => null)
    if (doc && doc !== GONE) {
      await Promise.allSettled(doc.running)
      await this.#closeSegment(doc)
      if (!doc.gone && doc.through > 0) {
        try {
          await this.#dropCovered(doc, doc.through, null)
        } catch (cause) {
          throw new DocStoreError('io', `releasing doc ${id} failed: ${(cause as Error).message}`, { cause })
        }
      }
      await doc.account.save()
    }
  }

  #dirOf(id: string): string {
    return join(this.#root, id.slice(0, 2), id)
  }

  /**
   * Deletes the segments whose every record is at most `through` (but `keep`), each read again
   * right before: one with bytes that do not open is set aside instead, never deleted.
   */
  async #dropCovered(doc: DocFiles, through: LogSeq, keep: number | null): Promise<void> {
    for (const [n, maxSeq] of doc.segments) {
      if (n === keep || maxSeq > through) continue
      const read = await readSegment(doc, n, null, this.#damage)
      if (read.damaged.length > 0 || doc.suspect.has(n)) {
        await this.#setAside(doc, segmentName(n), `damaged-${segmentName(n)}-${Date.now()}`, null)
        doc.suspect.delete(n)
      } else {
        await rm(join(doc.dir, segmentName(n)), { force: true })
      }
      doc.segments.delete(n)
      doc.segmentBytes.delete(n)
      doc.account.set(doc.id, docBytes(doc))
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const docs = [...this.#docs.values()]
    this.#docs.clear()
    for (const pending of docs) {
      const doc = await pending.catch(() => null)
      if (doc && doc !== GONE) await this.#closeSegment(doc)
    }
    await this.#accounts.close()
    await this.#reads.close()
  }

  /** Runs a load, append or compaction on `doc`, refused once the doc is deleted; `delete` waits for it. */
  async #track<T>(doc: DocFiles, operation: () => Promise<T>): Promise<T> {
    if (doc.gone) throw docGone()
    const running = operation()
    doc.running.add(running)
    try {
      return await running
    } finally {
      doc.running.delete(running)
    }
  }

  /** Closes the active segment so the next append starts a new one. Only between appends. */
  async #rotate(doc: DocFiles): Promise<void> {
    doc.rotate = false
    if (doc.segments.has(doc.active)) doc.active += 1
    await this.#closeSegment(doc)
  }

  async #closeSegment(doc: DocFiles): Promise<void> {
    const fd = doc.fd
    doc.fd = null
    if (fd !== null) await closeFd(fd).catch(() => undefined)
  }

  async #open(name: DocName, create: boolean): Promise<DocFiles | null> {
    if (this.#closed) throw new DocStoreError('closed', 'the doc store is closed')
    const id = this.#master.docId(name)
    let pending = this.#docs.get(id)
    if (!pending) {
      pending = scanDoc({ name, id, dir: this.#dirOf(id), create, master: this.#master, account: (owner) => this.#account(owner), damage: this.#damage, reads: this.#reads })
      this.#docs.set(id, pending)
    }
    let doc: DocFiles | typeof GONE | null
    try {
      doc = await pending
    } catch (err) {
      if (this.#docs.get(id) === pending) this.#docs.delete(id)
      if (err instanceof DocStoreError) throw err
      throw new DocStoreError('io', `cannot open doc: ${(err as Error).message}`, { cause: err })
    }
    if (doc === GONE || doc?.gone) throw docGone()
    if (doc) return doc
    if (this.#docs.get(id) === pending) this.#docs.delete(id)
    return create ? this.#open(name, true) : null
  }
}
