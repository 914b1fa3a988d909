/**
 * A consistent copy of one doc's directory of the files store while a relay writes to it
 * (see `storage/files/files-doc-store.ts` for the layout). No handshake with the relay is
 * needed, because of how that store changes a doc's files:
 *
 * - records are only appended to segments, each acknowledged once on disk (O_DSYNC);
 * - `key` and the snapshot are replaced whole by rename, never rewritten in place;
 * - a segment is deleted (or renamed aside) only after a snapshot covering every record in it
 *   is durable.
 *
 * So the copy reads the listing, then the key, then the snapshot, then every listed segment:
 * each record acknowledged before the listing is in the snapshot read or in a segment read
 * after it, unless that segment vanished in between — a compaction ran, and the copy starts
 * again. A record being appended while it is read shows as a torn tail and is left out, as a
 * crash would leave it (it was not yet acknowledged). Then the copy is verified by opening it
 * with the master key: every record past the snapshot must be there. A gap seen in two
 * attempts in a row is damage in the data dir itself (reported by `/healthz`), not a race: it
 * is copied as it is, with a warning.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { MasterKey } from '../storage/keys.ts'
import { docContext, openChunks, readLog } from '../storage/sealed-frames.ts'

const TOMBSTONE = 'deleted'
const ATTEMPTS = 50

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
    if (!/^log-\d{8}$/.test(name)) continue
    for (const frame of readLog(dataKey, docContext(id, 'log'), bytes).frames) found.add(frame.counter)
  }
  let top = 0
  for (const seq of found) top = Math.max(top, seq)
  const missing: number[] = []
  for (let seq = from + 1; seq <= top; seq++) if (!found.has(seq)) missing.push(seq)
  return missing
}

/** One attempt: every file of the doc, read in the order that keeps them consistent; null when one vanished. */
async function readOnce(dir: string): Promise<Map<string, Buffer> | null> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (vanished(error)) return new Map()
    throw error
  }
  // A doc being deleted: its tombstone is enough, a restore finishes the removal.
  if (names.includes(TOMBSTONE)) return new Map([[TOMBSTONE, Buffer.alloc(0)]])
  const rank = (name: string): number => (name === 'key' ? 0 : name === 'snapshot' ? 1 : 2)
  const ordered = names.filter((name) => !name.endsWith('.tmp')).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const files = new Map<string, Buffer>()
  for (const name of ordered) {
    try {
      files.set(name, await readFile(join(dir, name)))
    } catch (error) {
      if (vanished(error)) return null
      throw error
    }
  }
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
