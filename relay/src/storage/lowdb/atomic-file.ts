/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the directory. A crash at any point leaves either the old or the new
 * file, never a torn one. lowdb's own `JSONFile` renames but never fsyncs, so a power loss
 * right after a write could lose it; `DurableJsonFile` is the adapter that does both.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Adapter } from 'lowdb'
import { readFileIfThere } from '../files/fs-util.ts'

/** Replaces `path` with `data` atomically and durably; the file gets `mode` (default 0600). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const file = await open(temp, 'w', mode)
  try {
    await file.writeFile(data)
    await file.sync()
  } catch (error) {
    await file.close()
    await rm(temp, { force: true })
    throw error
  }
  await file.close()
  await rename(temp, path)
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/** A lowdb adapter storing `T` as JSON, written with {@link writeFileAtomic}. */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(private readonly path: string) {}

  async read(): Promise<T | null> {
    const bytes = await readFileIfThere(this.path)
    if (bytes === null) return null
    try {
      return JSON.parse(bytes.toString('utf8')) as T
    } catch (error) {
      throw new Error(`${this.path} is not valid JSON (${(error as Error).message}); restore it from a backup`)
    }
  }

  write(data: T): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify(data))
  }
}
