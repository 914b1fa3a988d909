/**
 * The encrypted framing of document bytes at rest (files under `docs/`, PostgreSQL rows). A frame is
 *
 *   [u32 LE ciphertext length][u8 version = 2][u8 flags][u64 LE counter][12-byte IV][ciphertext ‖ 16-byte GCM tag]
 *
 * sealed with AES-256-GCM under the doc's data key. The associated data is the caller's
 * context (which doc, which file kind) followed by the 14-byte header, so a frame cannot be
 * moved to another doc, file or position, and its length, version and counter cannot be altered.
 *
 * Frames written before the version byte existed (format 1, 13-byte header) have the flags at
 * offset 4, and flags were only ever 0 or 1. So the byte at offset 4 tells the two apart: 0 or 1
 * is a format-1 frame (that byte is its flags), 2 is this format, anything else is a format this
 * relay does not know (a frame that does not open, like damage). Both formats are read; only the
 * current one is written, so a log segment may hold both, one after the other.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/** The format written now; the byte after the length field. */
export const FRAME_VERSION = 2
const LEGACY_HEADER_BYTES = 13
const HEADER_BYTES = 14
const IV_BYTES = 12
const TAG_BYTES = 16
/** The smallest frame of either format (an empty format-1 frame). */
const MIN_FRAME_BYTES = LEGACY_HEADER_BYTES + IV_BYTES + TAG_BYTES
/** Frames larger than this are rejected when reading: they can only be corruption. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024
/** The largest payload one frame can carry and still be read back. */
export const MAX_FRAME_PAYLOAD = MAX_FRAME_BYTES - TAG_BYTES
/** Snapshots are sealed in chunks of this size: AES-GCM slows down on multi-MB calls. */
const SNAPSHOT_CHUNK_BYTES = 256 * 1024
const LAST_CHUNK = 1

export interface Frame {
  readonly flags: number
  readonly counter: number
  readonly plaintext: Buffer
}

/**
 * The associated data that ties a frame to its doc and place: log records carry their sequence
 * number as the frame counter; a snapshot's context names the last record it covers.
 */
export function docContext(docId: string, kind: 'log' | 'snapshot', through = 0): Buffer {
  return Buffer.from(`ferry/${kind}/v1/${docId}/${through}`)
}

function header(length: number, flags: number, counter: number): Buffer {
  const head = Buffer.allocUnsafe(HEADER_BYTES)
  head.writeUInt32LE(length, 0)
  head.writeUInt8(FRAME_VERSION, 4)
  head.writeUInt8(flags, 5)
  head.writeBigUInt64LE(BigInt(counter), 6)
  return head
}

interface Head {
  /** Header bytes: 13 in format 1, 14 now. */
  readonly size: number
  /** Ciphertext and tag bytes after the IV. */
  readonly length: number
  readonly flags: number
  readonly counter: bigint
}

/** The header at `pos` (which must hold at least {@link MIN_FRAME_BYTES}), or null for an unknown format. */
function headAt(bytes: Buffer, pos: number): Head | null {
  const length = bytes.readUInt32LE(pos)
  const marker = bytes[pos + 4]!
  if (marker <= LAST_CHUNK) return { size: LEGACY_HEADER_BYTES, length, flags: marker, counter: bytes.readBigUInt64LE(pos + 5) }
  if (marker !== FRAME_VERSION || bytes.length - pos < HEADER_BYTES) return null
  return { size: HEADER_BYTES, length, flags: bytes[pos + 5]!, counter: bytes.readBigUInt64LE(pos + 6) }
}

/** Where a frame with header `head` at `pos` ends. */
function frameEnd(head: Head, pos: number): number {
  return pos + head.size + IV_BYTES + head.length
}

