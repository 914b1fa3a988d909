/**
 * Usage per account (quota), for the files store: `usage/<account id>` (a keyed hash of the owner, see `usage.ts`)
 * lists the bytes each of the account's docs takes on disk (log segments and snapshot) and
 * counts the tombstones of its deleted docs; each doc and tombstone adds `DOC_OVERHEAD_BYTES`. In
 * memory each open doc's figure is exact: its files are measured when it opens (the open
 * reads every segment anyway), and appends, compactions and deletes adjust it. A doc counts its
 * snapshot and the segments holding records the snapshot lacks. The file is rewritten
 * (atomically) when a doc is created (before its first record, so every doc with bytes is
 * listed), compacted, deleted, released and at close — not per append, which would double the
 * fsyncs. So a crash can leave a doc's entry short by what it appended since its last
 * compaction (at most the writer's compaction threshold, 2 MiB or 1,000 updates); the entry is
 * exact again as soon as the doc is opened.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { usedOf } from '../usage.ts'
import { mkdirDurable, writeFileAtomic } from './fs-util.ts'

const USAGE_DIR = 'usage'

/**
 * One account's usage, kept in `usage/<account id>`: bytes per doc id, and how many tombstones
 * of its deleted docs it holds (files from before tombstones were counted have none).
 */
export class AccountFile {
  readonly docs = new Map<string, number>()
  tombstones = 0
  #bytes = 0
  /** The last write started, and the one queued behind it (which will include every change made before it starts). */
  #writing: Promise<void> = Promise.resolve()
  #queued: Promise<void> | null = null
  #changed = false

  constructor(readonly path: string) {}

  /** Used bytes: the docs' bytes plus the fixed overhead of each doc and tombstone. */
  get total(): number {
    return usedOf(this.#bytes, this.docs.size + this.tombstones)
  }

  set(docId: string, bytes: number): void {
    const before = this.docs.get(docId)
    if (before === bytes) return
    this.#bytes += bytes - (before ?? 0)
    this.docs.set(docId, bytes)
    this.#changed = true
  }

  /** The doc was deleted: its bytes are freed, its tombstone stays and counts (a doc never listed gains one). */
  bury(docId: string): void {
    this.#bytes -= this.docs.get(docId) ?? 0
    this.docs.delete(docId)
    this.tombstones++
    this.#changed = true
  }

  /** Writes the file if anything changed since the last write (coalesced: at most one write waits). */
  save(force = false): Promise<void> {
    if (!this.#changed && !force) return this.#queued ?? this.#writing
    if (this.#queued) return this.#queued
    const run = this.#writing
      .catch(() => undefined)
      .then(async () => {
        this.#queued = null
        this.#changed = false
        const body = JSON.stringify({ docs: Object.fromEntries(this.docs), tombstones: this.tombstones })
        try {
          await writeFileAtomic(this.path, [Buffer.from(body)])
        } catch (error) {
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
    let listed: Record<string, number> = {}
    try {
      const stored = JSON.parse(await readFile(account.path, 'utf8')) as { docs: Record<string, number>; tombstones?: number }
      listed = stored.docs
      account.tombstones = stored.tombstones ?? 0
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      await mkdirDurable(dir)
    }
    let dropped = false
    for (const [docId, bytes] of Object.entries(listed)) {
      account.set(docId, bytes)
      if (await this.isDeleted(docId)) {
        account.bury(docId)
        dropped = true
      }
    }
    if (dropped) await account.save(true)
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
