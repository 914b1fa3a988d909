/**
 * The storage quota of one account as the sync layer enforces it, shared by every loaded room
 * of the account's docs on this relay. An update is admitted when the bytes the account's docs
 * take in the store (`DocStore.usedBytes`: kept current by this relay's own writes, and on
 * PostgreSQL by every append's own statement, so no extra round trip per update) plus what its
 * rooms accepted but have not stored yet (`queued`), plus the update, stay within the limit.
 * The limit and the stored figure are read again from the stores whenever a writer's socket
 * joins (a confirmed email raises the limit at the next connect).
 */
import type { UserId } from '@ferry/protocol'
import type { DocStore } from '../storage/doc-store.ts'

export class AccountQuota {
  /** Bytes of updates this relay's rooms accepted for the account and have not stored yet. */
  queued = 0
  /** Bytes the account may use; null: no quota. */
  limit: number | null = null
  /** Loaded rooms of the account's docs, and joins in progress, that hold this entry (dropped at 0). */
  holders = 0

  constructor(
    readonly owner: UserId,
    private readonly store: DocStore,
  ) {}

  /** When the last read from the stores started (performance.now()); -Infinity before the first. */
  readAt = Number.NEGATIVE_INFINITY
  #reading: Promise<void> | null = null

  /** Reads the account's limit and stored bytes from the stores; joins a read already in flight. */
  refresh(): Promise<void> {
    this.#reading ??= (async () => {
      const startedAt = performance.now()
      try {
        this.limit = (await this.store.usage(this.owner)).limit
        this.readAt = startedAt
      } finally {
        this.#reading = null
      }
    })()
    return this.#reading
  }

  /** Whether `bytes` more fit the quota. */
  admits(bytes: number): boolean {
    if (this.limit === null) return true
    return (this.store.usedBytes(this.owner) ?? 0) + this.queued + bytes <= this.limit
  }

  /** The close reason for a refused update: names the limit (clients read the number). */
  reason(): string {
    return `storage quota exceeded: this account's documents may take ${this.limit ?? 0} bytes`
  }
}

/** The `AccountQuota` of each account some room or join holds, shared by all of them. */
export class AccountQuotas {
  readonly #quotas = new Map<UserId, AccountQuota>()
  constructor(private readonly store: DocStore) {}

  /** The owner's quota, held until `release`. */
  hold(owner: UserId): AccountQuota {
    let quota = this.#quotas.get(owner)
    if (!quota) {
      quota = new AccountQuota(owner, this.store)
      this.#quotas.set(owner, quota)
    }
    quota.holders++
    return quota
  }

  /** Lets go of a quota; the entry goes once nothing holds it. */
  release(quota: AccountQuota): void {
    quota.holders--
    if (quota.holders <= 0 && this.#quotas.get(quota.owner) === quota) this.#quotas.delete(quota.owner)
  }
}
