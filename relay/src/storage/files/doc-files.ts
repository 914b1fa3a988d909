/**
 * One doc's directory as the files store holds it open (`DocFiles`), and reading it: log
 * segments, the snapshot, and the doc's updates assembled from them. Opening a doc reads each
 * of its files once — the directory listing (which also shows a tombstone, the key and the
 * snapshot, so a missing file is never opened), the key, every segment, the snapshot — and the
 * first load takes the updates that read found instead of reading everything again.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DocName } from '@ferry/protocol'
import type { DamageRegister, LogSeq, StoredDoc } from '../doc-store.ts'
import { docContext, openChunks, readLog, unpackUpdates, type LogRead } from '../sealed-frames.ts'
import type { AccountFile } from './account-usage.ts'
import { fsyncDir, readdir, readFileIfThere } from './fs-util.ts'

export const TOMBSTONE = 'deleted'
export const segmentName = (n: number): string => `log-${String(n).padStart(8, '0')}`
export const segmentNumber = (file: string): number | null => (/^log-(\d{8})$/.test(file) ? Number(file.slice(4)) : null)
/** Files a compaction set aside because they hold bytes that could not be read. */
export const isSetAside = (file: string): boolean => file.startsWith('damaged-')

export interface DocFiles {
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
  /** The snapshot file does not open: the next compaction sets it aside instead of replacing it. */
  snapshotDamaged: boolean
  /** Segments a compaction must set aside though they read clean (they lack records; see `assemble`). */
  readonly suspect: Set<number>
  /** The account the doc counts against, and the bytes each of its files takes (segments by number). */
  readonly account: AccountFile
  readonly segmentBytes: Map<number, number>
  snapshotBytes: number
  /** The last record the snapshot holds (0: none, or a snapshot that does not open). */
  through: LogSeq
  /**
   * What opening the doc for a load read, for that load to take (then null): a second read of
   * every file would find the same. Dropped by any write, which makes it stale.
   */
  initial: StoredDoc | null
}

/**
 * Bytes a doc counts for: its snapshot and the log segments holding records the snapshot
 * lacks. A segment the snapshot covers only waits to be deleted (the one appends go to stays
 * until the next compaction, as an append may be writing to it), so it counts as freed; once
 * appended to again it counts in full.
 */
export function docBytes(doc: DocFiles): number {
  let bytes = doc.snapshotBytes
  for (const [n, size] of doc.segmentBytes) if ((doc.segments.get(n) ?? 0) > doc.through) bytes += size
  return bytes
}

/** Removes every file of a deleted doc but its tombstone, the key first, and makes that durable. */
export async function removeContent(dir: string): Promise<void> {
  const files = (await readdir(dir)).filter((file) => file !== TOMBSTONE)
  files.sort((a, b) => Number(b === 'key') - Number(a === 'key'))
  // A version being written into `versions/` as the doc is deleted can make a directory briefly
  // non-empty (ENOTEMPTY): Node retries those; the version store removes what it wrote after.
  for (const file of files) await rm(join(dir, file), { force: true, recursive: true, maxRetries: 5, retryDelay: 20 })
  await fsyncDir(dir)
}

/** What reading one segment found, and its size. */
export interface SegmentRead extends LogRead {
  readonly n: number
  readonly bytes: number
}

/** Reads segment `n`, reporting its damage (a torn tail is quiet). */
export async function readSegment(doc: DocFiles, n: number, name: DocName | null, damage: DamageRegister): Promise<SegmentRead> {
  return openSegment(doc, n, await readFileIfThere(join(doc.dir, segmentName(n))), name, damage)
}

/** Segment `n` from its bytes as read (`null`: the file is not there), reporting its damage. */
export function openSegment(doc: DocFiles, n: number, bytes: Buffer | null, name: DocName | null, damage: DamageRegister): SegmentRead {
  if (!bytes) return { n, bytes: 0, frames: [], damaged: [], tornTail: 0 }
  const read = readLog(doc.dataKey, docContext(doc.id, 'log'), bytes)
  for (const { start, end } of read.damaged) {
    damage.report({ doc: doc.id, what: `bytes ${start}–${end} of ${segmentName(n)}`, kept: segmentName(n) }, name)
  }
  return { ...read, n, bytes: bytes.length }
}

