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
 * at the end of an old segment, where loading skips it. Compaction rotates the segment and
 * deletes only segments whose every record the new snapshot covers.
 *
 * Deleting a doc writes the tombstone `deleted` into its directory first, then removes every
 * other file, the key first (without it, anything a crash left behind cannot be read); a scan
 * that finds the tombstone finishes that removal.
 */
import { close, constants, open, write } from 'node:fs'
import { access, mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join } from 'node:path'
import type { DocName } from '@ferry/protocol'
import { docGone, DocStoreError, type DocStore, type LogSeq, type StoredDoc } from '../doc-store.ts'
import { MasterKey } from '../keys.ts'
import { docContext, openChunks, openFrames, packUpdates, sealChunks, sealFrame, unpackUpdates } from '../sealed-frames.ts'
import { fsyncDir, mkdirDurable, writeFileAtomic } from './fs-util.ts'
import { checkMasterKey } from './master-key-check.ts'

const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC
// Plain descriptors, not FileHandle objects: every loaded doc keeps one open.
const openFd = promisify(open)
const writeFd = promisify(write) as (fd: number, buffer: Buffer) => Promise<{ bytesWritten: number }>
const closeFd = promisify(close)
const segmentName = (n: number): string => `log-${String(n).padStart(8, '0')}`
const segmentNumber = (file: string): number | null => (/^log-(\d{8})$/.test(file) ? Number(file.slice(4)) : null)
const TOMBSTONE = 'deleted'
/** What the doc cache holds for a deleted doc. */
const GONE = Symbol('gone')

interface DocFiles {
  readonly id: string
  readonly dir: string
  readonly dataKey: Buffer
  /** Highest sequence number written to each segment. */
  readonly segments: Map<number, LogSeq>
  seq: LogSeq
  /** Segment appends go to; a new one is started on first append and after compaction. */
  active: number
  /** Descriptor of the active segment, opened on the first append to it. */
  fd: number | null
  /** Set by compaction and failed writes: the next append closes `active` and starts a new one. */
  rotate: boolean
  /** Set by `delete`: later calls reject, and the delete waits for the appends and compactions in `running`. */
  gone: boolean
  readonly running: Set<Promise<unknown>>
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** Removes every file of a deleted doc but its tombstone, the key first, and makes that durable. */
async function removeContent(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((file) => file !== TOMBSTONE)
  files.sort((a, b) => Number(b === 'key') - Number(a === 'key'))
  for (const file of files) await rm(join(dir, file), { force: true, recursive: true })
  await fsyncDir(dir)
}

export class FilesDocStore implements DocStore {
  readonly #root: string
  readonly #master: MasterKey
  readonly #docs = new Map<string, Promise<DocFiles | typeof GONE | null>>()
  #closed = false

  /** `root` is `<dataDir>/docs`; `masterKey` 32 bytes (see `loadMasterKey`). */
  constructor(root: string, masterKey: Buffer) {
    this.#root = root
    this.#master = new MasterKey(masterKey)
  }

  /** The store under `root`, refusing (ConfigError) a master key its docs were not sealed with. */
  static async open(root: string, masterKey: Buffer): Promise<FilesDocStore> {
    const store = new FilesDocStore(root, masterKey)
    await checkMasterKey(root, store.#master)
    return store
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new DocStoreError('closed', 'the document store is closed')
    await mkdir(this.#root, { recursive: true, mode: 0o700 })
    await access(this.#root, constants.R_OK | constants.W_OK)
  }

  async load(name: DocName): Promise<StoredDoc> {
    const doc = await this.#open(name, false)
    if (!doc) return { snapshot: null, updates: [], seq: 0 }
    return this.#track(doc, () => this.#read(doc))
  }

  async #read(doc: DocFiles): Promise<StoredDoc> {
    const { snapshot, through } = await this.#readSnapshot(doc)
    const updates: Uint8Array[] = []
    for (const n of [...doc.segments.keys()].sort((a, b) => a - b)) {
      for (const frame of await this.#readSegment(doc, n)) {
        if (frame.counter > through) updates.push(...unpackUpdates(frame.plaintext))
      }
    }
    return { snapshot, updates, seq: doc.seq }
  }

  async append(name: DocName, updates: readonly Uint8Array[]): Promise<LogSeq> {
    const doc = await this.#open(name, true)
    if (!doc) throw new DocStoreError('io', 'doc could not be created')
    return this.#track(doc, () => this.#append(doc, updates))
  }

  async #append(doc: DocFiles, updates: readonly Uint8Array[]): Promise<LogSeq> {
    const seq = doc.seq + 1
    const record = sealFrame(doc.dataKey, docContext(doc.id, 'log'), 0, seq, packUpdates(updates))
    try {
      let fresh = false
      if (doc.rotate) await this.#rotate(doc)
      if (doc.fd === null) {
        doc.fd = await openFd(join(doc.dir, segmentName(doc.active)), SEGMENT_FLAGS, 0o600)
        fresh = true
      }
      // O_DSYNC: the write returns once the record is on disk — one syscall per group commit.
      const { bytesWritten } = await writeFd(doc.fd, record)
      if (bytesWritten !== record.length) throw new Error(`short write (${bytesWritten} of ${record.length} bytes)`)
      if (fresh) await fsyncDir(doc.dir)
    } catch (cause) {
      // A failed write may have left part of a record behind: never append after it.
      doc.rotate = true
      throw new DocStoreError('io', `append failed: ${(cause as Error).message}`, { cause })
    }
    doc.seq = seq
    doc.segments.set(doc.active, seq)
    return seq
  }

  async compact(name: DocName, snapshot: Uint8Array, through: LogSeq): Promise<void> {
    const doc = await this.#open(name, true)
    if (!doc) throw new DocStoreError('io', 'doc could not be created')
    return this.#track(doc, () => this.#compact(doc, snapshot, through))
  }

  async #compact(doc: DocFiles, snapshot: Uint8Array, through: LogSeq): Promise<void> {
    // The active segment may have an append in flight; it is dropped by a later compaction.
    doc.rotate = true
    const head = Buffer.alloc(8)
    head.writeBigUInt64LE(BigInt(through))
    const parts = [head, ...sealChunks(doc.dataKey, docContext(doc.id, 'snapshot', through), snapshot)]
    try {
      await writeFileAtomic(join(doc.dir, 'snapshot'), parts)
      for (const [n, maxSeq] of doc.segments) {
        if (n !== doc.active && maxSeq <= through) {
          await rm(join(doc.dir, segmentName(n)), { force: true })
          doc.segments.delete(n)
        }
      }
    } catch (cause) {
      throw new DocStoreError('io', `compaction failed: ${(cause as Error).message}`, { cause })
    }
  }

