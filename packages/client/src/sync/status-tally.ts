/**
 * An account's sync status from its docs' — kept up to date in O(1) per doc change (counts per
 * status kind, a running sum of pending changes), not recomputed over every doc on every change.
 *
 * Honest about docs not here yet: the account counts every doc it lists (the index, its
 * collections, environments, history), loaded or not. `in sync` needs each of them present on
 * this device and acknowledged by the relay; while some are still missing or opening, the
 * status is `syncing N of M` (a new device pulling), not the verdict of the docs that happen to
 * be open already.
 */
import type { DocName } from '@ferry/protocol'
import type { SyncStatus, SyncStatusKind } from '../sync-status.ts'

/** A doc's place in the tally: its sync status while loaded and syncing, `absent` while listed but not loaded. */
type Slot = SyncStatusKind | 'absent'

interface Entry {
  status: SyncStatus | null
  listed: boolean
}

const slotOf = (entry: Entry): Slot => entry.status?.kind ?? 'absent'

export class StatusTally {
  readonly #entries = new Map<DocName, Entry>()
  readonly #counts = new Map<Slot, number>()
  /** Docs in error, in the order they failed (the first one is shown). */
  readonly #errors = new Map<DocName, SyncStatus>()
  #pending = 0

  /** A loaded doc's current status (null: not loaded any more). */
  set(name: DocName, status: SyncStatus | null): void {
    const entry = this.#entries.get(name)
    if (!entry) {
      if (status === null) return
      const created: Entry = { status, listed: false }
      this.#entries.set(name, created)
      return this.#add(name, created)
    }
    this.#remove(name, entry)
    entry.status = status
    if (entry.status === null && !entry.listed) this.#entries.delete(name)
    else this.#add(name, entry)
  }

  /** The docs the account lists now; a listed doc not loaded counts as not here yet. */
  list(names: ReadonlySet<DocName>): void {
    for (const [name, entry] of this.#entries) {
      if (names.has(name) || !entry.listed) continue
      entry.listed = false
      if (entry.status === null) {
        this.#remove(name, entry)
        this.#entries.delete(name)
      }
    }
    for (const name of names) {
      const entry = this.#entries.get(name)
      if (entry) entry.listed = true
      else {
        const created: Entry = { status: null, listed: true }
        this.#entries.set(name, created)
        this.#add(name, created)
      }
    }
  }

  /** The account's status: the most urgent of its docs', with progress while docs are missing or opening. */
  get status(): SyncStatus {
    if (this.#entries.size === 0) return { kind: 'connecting' }
    if (this.#count('signed-out') > 0) return { kind: 'signed-out' }
    const error = this.#errors.values().next()
    if (!error.done) return error.value
    if (this.#count('offline') > 0) return { kind: 'offline' }
    const inSync = this.#count('in-sync')
    const ready = inSync + this.#count('syncing') + this.#count('sync-off')
    const notReady = this.#count('connecting') + this.#count('absent')
    if (ready === 0) return { kind: 'connecting' }
    if (notReady === 0) return this.#pending > 0 ? { kind: 'syncing', pending: this.#pending } : { kind: 'in-sync' }
    return { kind: 'syncing', pending: this.#pending, docs: { synced: inSync, total: this.#entries.size } }
  }

  #count(slot: Slot): number {
    return this.#counts.get(slot) ?? 0
  }

  #add(name: DocName, entry: Entry): void {
    const slot = slotOf(entry)
    this.#counts.set(slot, this.#count(slot) + 1)
    if (entry.status?.kind === 'syncing') this.#pending += entry.status.pending
    if (entry.status?.kind === 'error') this.#errors.set(name, entry.status)
  }

  #remove(name: DocName, entry: Entry): void {
    const slot = slotOf(entry)
    this.#counts.set(slot, this.#count(slot) - 1)
    if (entry.status?.kind === 'syncing') this.#pending -= entry.status.pending
    if (entry.status?.kind === 'error') this.#errors.delete(name)
  }
}
