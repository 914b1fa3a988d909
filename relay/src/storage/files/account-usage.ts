/**
 * Usage per account (quota), for the files store: `usage/<account id>` (a keyed hash of the owner, see `usage.ts`)
 * lists the bytes each of the account's docs takes on disk (log segments and snapshot) and
 * counts the tombstones of its deleted docs; each doc and tombstone adds `DOC_OVERHEAD_BYTES`. In
 * memory each open doc's figure is exact: its files are measured when it opens (the open
 * reads every segment anyway), and appends, compactions and deletes adjust it. A doc counts its
 * snapshot and the segments holding records the snapshot lacks. What changed is stored (a
 * line appended to the account's journal, see usage-file.ts) when a doc is created (before its
 * first record, so every doc with bytes is listed), compacted, deleted, released and at close —
 * not per append, which would double the fsyncs. So a crash can leave a doc's entry short by what it appended since its last
 * compaction (at most the writer's compaction threshold, 2 MiB or 1,000 updates); the entry is
 * exact again as soon as the doc is opened.
 */
import { join } from 'node:path'
import { usedOf } from '../usage.ts'
import { mkdirDurable } from './fs-util.ts'
import { readUsage, UsageFile, type UsageState } from './usage-file.ts'

const USAGE_DIR = 'usage'

/**
 * One account's usage, kept in `usage/<account id>` and its journal (usage-file.ts): bytes per
 * doc id, and how many tombstones of its deleted docs it holds (files from before tombstones
 * were counted have none).
 */
export class AccountFile implements UsageState {
  readonly docs = new Map<string, number>()
  tombstones = 0
  readonly file: UsageFile
  #bytes = 0
  /** The last write started, and the one queued behind it (which will include every change made before it starts). */
  #writing: Promise<void> = Promise.resolve()
  #queued: Promise<void> | null = null
  /** Docs changed since the last write started; `#changed` also covers the tombstone count. */
  #changedDocs = new Set<string>()
  #changed = false

  constructor(path: string) {
    this.file = new UsageFile(path)
  }

  /** Used bytes: the docs' bytes plus the fixed overhead of each doc and tombstone. */
  get total(): number {
    return usedOf(this.#bytes, this.docs.size + this.tombstones)
  }

  /** Takes what the usage file holds (before anything else changes the figure). */
  loaded(): void {
    for (const bytes of this.docs.values()) this.#bytes += bytes
  }

  set(docId: string, bytes: number): void {
    const before = this.docs.get(docId)
    if (before === bytes) return
    this.#bytes += bytes - (before ?? 0)
    this.docs.set(docId, bytes)
    this.#changedDocs.add(docId)
    this.#changed = true
  }

  /** The doc was deleted: its bytes are freed, its tombstone stays and counts (a doc never listed gains one). */
  bury(docId: string): void {
    this.#bytes -= this.docs.get(docId) ?? 0
    this.docs.delete(docId)
    this.tombstones++
    this.#changedDocs.add(docId)
    this.#changed = true
  }

  /** Writes what changed since the last write (`whole`: the whole file); coalesced, at most one write waits. */
  save(whole = false): Promise<void> {
    if (!this.#changed && !whole) return this.#queued ?? this.#writing
    if (this.#queued) return this.#queued
    const run = this.#writing
      .catch(() => undefined)
      .then(async () => {
        this.#queued = null
        const changed = this.#changedDocs
        this.#changedDocs = new Set()
        this.#changed = false
        try {
          await this.file.save(this, changed, whole)
        } catch (error) {
          for (const docId of changed) this.#changedDocs.add(docId)
          this.#changed = true
          throw error
        }
      })
    this.#queued = run
    this.#writing = run
    return run
  }
}

/** The usage files of the accounts this process has touched, each loaded once. */
export class AccountUsageFiles {
  readonly #pending = new Map<string, Promise<AccountFile>>()
  /** Accounts loaded, for synchronous reads (`usedBytes`). */
  readonly #loaded = new Map<string, AccountFile>()

  /** `root` is the store's folder; `isDeleted(docId)` says whether a listed doc was deleted meanwhile. */
  constructor(
    private readonly root: string,
    private readonly isDeleted: (docId: string) => Promise<boolean>,
  ) {}

  loaded(accountId: string): AccountFile | undefined {
    return this.#loaded.get(accountId)
  }

  /**
   * The account's usage file, loaded once per process, without the docs it lists that were
   * deleted (a crash between a delete and the file's rewrite). A doc's own figure is corrected
   * when the doc is opened (the store measures it).
   */
  get(accountId: string): Promise<AccountFile> {
    let pending = this.#pending.get(accountId)
    if (!pending) {
      pending = this.#load(accountId)
      this.#pending.set(accountId, pending)
      pending.catch(() => {
        if (this.#pending.get(accountId) === pending) this.#pending.delete(accountId)
      })
    }
    return pending
  }

  async #load(accountId: string): Promise<AccountFile> {
    const dir = join(this.root, USAGE_DIR)
    const account = new AccountFile(join(dir, accountId))
    if (!(await readUsage(account.file.path, account, account.file))) await mkdirDurable(dir)
    account.loaded()
    // Asked all at once: one after another they were most of a cold account's first open
    // (303 docs: a listing check each, before the first doc could load).
    const listed = [...account.docs.keys()]
    const deleted = await Promise.all(listed.map((docId) => this.isDeleted(docId)))
    const dropped = listed.filter((_, i) => deleted[i])
    for (const docId of dropped) account.bury(docId)
    if (dropped.length > 0) await account.save(true)
    this.#loaded.set(accountId, account)
    return account
  }

  /** Writes what changed and forgets every account (the store is closing). */
  async close(): Promise<void> {
    const accounts = [...this.#pending.values()]
    this.#pending.clear()
    this.#loaded.clear()
    // Best effort: a usage file left stale is corrected when its docs next open.
    for (const pending of accounts) await (await pending.catch(() => null))?.save().catch(() => undefined)
  }
}