/** Seals `parts` (concatenated) into one frame. */
export function sealFrame(key: Buffer, context: Buffer, flags: number, counter: number, parts: readonly Uint8Array[]): Buffer {
  const plainLength = parts.reduce((sum, p) => sum + p.length, 0)
  const head = header(plainLength + TAG_BYTES, flags, counter)
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.concat([context, head]))
  const out = [head, iv]
  for (const part of parts) out.push(cipher.update(part))
  out.push(cipher.final(), cipher.getAuthTag())
  return Buffer.concat(out, HEADER_BYTES + IV_BYTES + plainLength + TAG_BYTES)
}

/**
 * Reads frames from `bytes` until the end or the first frame that is incomplete or fails
 * authentication. `validLength` is where the good frames end: anything after it is a torn
 * write (or damage) and is ignored.
 */
export function openFrames(key: Buffer, context: Buffer, bytes: Buffer): { frames: Frame[]; validLength: number } {
  const frames: Frame[] = []
  let pos = 0
  while (bytes.length - pos >= MIN_FRAME_BYTES) {
    const head = headAt(bytes, pos)
    if (head === null) break
    const end = frameEnd(head, pos)
    if (head.length < TAG_BYTES || head.length > MAX_FRAME_BYTES || end > bytes.length) break
    const ivStart = pos + head.size
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(ivStart, ivStart + IV_BYTES))
      decipher.setAAD(Buffer.concat([context, bytes.subarray(pos, ivStart)]))
      decipher.setAuthTag(bytes.subarray(end - TAG_BYTES, end))
      const plaintext = Buffer.concat([decipher.update(bytes.subarray(ivStart + IV_BYTES, end - TAG_BYTES)), decipher.final()])
      frames.push({ flags: head.flags, counter: Number(head.counter), plaintext })
    } catch {
      break
    }
    pos = end
  }
  return { frames, validLength: pos }
}

/** A frame at `pos` that opens, or why not: `short` (it runs past the end: a torn write) or `bad`. */
function frameAt(key: Buffer, context: Buffer, bytes: Buffer, pos: number): { frame: Frame; end: number } | 'short' | 'bad' {
  if (bytes.length - pos < MIN_FRAME_BYTES) return 'short'
  const head = headAt(bytes, pos)
  if (head === null || head.length < TAG_BYTES || head.length > MAX_FRAME_BYTES) return 'bad'
  const end = frameEnd(head, pos)
  if (end > bytes.length) return 'short'
  const { frames } = openFrames(key, context, bytes.subarray(pos, end))
  const frame = frames[0]
  return frame ? { frame, end } : 'bad'
}

/** Decryption attempts a resynchronisation may spend on candidate frames before it gives up. */
const RESYNC_ATTEMPTS = 64

/**
 * Where the next log record that opens starts, after `from`: scans byte by byte for a header
 * that could be a record's (plausible length that fits, flags 0, a counter above `after` and
 * not absurdly far) and tries to open only those, at most {@link RESYNC_ATTEMPTS} times.
 */
function resync(key: Buffer, context: Buffer, bytes: Buffer, from: number, after: number): number | null {
  let attempts = 0
  for (let pos = from; bytes.length - pos >= MIN_FRAME_BYTES; pos++) {
    const head = headAt(bytes, pos)
    if (head === null || head.length < TAG_BYTES || head.length > MAX_FRAME_BYTES || frameEnd(head, pos) > bytes.length) continue
    if (head.flags !== 0) continue
    if (head.counter <= BigInt(after) || head.counter > BigInt(after) + 0xffff_ffffn) continue
    if (typeof frameAt(key, context, bytes, pos) === 'object') return pos
    if (++attempts >= RESYNC_ATTEMPTS) return null
  }
  return null
}

/** What reading a log segment found. */
export interface LogRead {
  /** The records that opened, in file order. */
  readonly frames: Frame[]
  /**
   * Byte ranges `[start, end)` holding no record that opens, other than a torn tail: damage.
   * The records before and after each range are still read.
   */
  readonly damaged: Array<{ readonly start: number; readonly end: number }>
  /** Bytes at the end that are the start of a record never finished (a crash mid-write): quiet. */
  readonly tornTail: number
}

