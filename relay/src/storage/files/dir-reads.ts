/**
 * Reading a doc's directory whole — its listing and every content file in it (`key`,
 * `snapshot`, `log-<n>`) — for the files doc store's first open of a doc.
 *
 * Two implementations of one interface (contract: `test/contracts/dir-reads.test.ts`):
 *
 * - `ThreadDirReads` reads in a worker thread with blocking calls, every directory asked for
 *   in one event-loop turn in one message. A cold 303-doc open reads 303 listings and ~606
 *   small files: through fs's callbacks that is four thread-pool round trips per file, each
 *   with a callback on the main thread (measured, 303 docs of 9 KB: 36–70 ms wall and 56–136
 *   ms CPU over all threads), against one message each way per turn here (18–33 ms and 18–39
 *   ms, most of it in the worker). The relay's event loop never waits on the disk.
 * - `CallbackDirReads` reads on the main thread through fs's callback API, as the store did
 *   before; `ThreadDirReads` falls back to it for good when its worker cannot start or dies.
 *
 * A directory that does not exist reads as empty; a content file that vanished between the
 * listing and its read (a compaction dropping a segment) is left out, as a missing file;
 * any other error fails that directory's read only.
 */
import fs from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

/** Non-blocking: a FIFO in a doc's directory fails its read instead of hanging it. */
const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK

/** Files a doc's first open reads: its data key, its snapshot, its log segments. */
const CONTENT_FILE = /^(?:key|snapshot|log-\d{8})$/

export interface DirRead {
  /** Every name in the directory (content files, tombstone, set-aside files, `versions`, …). */
  readonly names: readonly string[]
  /** The bytes of each content file the listing named and that could be read. */
  readonly files: ReadonlyMap<string, Buffer>
}

export interface DirReads {
  read(dir: string): Promise<DirRead>
  /** Stops the worker, if any; reads asked for afterwards still work (in-thread). */
  close(): Promise<void>
}

export class CallbackDirReads implements DirReads {
  async read(dir: string): Promise<DirRead> {
    let names: string[]
    try {
      names = await new Promise<string[]>((resolve, reject) => fs.readdir(dir, (error, found) => (error ? reject(error) : resolve(found))))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { names: [], files: new Map() }
      throw err
    }
    const files = new Map<string, Buffer>()
    for (const name of names.filter((n) => CONTENT_FILE.test(n))) {
      try {
        files.set(name, await readRegularFile(join(dir, name)))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    return { names, files }
  }

  async close(): Promise<void> {}
}

/** The bytes of the regular file at `path` (ENOENT when there is none; EISDIR or EFTYPE for another kind of file). */
async function readRegularFile(path: string): Promise<Buffer> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(path, READ_FLAGS, (error, opened) => (error ? reject(error) : resolve(opened))))
  try {
    const stat = await new Promise<fs.Stats>((resolve, reject) => fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats))))
    if (!stat.isFile()) {
      const code = stat.isDirectory() ? 'EISDIR' : 'EFTYPE'
      throw Object.assign(new Error(`${code}: not a regular file: ${path}`), { code })
    }
    return await new Promise<Buffer>((resolve, reject) => fs.readFile(fd, (error, data) => (error ? reject(error) : resolve(data))))
  } finally {
    await new Promise<void>((resolve, reject) => fs.close(fd, (error) => (error ? reject(error) : resolve())))
  }
}

/**
 * The worker's code, as plain JavaScript evaluated by `Worker` (no file of its own, so it runs
 * the same under tsx and in the bundled build). It answers `{ batch, dirs }` with one result
 * per dir, in order: `{ names, files: [[name, bytes]…] }`, `{ large: true }` for a directory
 * whose content files hold more than `maxBytes` (read on the main thread instead, through the
 * thread pool, so one large doc does not hold up the batches behind it), or
 * `{ error: { message, code } }`. Files open non-blocking, so a FIFO fails its directory
 * instead of stopping the worker.
 * It repeats `CallbackDirReads`'s rules (which files, non-blocking opens, regular files only,
 * ENOENT skipped) in plain JavaScript, as evaluated code cannot import this module: the
 * contract suite holds both to the same results, so a rule changed in one fails there.
 * File buffers are transferred, not copied (each `readFileSync` result owns its memory unless
 * it is small enough to share a pool slab, which is copied).
 */
const WORKER_SOURCE = `
const fs = require('node:fs')
const { join } = require('node:path')
const { parentPort, workerData } = require('node:worker_threads')
const content = new RegExp(workerData.content)
const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK
function readDir(dir) {
  let names
  try { names = fs.readdirSync(dir) } catch (err) {
    if (err.code === 'ENOENT') return { names: [], files: [] }
    throw err
  }
  const opened = []
  try {
    let bytes = 0
    for (const name of names) {
      if (!content.test(name)) continue
      let fd
      try { fd = fs.openSync(join(dir, name), READ_FLAGS) } catch (err) {
        if (err.code === 'ENOENT') continue
        throw err
      }
      opened.push([name, fd])
      const stat = fs.fstatSync(fd)
      if (!stat.isFile()) {
        const code = stat.isDirectory() ? 'EISDIR' : 'EFTYPE'
        throw Object.assign(new Error(code + ': not a regular file: ' + join(dir, name)), { code })
      }
      bytes += stat.size
      if (bytes > workerData.maxBytes) return { large: true }
    }
    return { names, files: opened.map(([name, fd]) => [name, fs.readFileSync(fd)]) }
  } finally {
    for (const [, fd] of opened) fs.closeSync(fd)
  }
}
parentPort.on('message', ({ batch, dirs }) => {
  const results = []
  const transfer = []
  for (const dir of dirs) {
    try {
      const read = readDir(dir)
      for (const [, bytes] of read.files || []) {
        if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer)
      }
      results.push(read)
    } catch (err) {
      results.push({ error: { message: String(err && err.message), code: err && err.code } })
    }
  }
  parentPort.postMessage({ batch, results }, transfer)
})
`

