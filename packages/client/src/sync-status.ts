/**
 * Sync status, per doc and per account, as a user reads it (DESIGN.md capability 5).
 * `in sync` is strict: the relay has durably stored every local change — the relay's
 * `persisted` state vector covers the local one.
 */

export type SyncStatus =
  | { readonly kind: 'sync-off' }
  | { readonly kind: 'offline' }
  | { readonly kind: 'connecting' }
  /**
   * Local changes on their way (`pending`), and — while some docs the account lists are not
   * here or not synced yet (a new device pulling) — how many of them are: `docs`.
   */
  | { readonly kind: 'syncing'; readonly pending: number; readonly docs?: DocProgress }
  | { readonly kind: 'in-sync' }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'error'; readonly reason: string }

export type SyncStatusKind = SyncStatus['kind']

/** Of the `total` docs an account lists, `synced` are present here and acknowledged by the relay. */
export interface DocProgress {
  readonly synced: number
  readonly total: number
}

/**
 * The label a UI shows: `sync off`, `offline`, `connecting`, `syncing (N pending)`,
 * `syncing 120 of 303` (a new device pulling; `(N pending)` after it when there are local
 * changes too), `in sync`, `signed out`, `error (reason)`.
 */
export function describeStatus(status: SyncStatus): string {
  switch (status.kind) {
    case 'sync-off':
      return 'sync off'
    case 'offline':
      return 'offline'
    case 'connecting':
      return 'connecting'
    case 'syncing':
      if (!status.docs) return `syncing (${status.pending} pending)`
      return `syncing ${status.docs.synced} of ${status.docs.total}${status.pending > 0 ? ` (${status.pending} pending)` : ''}`
    case 'in-sync':
      return 'in sync'
    case 'signed-out':
      return 'signed out'
    case 'error':
      return `error (${status.reason})`
  }
}

export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return describeStatus(a) === describeStatus(b)
}

/** Worst first: the account shows the most urgent state among its docs. */
const urgency: readonly SyncStatusKind[] = ['signed-out', 'error', 'offline', 'connecting', 'syncing', 'in-sync', 'sync-off']

/**
 * The account's status from its docs' statuses: the most urgent kind wins; `syncing` sums the
 * pending counts; no docs (or all off) → `sync off`.
 */
export function combineStatuses(statuses: Iterable<SyncStatus>): SyncStatus {
  let worst: SyncStatus = { kind: 'sync-off' }
  let pending = 0
  for (const status of statuses) {
    if (status.kind === 'syncing') pending += status.pending
    if (urgency.indexOf(status.kind) < urgency.indexOf(worst.kind)) worst = status
  }
  return worst.kind === 'syncing' ? { kind: 'syncing', pending } : worst
}

/** A state vector as a map from client id to the next expected clock. */
export type Clocks = Map<number, number>

/** Raises `into` to cover `from` (per client maximum). */
export function mergeClocks(into: Clocks, from: ReadonlyMap<number, number>): void {
  for (const [client, clock] of from) {
    if ((into.get(client) ?? 0) < clock) into.set(client, clock)
  }
}

/** True when `remote` has every clock of `local`. */
export function covers(remote: ReadonlyMap<number, number>, local: ReadonlyMap<number, number>): boolean {
  for (const [client, clock] of local) {
    if ((remote.get(client) ?? 0) < clock) return false
  }
  return true
}