/**
 * Reads a log segment, skipping damage instead of stopping at it. A record that does not open
 * is skipped by its length field when the next record opens right after it; when the length
 * field itself is damaged, the reader resynchronises on the next record that opens (bounded
 * effort, see {@link resync}). Unreadable bytes at the very end are a torn tail — quiet — when
 * they are not one whole record (a crash stops a write part-way; a zero-filled tail has length
 * 0); a whole record there that fails authentication is damage.
 */
export function readLog(key: Buffer, context: Buffer, bytes: Buffer): LogRead {
  const frames: Frame[] = []
  const damaged: Array<{ start: number; end: number }> = []
  let pos = 0
  let last = 0
  while (pos < bytes.length) {
    const at = frameAt(key, context, bytes, pos)
    if (typeof at === 'object') {
      frames.push(at.frame)
      last = Math.max(last, at.frame.counter)
      pos = at.end
      continue
    }
    // The length field may be right: try the record just after this one first.
    let next: number | null = null
    const head = at === 'bad' ? headAt(bytes, pos) : null
    if (head !== null && head.length >= TAG_BYTES) {
      const end = frameEnd(head, pos)
      if (end <= bytes.length && typeof frameAt(key, context, bytes, end) === 'object') next = end
    }
    next ??= resync(key, context, bytes, pos + 1, last)
    if (next !== null) {
      damaged.push({ start: pos, end: next })
      pos = next
      continue
    }
    const length = bytes.length - pos >= 4 ? bytes.readUInt32LE(pos) : 0
    const whole = at === 'bad' && length >= TAG_BYTES && length <= MAX_FRAME_BYTES
    if (whole) damaged.push({ start: pos, end: bytes.length })
    return { frames, damaged, tornTail: whole ? 0 : bytes.length - pos }
  }
  return { frames, damaged, tornTail: 0 }
}

/** Seals `bytes` as numbered chunks of ≤ 256 KiB, the last one flagged (an empty snapshot is one empty chunk). */
export function sealChunks(key: Buffer, context: Buffer, bytes: Uint8Array): Buffer[] {
  const parts: Buffer[] = []
  for (let i = 0, offset = 0; offset < bytes.length || i === 0; i++, offset += SNAPSHOT_CHUNK_BYTES) {
    const chunk = bytes.subarray(offset, offset + SNAPSHOT_CHUNK_BYTES)
    const last = offset + SNAPSHOT_CHUNK_BYTES >= bytes.length ? LAST_CHUNK : 0
    parts.push(sealFrame(key, context, last, i, [chunk]))
  }
  return parts
}

/** Inverse of {@link sealChunks}; null unless every chunk opens, in order, through the flagged last one. */
export function openChunks(key: Buffer, context: Buffer, bytes: Buffer): Buffer | null {
  const { frames, validLength } = openFrames(key, context, bytes)
  const complete =
    validLength === bytes.length &&
    frames.length > 0 &&
    frames.every((f, i) => f.counter === i && (f.flags === LAST_CHUNK) === (i === frames.length - 1))
  return complete ? Buffer.concat(frames.map((f) => f.plaintext)) : null
}

/** Packs updates as `[u32 LE length][bytes]…` so one log record can hold a whole group commit. */
export function packUpdates(updates: readonly Uint8Array[]): Uint8Array[] {
  const parts: Uint8Array[] = []
  for (const update of updates) {
    const length = Buffer.allocUnsafe(4)
    length.writeUInt32LE(update.length, 0)
    parts.push(length, update)
  }
  return parts
}

/** Inverse of {@link packUpdates}; throws on a malformed payload (which authentication makes a bug). */
export function unpackUpdates(payload: Buffer): Uint8Array[] {
  const updates: Uint8Array[] = []
  let pos = 0
  while (pos < payload.length) {
    const length = payload.readUInt32LE(pos)
    if (pos + 4 + length > payload.length) throw new RangeError('update runs past the record')
    updates.push(payload.subarray(pos + 4, pos + 4 + length))
    pos += 4 + length
  }
  return updates
}
