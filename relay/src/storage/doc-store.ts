/**
 * `DocStore`: where document bytes live. Bytes in, bytes out — a store never needs a `Y.Doc`.
 * A document is an optional snapshot plus an append-only log of records, each record holding
 * the updates of one group commit. Records carry a per-doc sequence number so a snapshot can
 * say which records it already contains; that lets compaction run while appends go on.
 *
 * A deleted doc keeps only a tombstone (its keyed id, nothing of its content or key): from
 * then on `load`, `append` and `compact` reject with `DocStoreError` code `gone`, so a relay
 * that still holds the doc in memory can never write it back.
 *
 * Every implementation runs the contract suite in `test/contracts/doc-store.contract.ts`.
 */
import type { DocName } from '@ferry/protocol'

/** A record's place in a doc's log: 1 for the first record ever appended, then +1 per append. */
export type LogSeq = number

export interface StoredDoc {
  /** The latest snapshot (a Yjs update), or null when the doc was never compacted. */
  readonly snapshot: Uint8Array | null
  /** Updates appended after the snapshot, oldest first. */
  readonly updates: readonly Uint8Array[]
  /** Sequence number of the last record the doc holds (0 for a doc never written). */
  readonly seq: LogSeq
}

export interface DocStore {
  /** Resolves when the store can serve reads and writes (`/healthz`); rejects with the reason. */
  ping(): Promise<void>
  /**
   * Loads a doc; a doc never written loads as `{ snapshot: null, updates: [], seq: 0 }`.
   * Rejects with code `gone` once the doc was deleted.
   */
  load(name: DocName): Promise<StoredDoc>
  /**
   * Appends one record holding `updates` and resolves with its sequence number once it is
   * durable (fsynced or committed). Appends to one doc must not overlap: callers await each
   * before the next. A rejection means nothing is acknowledged; the caller retries.
   */
  append(name: DocName, updates: readonly Uint8Array[]): Promise<LogSeq>
  /**
   * Stores `snapshot`, which holds every record up to and including `through` that the caller
   * wrote or loaded, and drops those records. A store shared by several relays must keep the
   * records other instances wrote up to `through` (their broadcast may not have reached the
   * caller yet): PostgreSQL merges them in. May run concurrently with `append`. A crash at any
   * point leaves either the old or the new state loadable.
   */
  compact(name: DocName, snapshot: Uint8Array, through: LogSeq): Promise<void>
  /**
   * Deletes every byte of the doc (records, snapshot, data key) and leaves a tombstone, so
   * later loads, appends and compactions reject with `gone`. Idempotent; a doc never written
   * gets a tombstone too. Appends and compactions already running either finish before the
   * delete (and are deleted with the rest) or reject with `gone`.
   */
  delete(name: DocName): Promise<void>
  /** Forgets cached handles for a doc that is no longer loaded. Its data stays. */
  release(name: DocName): Promise<void>
  /** Flushes and closes every handle. */
  close(): Promise<void>
}

/**
 * A storage failure with a stable code, so the sync layer can log it and retry — except
 * `gone` (the doc was deleted), which no retry can fix.
 */
export class DocStoreError extends Error {
  override name = 'DocStoreError'
  constructor(
    readonly code: 'io' | 'corrupt' | 'closed' | 'gone',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** The error every call on a deleted doc rejects with. */
export const docGone = (): DocStoreError => new DocStoreError('gone', 'the document was deleted')

/** True when `error` says the doc was deleted. */
export const isGone = (error: unknown): boolean => error instanceof DocStoreError && error.code === 'gone'

/** True when `name` was deleted. It loads the doc, so it is for rare checks, not hot paths. */
export async function wasDeleted(store: DocStore, name: DocName): Promise<boolean> {
  try {
    await store.load(name)
    return false
  } catch (error) {
    if (isGone(error)) return true
    throw error
  }
}
