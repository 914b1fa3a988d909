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
        files.set(name, await new Promise<Buffer>((resolve, reject) => fs.readFile(join(dir, name), (error, data) => (error ? reject(error) : resolve(data)))))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    return { names, files }
  }

  async close(): Promise<void> {}
}

/**
 * The worker's code, as plain JavaScript evaluated by `Worker` (no file of its own, so it runs
 * the same under tsx and in the bundled build). It answers `{ batch, dirs }` with one result
 * per dir, in order: `{ names, files: [[name, bytes]…] }` or `{ error: { message, code } }`.
 * File buffers are transferred, not copied (each `readFileSync` result owns its memory unless
 * it is small enough to share a pool slab, which is copied).
 */
const WORKER_SOURCE = `
const fs = require('node:fs')
const { join } = require('node:path')
const { parentPort, workerData } = require('node:worker_threads')
const content = new RegExp(workerData.content)
function readDir(dir) {
  let names
  try { names = fs.readdirSync(dir) } catch (err) {
    if (err.code === 'ENOENT') return { names: [], files: [] }
    throw err
  }
  const files = []
  for (const name of names) {
    if (!content.test(name)) continue
    try { files.push([name, fs.readFileSync(join(dir, name))]) } catch (err) {
      if (err.code !== 'ENOENT') throw err
    }
  }
  return { names, files }
}
parentPort.on('message', ({ batch, dirs }) => {
  const results = []
  const transfer = []
  for (const dir of dirs) {
    try {
      const read = readDir(dir)
      for (const [, bytes] of read.files) {
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
  | { error: { message: string; code?: string } }

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
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { content: CONTENT_FILE.source } })
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
