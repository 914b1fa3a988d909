/**
 * The backup file: a gzip-compressed POSIX tar (ustar) of regular files, so `tar -tzf` lists
 * it and `tar -xzf` unpacks it by hand if ever needed. Only what a data dir holds is written:
 * regular files with mode 0600, paths below 255 characters, sizes below 8 GiB. The reader
 * takes back only that shape and refuses anything else (links, devices, paths leaving the
 * archive), since a backup file may have been tampered with.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { createGunzip, createGzip, type Gzip } from 'node:zlib'

const BLOCK = 512
const MAX_SIZE = 8 ** 11 - 1

export class ArchiveError extends Error {
  override name = 'ArchiveError'
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

/** Splits `path` into ustar's prefix (≤ 155) and name (≤ 100) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path }
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name }
  }
  throw new ArchiveError(`the path ${path} is too long for the backup format`)
}

function header(path: string, size: number, mtime: number): Buffer {
  if (size > MAX_SIZE) throw new ArchiveError(`${path} is larger than 8 GiB, more than the backup format holds`)
  const { prefix, name } = splitPath(path)
  const block = Buffer.alloc(BLOCK)
  block.write(name, 0)
  block.write(octal(0o600, 8), 100)
  block.write(octal(0, 8), 108)
  block.write(octal(0, 8), 116)
  block.write(octal(size, 12), 124)
  block.write(octal(Math.floor(mtime / 1000), 12), 136)
  block.write('        ', 148)
  block.write('0', 156)
  block.write('ustar\0' + '00', 257)
  block.write(prefix, 345)
  block.write(octal(checksum(block), 7) + ' ', 148)
  return block
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces. */
function checksum(block: Buffer): number {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!
  return sum
}

/** Writes entries to a gzip-compressed tar file, with back-pressure. */
export class ArchiveWriter {
  readonly #gzip: Gzip
  readonly #file: WriteStream
  readonly #done: Promise<unknown>

  constructor(path: string) {
    this.#file = createWriteStream(path, { flags: 'wx', mode: 0o600 })
    this.#gzip = createGzip()
    this.#gzip.pipe(this.#file)
    this.#done = once(this.#file, 'close')
    // A failed write rejects the next `add` or `finish` through `#write`.
    this.#file.on('error', (error) => this.#gzip.destroy(error))
  }

  async #write(bytes: Buffer): Promise<void> {
    if (this.#gzip.destroyed) throw this.#gzip.errored ?? new ArchiveError('the backup file is closed')
    if (!this.#gzip.write(bytes)) await once(this.#gzip, 'drain')
  }

  async add(path: string, bytes: Uint8Array, mtime = Date.now()): Promise<void> {
    await this.#write(header(path, bytes.length, mtime))
    await this.#write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
    const pad = (BLOCK - (bytes.length % BLOCK)) % BLOCK
    if (pad > 0) await this.#write(Buffer.alloc(pad))
  }

  /** Ends the archive (two empty blocks) and waits until the file is closed. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(2 * BLOCK))
    this.#gzip.end()
    await this.#done
    if (this.#file.errored) throw this.#file.errored
  }

  /** Stops writing after a failure (the caller removes the partial file). */
  async abort(): Promise<void> {
    this.#gzip.destroy()
    this.#file.destroy()
    await this.#done.catch(() => undefined)
  }
}

export interface ArchiveEntry {
  readonly path: string
  readonly bytes: Buffer
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? length : end).toString('utf8')
}

function parseHeader(block: Buffer): { path: string; size: number } {
  const stored = Number.parseInt(field(block, 148, 8).trim(), 8)
  if (stored !== checksum(block)) throw new ArchiveError('the backup file is damaged (a header checksum does not match)')
  const type = String.fromCharCode(block[156]!)
  const prefix = field(block, 345, 155)
  const path = prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100)
  if (type !== '0' && type !== '\0') throw new ArchiveError(`the backup file holds ${path}, which is not a regular file; a Ferry backup holds only files`)
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '' || part === '.')) {
    throw new ArchiveError(`the backup file holds the path "${path}", which would leave the data dir`)
  }
  const size = Number.parseInt(field(block, 124, 12).trim(), 8)
  if (!Number.isSafeInteger(size) || size < 0) throw new ArchiveError(`the backup file gives ${path} an unreadable size`)
  return { path, size }
}

/** Bytes received and not yet taken, joined only when a whole piece is there (large entries arrive in many chunks). */
class Pending {
  #chunks: Buffer[] = []
  length = 0

  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.length += chunk.length
  }

  /** The next `count` bytes (the caller checked `length`). */
  take(count: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks)
    this.#chunks = all.length > count ? [all.subarray(count)] : []
    this.length -= count
    return all.subarray(0, count)
  }
}

/** Reads the entries of a gzip-compressed tar file in order, each whole. */
export async function* readArchive(path: string): AsyncGenerator<ArchiveEntry> {
  const stream = createReadStream(path).pipe(createGunzip())
  const input = new Pending()
  let next: { path: string; size: number } | null = null
  let ended = false
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (ended) continue
    input.push(chunk)
    for (;;) {
      if (next === null) {
        if (input.length < BLOCK) break
        const block = input.take(BLOCK)
        if (block.every((byte) => byte === 0)) {
          ended = true
          break
        }
        next = parseHeader(block)
      }
      const padded = Math.ceil(next.size / BLOCK) * BLOCK
      if (input.length < padded) break
      const entry = { path: next.path, bytes: Buffer.from(input.take(padded).subarray(0, next.size)) }
      next = null
      yield entry
    }
  }
  if (!ended) throw new ArchiveError('the backup file ends early: it is incomplete or damaged')
}
