/**
 * Usage per account (quota), for the files store: `usage/<account id>` (a keyed hash of the owner, see `usage.ts`)
 * lists the bytes each of the account's docs takes on disk (log segments and snapshot). In
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
import { mkdirDurable, writeFileAtomic } from './fs-util.ts'

const USAGE_DIR = 'usage'

/** One account's usage: bytes per doc id, kept in `usage/<account id>`. */
export class AccountFile {
  readonly docs = new Map<string, number>()
  total = 0
  /** The last write started, and the one queued behind it (which will include every change made before it starts). */
  #writing: Promise<void> = Promise.resolve()
  #queued: Promise<void> | null = null
  #changed = false

  constructor(readonly path: string) {}

  set(docId: string, bytes: number): void {
    const before = this.docs.get(docId)
    if (before === bytes) return
    this.total += bytes - (before ?? 0)
    this.docs.set(docId, bytes)
    this.#changed = true
  }

  remove(docId: string): void {
    const before = this.docs.get(docId)
    if (before === undefined) return
    this.total -= before
    this.docs.delete(docId)
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
        const body = JSON.stringify({ docs: Object.fromEntries(this.docs) })
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
      listed = (JSON.parse(await readFile(account.path, 'utf8')) as { docs: Record<string, number> }).docs
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      await mkdirDurable(dir)
    }
    let dropped = false
    for (const [docId, bytes] of Object.entries(listed)) {
      if (await this.isDeleted(docId)) dropped = true
      else account.set(docId, bytes)
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