  async delete(name: DocName): Promise<void> {
    if (this.#closed) throw new DocStoreError('closed', 'the doc store is closed')
    const id = this.#master.docId(name)
    const dir = join(this.#root, id.slice(0, 2), id)
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
      await mkdirDurable(dir)
      await writeFileAtomic(join(dir, TOMBSTONE), [])
      await removeContent(dir)
    } catch (cause) {
      // The tombstone may not be on disk: let the next call look again.
      if (this.#docs.get(id) === gone) this.#docs.delete(id)
      throw new DocStoreError('io', `deleting doc ${id} failed: ${(cause as Error).message}`, { cause })
    }
  }

  async release(name: DocName): Promise<void> {
    const id = this.#master.docId(name)
    const pending = this.#docs.get(id)
    this.#docs.delete(id)
    const doc = await pending?.catch(() => null)
    if (doc && doc !== GONE) await this.#closeSegment(doc)
  }

  async close(): Promise<void> {
    this.#closed = true
    const docs = [...this.#docs.values()]
    this.#docs.clear()
    for (const pending of docs) {
      const doc = await pending.catch(() => null)
      if (doc && doc !== GONE) await this.#closeSegment(doc)
    }
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
      pending = this.#scan(id, join(this.#root, id.slice(0, 2), id), create)
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

  async #scan(id: string, dir: string, create: boolean): Promise<DocFiles | typeof GONE | null> {
    if (await exists(join(dir, TOMBSTONE))) {
      // A crash during a delete may have left files behind.
      await removeContent(dir)
      return GONE
    }
    let dataKey: Buffer
    try {
      dataKey = this.#master.unwrapDataKey(id, await readFile(join(dir, 'key')))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      if (!create) return null
      await mkdirDurable(dir)
      const fresh = this.#master.newDataKey(id)
      await writeFileAtomic(join(dir, 'key'), [fresh.wrapped])
      dataKey = fresh.key
    }
    const doc: DocFiles = { id, dir, dataKey, segments: new Map(), seq: 0, active: 1, fd: null, rotate: false, gone: false, running: new Set() }
    const numbers = (await readdir(dir)).map(segmentNumber).filter((n): n is number => n !== null)
    for (const n of numbers.sort((a, b) => a - b)) {
      const frames = await this.#readSegment(doc, n)
      const maxSeq = frames.at(-1)?.counter ?? 0
      doc.segments.set(n, maxSeq)
      doc.seq = Math.max(doc.seq, maxSeq)
      doc.active = n + 1
    }
    const { through } = await this.#readSnapshot(doc)
    doc.seq = Math.max(doc.seq, through)
    return doc
  }

  async #readSegment(doc: DocFiles, n: number): Promise<ReturnType<typeof openFrames>['frames']> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(doc.dir, segmentName(n)))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return openFrames(doc.dataKey, docContext(doc.id, 'log'), bytes).frames
  }

  async #readSnapshot(doc: DocFiles): Promise<{ snapshot: Uint8Array | null; through: LogSeq }> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(doc.dir, 'snapshot'))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { snapshot: null, through: 0 }
      throw err
    }
    const through = bytes.length >= 8 ? Number(bytes.readBigUInt64LE(0)) : -1
    const snapshot = openChunks(doc.dataKey, docContext(doc.id, 'snapshot', through), bytes.subarray(8))
    if (!snapshot) throw new DocStoreError('corrupt', `the snapshot of doc ${doc.id} is damaged`)
    return { snapshot, through }
  }
}
