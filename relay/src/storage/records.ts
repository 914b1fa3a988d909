/**
 * How an append becomes log records. A group commit has no size of its own, but a record must
 * stay small enough to be read back: the reader refuses frames over `MAX_FRAME_BYTES`, and a
 * record is decrypted in one piece. So an append is cut into records of at most `recordBytes`
 * packed bytes each (each record gets its own sequence number), and a single update too large
 * for any record the reader accepts is refused before anything is written.
 */
import { DocStoreError } from './doc-store.ts'
import { MAX_FRAME_PAYLOAD } from './sealed-frames.ts'

/** Default record cap: packed updates beyond this go to the next record. */
export const RECORD_BYTES = 16 * 1024 * 1024

/** Bytes `update` takes in a packed record (`[u32 length][bytes]`). */
const packed = (update: Uint8Array): number => 4 + update.length

/** Options both document stores take. */
export interface RecordOptions {
  /**
   * Cap on one record's packed updates (default {@link RECORD_BYTES}); tests make it small.
   * An update larger than the cap gets a record of its own, up to what the reader accepts.
   */
  readonly recordBytes?: number
}

/**
 * Cuts `updates` into the records one append writes, in order: each holds as many updates as
 * fit in `recordBytes` (at least one). An empty append is one empty record. Throws
 * `DocStoreError` `too_large`, naming the size, when one update cannot be read back from any
 * record.
 */
export function splitRecords(updates: readonly Uint8Array[], recordBytes: number = RECORD_BYTES): Uint8Array[][] {
  const records: Uint8Array[][] = [[]]
  let size = 0
  for (const update of updates) {
    if (packed(update) > MAX_FRAME_PAYLOAD) {
      throw new DocStoreError(
        'too_large',
        `an update of ${update.length} bytes is larger than a stored record can be (${MAX_FRAME_PAYLOAD - 4} bytes); nothing was written`,
      )
    }
    const current = records[records.length - 1] as Uint8Array[]
    if (current.length > 0 && size + packed(update) > recordBytes) {
      records.push([update])
      size = packed(update)
    } else {
      current.push(update)
      size += packed(update)
    }
  }
  return records
}