export interface SnapshotRead {
  readonly snapshot: Uint8Array | null
  readonly through: LogSeq
  /** Bytes the file takes (0: none). */
  readonly bytes: number
}

/** Reads the snapshot; one that does not open is reported and marked (`snapshotDamaged`), never replaced. */
export async function readSnapshot(doc: DocFiles, name: DocName, damage: DamageRegister): Promise<SnapshotRead> {
  return openSnapshot(doc, await readFileIfThere(join(doc.dir, 'snapshot')), name, damage)
}

/** The snapshot from its bytes as read (`null`: no snapshot file), as `readSnapshot`. */
export function openSnapshot(doc: DocFiles, bytes: Buffer | null, name: DocName, damage: DamageRegister): SnapshotRead {
  if (!bytes) return { snapshot: null, through: 0, bytes: 0 }
  const through = bytes.length >= 8 ? Number(bytes.readBigUInt64LE(0)) : 0
  const snapshot = bytes.length >= 8 ? openChunks(doc.dataKey, docContext(doc.id, 'snapshot', through), bytes.subarray(8)) : null
  if (snapshot) return { snapshot, through, bytes: bytes.length }
  // Loaded without it, loudly; kept until a compaction sets it aside (never replaced).
  doc.snapshotDamaged = true
  damage.report({ doc: doc.id, what: 'snapshot', kept: 'snapshot' }, name)
  return { snapshot: null, through, bytes: bytes.length }
}

/** Reads the snapshot and every segment the doc lists, then assembles them. */
export async function readDoc(doc: DocFiles, name: DocName, damage: DamageRegister): Promise<StoredDoc> {
  const snapshot = await readSnapshot(doc, name, damage)
  const segments: SegmentRead[] = []
  for (const n of [...doc.segments.keys()].sort((a, b) => a - b)) segments.push(await readSegment(doc, n, name, damage))
  return assemble(doc, name, snapshot, segments, damage)
}

/** The doc's updates from what was read: the snapshot, then every record it does not hold. */
export function assemble(doc: DocFiles, name: DocName, read: SnapshotRead, segments: readonly SegmentRead[], damage: DamageRegister): StoredDoc {
  const { snapshot, through } = read
  // Without its snapshot, every record still on disk helps (applying one twice is a no-op).
  const from = snapshot ? through : 0
  const updates: Uint8Array[] = []
  const found = new Set<LogSeq>()
  const unclean: number[] = []
  for (const segment of segments) {
    if (segment.damaged.length > 0 || segment.tornTail > 0) unclean.push(segment.n)
    for (const frame of segment.frames) {
      if (frame.counter <= from) continue
      updates.push(...unpackUpdates(frame.plaintext))
      found.add(frame.counter)
    }
  }
  // Records are numbered without gaps and a compaction keeps every one above `through`: a
  // missing number is a record lost to damage, e.g. a record whose length field grew and
  // now looks like a torn tail. Its segment is kept aside at compaction.
  let top = 0
  for (const seq of found) top = Math.max(top, seq)
  const missing = []
  for (let seq = Math.max(through, 0) + 1; seq <= top; seq++) if (!found.has(seq)) missing.push(seq)
  if (missing.length > 0) {
    for (const n of unclean) doc.suspect.add(n)
    const what = missing.length === 1 ? `record ${missing[0]}` : `records ${missing[0]}–${missing.at(-1)} (${missing.length} missing)`
    damage.report({ doc: doc.id, what, kept: unclean.map(segmentName).join(', ') || 'nowhere (no segment holds it)' }, name)
  }
  return { snapshot, updates, seq: doc.seq }
}