type WorkerResult =
  | { names: string[]; files: [string, Uint8Array][] }
  | { large: true }
  | { error: { message: string; code?: string } }

/**
 * A directory whose content files hold more than this is read on the main thread (through the
 * thread pool): the worker reads one batch at a time, and the docs behind a 150 MB snapshot
 * waited ~1.2 s for their first open (~5 ms read in-thread). Nearly every doc is far smaller
 * (a 20-request collection: ~9 KB; 6,000 requests in one collection: 2.7 MB).
 */
const WORKER_MAX_DIR_BYTES = 4 * 1024 * 1024

interface Waiting {
  readonly dir: string
  resolve(read: DirRead): void
  reject(error: Error): void
}

export class ThreadDirReads implements DirReads {
  readonly #fallback = new CallbackDirReads()
  #worker: Worker | null = null
  #broken = false
  /** Reads asked for in this turn, sent together at its end. */
  #queued: Waiting[] = []
  readonly #sent = new Map<number, Waiting[]>()
  #nextBatch = 0

  read(dir: string): Promise<DirRead> {
    if (this.#broken) return this.#fallback.read(dir)
    return new Promise((resolve, reject) => {
      if (this.#queued.length === 0) setImmediate(() => this.#flush())
      this.#queued.push({ dir, resolve, reject })
    })
  }

  async close(): Promise<void> {
    this.#broken = true
    const worker = this.#worker
    this.#worker = null
    this.#flush()
    if (worker) await worker.terminate()
  }

  #flush(): void {
    const batch = this.#queued
    this.#queued = []
    if (batch.length === 0) return
    const worker = this.#broken ? null : this.#ensureWorker()
    if (!worker) {
      this.#readInThread(batch)
      return
    }
    const id = this.#nextBatch++
    this.#sent.set(id, batch)
    worker.ref()
    worker.postMessage({ batch: id, dirs: batch.map((w) => w.dir) })
  }

  #ensureWorker(): Worker | null {
    if (this.#worker) return this.#worker
    try {
      // No flags of the parent's (`--import tsx`, `--input-type=module`, which would make the
      // evaluated code a module without `require`): it is plain CommonJS.
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { content: CONTENT_FILE.source, maxBytes: WORKER_MAX_DIR_BYTES } })
      worker.on('message', (message: { batch: number; results: WorkerResult[] }) => this.#settle(message))
      worker.on('error', (error) => this.#giveUp(worker, error))
      worker.on('exit', () => this.#giveUp(worker, null))
      // Idle between reads it must not keep the process alive; with reads in flight it must
      // (`#flush`, `#settle`). Unref'd after the listeners: adding one refs the worker again.
      worker.unref()
      this.#worker = worker
      return worker
    } catch (error) {
      this.#broken = true
      warnInThread(error as Error)
      return null
    }
  }

  #settle({ batch, results }: { batch: number; results: WorkerResult[] }): void {
    const waiting = this.#sent.get(batch)
    if (!waiting) return
    this.#sent.delete(batch)
    if (this.#sent.size === 0) this.#worker?.unref()
    for (const [i, w] of waiting.entries()) {
      const result = results[i]!
      if ('error' in result) {
        w.reject(Object.assign(new Error(result.error.message), { code: result.error.code }))
        continue
      }
      if ('large' in result) {
        this.#fallback.read(w.dir).then(w.resolve, w.reject)
        continue
      }
      const files = new Map<string, Buffer>()
      for (const [name, bytes] of result.files) files.set(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      w.resolve({ names: result.names, files })
    }
  }

  /** The worker failed or exited: what it had not answered is read here, as is everything after. */
  #giveUp(worker: Worker, error: Error | null): void {
    if (this.#worker === worker) {
      this.#worker = null
      // Not after `close`, which let it go on purpose.
      if (!this.#broken) warnInThread(error ?? new Error('the worker exited'))
    }
    this.#broken = true
    const unanswered = [...this.#sent.values()].flat()
    this.#sent.clear()
    this.#readInThread(unanswered)
  }

  #readInThread(batch: readonly Waiting[]): void {
    for (const w of batch) this.#fallback.read(w.dir).then(w.resolve, w.reject)
  }
}

function warnInThread(error: Error): void {
  process.emitWarning(`doc directories are read on the main thread from now on: the reading worker failed (${error.message})`, 'FerryDirReads')
}
