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
import type { DocName, UserId } from '@ferry/protocol'

/**
 * A record's place in a doc's log: 1 for the first record ever written, then +1 per record.
 * An append writes one record, or several when its updates exceed the store's record cap
 * (see `records.ts`); it resolves with the last one's number, so "every record up to the
 * returned number" covers the whole append (what `compact`'s `through` relies on).
 */
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
   * Appends `updates` as one record — several consecutive ones when they exceed the record cap
   * — and resolves with the last record's sequence number once all are durable (fsynced or
   * committed). Appends to one doc must not overlap: callers await each before the next. A
   * rejection means nothing is acknowledged; the caller retries (a failed append may have left
   * some of its records behind: loading them again is harmless, Yjs updates are idempotent).
   * An update too large for any record the store can read back is refused with `too_large`
   * before anything is written; retrying cannot help.
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
   * gets a tombstone too, counted in the owner's usage like a doc (once). Appends and compactions already running either finish before the
   * delete (and are deleted with the rest) or reject with `gone`.
   */
  delete(name: DocName): Promise<void>
  /**
   * Deletes, as `delete` does each (tombstone included), every doc `owner` owns (the user id
   * its name starts with), for account deletion; answers how many. The store finds them by its
   * usage accounting, not by name (names are not stored): on PostgreSQL a doc written before
   * usage was counted, and never opened since, is not found.
   */
  deleteOwnedBy(owner: UserId): Promise<number>
  /**
   * Stored bytes this store found it could not read (damaged records or snapshots) and kept
   * instead of deleting, for `/healthz`. Loads skip such bytes and serve everything else.
   */
  damaged?(): Promise<readonly DocDamage[]>
  /**
   * Storage used by the docs `owner` owns (the user id their names start with): the bytes
   * their log records and snapshots take as stored (sealed), plus `DOC_OVERHEAD_BYTES` for each
   * doc and each tombstone (a doc never written counts once deleted), read from the store — on
   * PostgreSQL one round trip, so it includes what other relays wrote — with the owner's
   * quota (null: none). Appends add to it, compactions replace a doc's part with the size of
   * its new snapshot and what is left of its log, deletes subtract it.
   */
  usage(owner: UserId): Promise<AccountUsage>
  /**
   * `owner`'s used bytes as this instance last learnt them — its own appends, compactions and
   * deletes keep the figure current (PostgreSQL returns the account's new total from the
   * append's own statement, so other relays' writes are in it too) — without asking the store;
   * null before `usage(owner)` or a write of one of the owner's docs. For the per-update quota
   * check, which must be synchronous and cheap.
   */
  usedBytes(owner: UserId): number | null
  /** Forgets cached handles for a doc that is no longer loaded. Its data stays. */
  release(name: DocName): Promise<void>
  /** Flushes and closes every handle. */
  close(): Promise<void>
}

/** An account's storage: bytes its docs take in the store, and its quota. */
export interface AccountUsage {
  readonly used: number
  /** Bytes the account may use; null: no quota. */
  readonly limit: number | null
}

/** Says what quota an account has (`createStores` asks the account store whether its email is confirmed). */
export type QuotaLimit = (owner: UserId) => Promise<number | null>

/** Options both document stores take besides their record options. */
export interface UsageOptions {
  /** The quota `usage()` reports for an owner; default: none. Stores only report it, the sync layer enforces it. */
  readonly quota?: QuotaLimit
}

/**
 * Something stored that could not be read. Names the doc by its keyed id (its directory or
 * row key), never by name: `/healthz` is public.
 */
export interface DocDamage {
  /** The doc's keyed id. */
  readonly doc: string
  /** What could not be read, e.g. `record 12`, `bytes 46–92 of log-00000002`, `snapshot`. */
  readonly what: string
  /** Where those bytes are kept for an operator (they are never deleted by compaction). */
  readonly kept: string
  /** When this store first found it (ISO 8601). */
  readonly since: string
}

/** Hears each damage when a store first finds it (the relay logs it as an error). */
export type DamageListener = (damage: DocDamage, name: DocName | null) => void

/** Damage a store has found, once per doc and place, told to a listener as it is found. */
export class DamageRegister {
  readonly #found = new Map<string, DocDamage>()
  constructor(private readonly listener: DamageListener = () => undefined) {}

  /** Records `damage` (a repeat of a known place only updates where it is kept). */
  report(damage: Omit<DocDamage, 'since'>, name: DocName | null = null): void {
    const key = `${damage.doc}\0${damage.what}`
    const known = this.#found.get(key)
    if (known && known.kept === damage.kept) return
    const entry = { ...damage, since: known?.since ?? new Date().toISOString() }
    this.#found.set(key, entry)
    this.listener(entry, name)
  }

  /** Forgets every finding of a deleted doc. */
  forget(doc: string): void {
    for (const [key, damage] of this.#found) if (damage.doc === doc) this.#found.delete(key)
  }

  list(): DocDamage[] {
    return [...this.#found.values()]
  }
}

/**
 * A storage failure with a stable code, so the sync layer can log it and retry — except
 * `gone` (the doc was deleted) and `too_large` (an update no record can hold), which no retry
 * can fix.
 */
export class DocStoreError extends Error {
  override name = 'DocStoreError'
  constructor(
    readonly code: 'io' | 'corrupt' | 'closed' | 'gone' | 'too_large',
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
