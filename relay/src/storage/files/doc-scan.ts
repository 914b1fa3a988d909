/**
 * Opening a doc's directory for the files doc store, reading each file once and all of them in
 * one go (`DirReads`): the listing (tombstone, key, segments and snapshot, so a missing file is
 * never tried), the key, every segment and the snapshot. A tombstone finishes the removal a
 * crash interrupted.
 */
import { join } from 'node:path'
import type { DocName, UserId } from '@ferry/protocol'
import type { DamageRegister } from '../doc-store.ts'
import type { MasterKey } from '../keys.ts'
import { ownerOf } from '../usage.ts'
import type { AccountFile } from './account-usage.ts'
import type { DirReads } from './dir-reads.ts'
import {
  assemble,
  docBytes,
  isSetAside,
  openSegment,
  openSnapshot,
  removeContent,
  segmentName,
  segmentNumber,
  TOMBSTONE,
  type DocFiles,
  type SegmentRead,
} from './doc-files.ts'
import { mkdirDurable, writeFileAtomic } from './fs-util.ts'

/** What the doc cache holds for a deleted doc. */
export const GONE = Symbol('gone')
/** A snapshot's `through` header is believed (for numbering) only below this. */
const PLAUSIBLE_SEQ = 2 ** 48

/**
 * The doc's files as read now: GONE for a deleted doc, null for one without a key unless
 * `create` (which writes a new key). For a load (`create` false) the doc's updates are
 * assembled from that read and kept for it (`initial`).
 */
export async function scanDoc(input: {
  readonly name: DocName
  readonly id: string
  readonly dir: string
  readonly create: boolean
  readonly master: MasterKey
  readonly account: (owner: UserId) => Promise<AccountFile>
  readonly damage: DamageRegister
  readonly reads: DirReads
}): Promise<DocFiles | typeof GONE | null> {
  const { name, id, dir, create, master, damage } = input
  const read = await input.reads.read(dir)
  const files = read.names
  if (files.includes(TOMBSTONE)) {
    // A crash during a delete may have left files behind.
    await removeContent(dir)
    return GONE
  }
  const account = await input.account(ownerOf(name))
  let dataKey: Buffer
  if (files.includes('key')) {
    const wrapped = read.files.get('key')
    // Gone between the listing and its read: a delete is removing the doc (the key goes first).
    if (!wrapped) throw Object.assign(new Error(`the key of doc ${id} vanished while it was read`), { code: 'ENOENT' })
    dataKey = master.unwrapDataKey(id, wrapped)
  } else {
    if (!create) return null
    await mkdirDurable(dir)
    const fresh = master.newDataKey(id)
    await writeFileAtomic(join(dir, 'key'), [fresh.wrapped])
    dataKey = fresh.key
  }
  const doc: DocFiles = {
    id,
    dir,
    dataKey,
    segments: new Map(),
    seq: 0,
    active: 1,
    fd: null,
    rotate: false,
    gone: false,
    running: new Set(),
    snapshotDamaged: false,
    suspect: new Set(),
    account,
    segmentBytes: new Map(),
    snapshotBytes: 0,
    through: 0,
    initial: null,
  }
  for (const file of files.filter(isSetAside)) {
    damage.report({ doc: id, what: 'unreadable bytes set aside by an earlier compaction', kept: file }, name)
  }
  const segments: SegmentRead[] = []
  const numbers = files.map(segmentNumber).filter((n): n is number => n !== null)
  for (const n of numbers.sort((a, b) => a - b)) {
    const segment = openSegment(doc, n, read.files.get(segmentName(n)) ?? null, name, damage)
    const maxSeq = segment.frames.reduce((max, f) => Math.max(max, f.counter), 0)
    doc.segments.set(n, maxSeq)
    doc.segmentBytes.set(n, segment.bytes)
    doc.seq = Math.max(doc.seq, maxSeq)
    doc.active = n + 1
    if (!create) segments.push(segment)
  }
  const snapshot = openSnapshot(doc, read.files.get('snapshot') ?? null, name, damage)
  // A damaged snapshot's header may be damaged too: numbering goes on above it only when plausible.
  if (snapshot.through < PLAUSIBLE_SEQ) doc.seq = Math.max(doc.seq, snapshot.through)
  if (snapshot.snapshot) doc.through = snapshot.through
  // Listed before its first record is written (a new doc), corrected when it drifted (a crash).
  doc.snapshotBytes = snapshot.bytes
  const listed = account.docs.get(id)
  account.set(id, docBytes(doc))
  if (listed !== docBytes(doc)) await account.save()
  if (!create) doc.initial = assemble(doc, name, snapshot, segments, damage)
  return doc
}
