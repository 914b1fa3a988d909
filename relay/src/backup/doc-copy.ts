/**
 * A consistent copy of one doc's directory of the files store while a relay writes to it
 * (see `storage/files/files-doc-store.ts` for the layout; `versions/` below it holds the doc's
 * version history). No handshake with the relay is needed, because of how the store changes a
 * doc's files:
 *
 * - records are only appended to segments, each acknowledged once on disk (O_DSYNC);
 * - every other file (`key`, the snapshot, `versions/index`, a version's state) is written
 *   whole and renamed into place, never rewritten in place;
 * - a segment is deleted (or renamed aside) only after a snapshot covering every record in it
 *   is durable.
 *
 * So the copy lists the files, reads the key, then the snapshot, then the rest, and lists
 * again: when a file vanished before it was read, or a file other than a segment appeared, the
 * doc changed under the copy (a compaction, a new version) and the copy starts again. What
 * remains is one state of the doc, plus records appended meanwhile: each record acknowledged
 * before the first listing is in the snapshot read or in a segment read after it. A record
 * being appended while it is read shows as a torn tail and is left out, as after a crash (it
 * was not acknowledged yet). The copy is then verified by opening it with the master key: every
 * record past the snapshot must be there. A gap seen in two attempts in a row is damage in the
 * data dir itself (which `/healthz` reports), not a race: it is copied as it is, with a warning.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { MasterKey } from '../storage/keys.ts'
import { docContext, openChunks, readLog } from '../storage/sealed-frames.ts'

const TOMBSTONE = 'deleted'
const ATTEMPTS = 50
const SEGMENT = /^log-\d{8}$/

export interface DocCopy {
  /** File name in the doc's directory → bytes. */
  readonly files: ReadonlyMap<string, Buffer>
  /** Records missing from the data dir itself (damage), if any. */
  readonly missing: readonly number[]
}

const vanished = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT'

/** Records past the snapshot (or all, when it does not open) that the copied segments lack. */
export function missingRecords(id: string, dataKey: Buffer, files: ReadonlyMap<string, Buffer>): number[] {
  const snapshot = files.get('snapshot')
  const through = snapshot && snapshot.length >= 8 ? Number(snapshot.readBigUInt64LE(0)) : 0
  const opened = snapshot && snapshot.length >= 8 ? openChunks(dataKey, docContext(id, 'snapshot', through), snapshot.subarray(8)) : null
  const from = opened ? through : 0
  const found = new Set<number>()
  for (const [name, bytes] of files) {
    if (!SEGMENT.test(name)) continue
    for (const frame of readLog(dataKey, docContext(id, 'log'), bytes).frames) found.add(frame.counter)
  }
  let top = 0
  for (const seq of found) top = Math.max(top, seq)
  const missing: number[] = []
  for (let seq = from + 1; seq <= top; seq++) if (!found.has(seq)) missing.push(seq)
  return missing
}

/** Every file below `dir` (`versions/index` for one in a subdirectory), but temp files of writes in progress. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

/**
 * One attempt: every file of the doc, read in the order that keeps them consistent; null when
 * the doc changed meanwhile in a way that could mix two states: a file vanished before it was
 * read, or a file other than a segment appeared (a version's state an index read after the
 * listing may name). A file replaced by rename after it was read is fine: what was read still
 * fits the rest (what it covered cannot be deleted before it is replaced).
 */
async function readOnce(dir: string): Promise<Map<string, Buffer> | null> {
  let names: string[]
  try {
    names = await listFiles(dir)
  } catch (error) {
    if (vanished(error)) return new Map()
    throw error
  }
  // A doc being deleted: its tombstone is enough, a restore finishes the removal.
  if (names.includes(TOMBSTONE)) return new Map([[TOMBSTONE, Buffer.alloc(0)]])
  const rank = (name: string): number => (name === 'key' ? 0 : name === 'snapshot' ? 1 : 2)
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const files = new Map<string, Buffer>()
  for (const name of names) {
    try {
      files.set(name, await readFile(join(dir, name)))
    } catch (error) {
      if (vanished(error)) return null
      throw error
    }
  }
  const after = await listFiles(dir).catch((error: unknown) => (vanished(error) ? [] : Promise.reject(error)))
  if (after.some((name) => !files.has(name) && !SEGMENT.test(name))) return null
  return files
}

export async function copyDoc(dir: string, id: string, master: MasterKey): Promise<DocCopy> {
  let lastGap: string | null = null
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const files = await readOnce(dir)
    if (files === null) continue
    const wrapped = files.get('key')
    if (!wrapped) return { files, missing: [] }
    const missing = missingRecords(id, master.unwrapDataKey(id, wrapped), files)
    if (missing.length === 0) return { files, missing }
    const gap = missing.join(',')
    if (gap === lastGap) return { files, missing }
    lastGap = gap
  }
  throw new Error(`doc ${id} changed under every one of ${ATTEMPTS} attempts to copy it`)
}
