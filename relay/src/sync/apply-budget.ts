/**
 * What applying one update from a socket may take (docs/decisions.md, "Integration CPU is
 * bounded per update"): Yjs integrates concurrent inserts by walking the items between their
 * origins without bound, so a crafted update of 80 KB took 9 s and the relay answered nobody
 * meanwhile. An update applies in slices (sliced-apply.ts) and stops past a budget that grows
 * linearly with its bytes and structs, set `APPLY_HEADROOM` times above what honest updates
 * take, never under `MIN_APPLY_MS` and never over `MAX_APPLY_MS`. Each account's apply time is counted too: past
 * `ACCOUNT_APPLY_MS` within `ACCOUNT_WINDOW_MS` its next update waits (1013), so a costly
 * update refused, or many just under the budget, cannot be repeated cheaply.
 *
 * Time is the smaller of wall-clock and process CPU time since the start: a loaded machine
 * stretches the first but not the second, and parallel GC threads the second but not the
 * first; what the update itself costs on this thread is under both.
 */
import { TOO_COSTLY_TO_APPLY_REASON } from '@ferry/protocol'
import * as Y from 'yjs'
import { RelayBusy, UpdateTooCostly } from './memory-budget.ts'
import type { RoomDoc } from './room-doc.ts'

/** No update is refused before it took this long. */
export const MIN_APPLY_MS = 1_000
/**
 * No update is applied for longer: the slices of one update run in one turn, so this is how
 * long the relay may answer nobody. Under the client's liveness timeout (10 s after a probe), so
 * connected devices do not take it for a dead socket; the largest honest update measured (a
 * 10,000-request Postman import, 21 MB) applies in under 0.5 s. Updates of the largest decoded
 * cost allowed could have budgets of about a minute without it.
 */
export const MAX_APPLY_MS = 8_000
/** How far above an honest update's apply time the budget is. */
export const APPLY_HEADROOM = 10
/** Honest apply time per byte and per struct, ms (measured: docs/decisions.md). */
const MS_PER_BYTE = 0.000_1
const MS_PER_STRUCT = 0.01
/** Apply time an account may spend per window before its updates wait. */
export const ACCOUNT_APPLY_MS = 5_000
export const ACCOUNT_WINDOW_MS = 60_000

/** The apply time an update of `bytes` holding `structs` may take, ms. */
export function applyBudgetMs(bytes: number, structs: number): number {
  return Math.min(MAX_APPLY_MS, Math.max(MIN_APPLY_MS, APPLY_HEADROOM * (bytes * MS_PER_BYTE + structs * MS_PER_STRUCT)))
}

/** An update refused because applying it took past its budget; its message is the close reason (4413). */
export class ApplyTooCostly extends UpdateTooCostly {
  override name = 'ApplyTooCostly'

  constructor(budgetMs: number) {
    super(`${TOO_COSTLY_TO_APPLY_REASON}: integrating it took longer than ${Math.round(budgetMs)} ms`)
  }
}

/** Time spent since it was made: the smaller of wall-clock and process CPU time, ms. */
export class ApplyClock {
  readonly #wall = performance.now()
  readonly #cpu = process.cpuUsage()

  get elapsedMs(): number {
    const cpu = process.cpuUsage(this.#cpu)
    return Math.min(performance.now() - this.#wall, (cpu.user + cpu.system) / 1000)
  }
}

/**
 * Apply time per account, as a bucket that empties at `ACCOUNT_APPLY_MS` per
 * `ACCOUNT_WINDOW_MS`: an account holding more than that waits until it is back under.
 */
export class AccountApplyTimes {
  readonly #spent = new Map<string, { ms: number; at: number }>()
  #sweptAt = performance.now()

  /**
   * Applies an update from a socket to `doc`, one of `account`'s, within its budget and counts
   * the time to `account`. With `recheck` (the update waited since it was checked), throws
   * `RelayBusy` (1013, with the wait) while the account spent more than its share, not counting
   * `recheck.ownMs` (what this update counted already: its scan and quota check; an update that
   * waited for its doc's load comes undecoded, and is decoded here); throws `ApplyTooCostly`
   * past the budget after handing the part-applied doc to `spoiled`; otherwise as `RoomDoc.apply`.
   */
  apply(account: string, doc: RoomDoc, update: Uint8Array, origin: unknown, decoded: ReturnType<typeof Y.decodeUpdate> | undefined, recheck: { readonly ownMs: number } | null, spoiled: (doc: RoomDoc) => void): boolean {
    if (recheck) this.check(account, recheck.ownMs)
    // Decoded before the update's clock starts, as one decoded on arrival is: the budget bounds
    // the integration alone, whether or not the update waited. Counted all the same.
    const whole = decoded ?? this.measured(account, () => Y.decodeUpdate(update)).result
    try {
      return this.measured(account, (clock) => doc.apply(update, origin, whole, clock)).result
    } finally {
      if (doc.spoiled) spoiled(doc)
    }
  }

  /** Runs `work` (given the clock it is timed by) and counts its time to `account`, also when it throws; answers the time counted, ms. */
  measured<T>(account: string, work: (clock: ApplyClock) => T): { result: T; ms: number } {
    const clock = new ApplyClock()
    let ms: number | null = null
    try {
      const result = work(clock)
      ms = clock.elapsedMs
      return { result, ms }
    } finally {
      this.#charge(account, ms ?? clock.elapsedMs, performance.now())
    }
  }

  /** Throws `RelayBusy` (1013, with the wait) while `account` spent more than its share, leaving out `allowedMs` of what it spent. */
  check(account: string, allowedMs = 0): void {
    const over = this.#level(account, performance.now()) - allowedMs - ACCOUNT_APPLY_MS
    if (over > 0) throw new RelayBusy('changes of this account took too long to apply lately', (over * ACCOUNT_WINDOW_MS) / ACCOUNT_APPLY_MS / 1000)
  }

  #charge(account: string, ms: number, now: number): void {
    this.#spent.set(account, { ms: this.#level(account, now) + ms, at: now })
    if (now - this.#sweptAt > ACCOUNT_WINDOW_MS) this.#sweep(now)
  }

  #level(account: string, now: number): number {
    const spent = this.#spent.get(account)
    return spent ? Math.max(0, spent.ms - ((now - spent.at) * ACCOUNT_APPLY_MS) / ACCOUNT_WINDOW_MS) : 0
  }

  /** Forgets the accounts whose bucket emptied. */
  #sweep(now: number): void {
    this.#sweptAt = now
    for (const account of [...this.#spent.keys()]) if (this.#level(account, now) === 0) this.#spent.delete(account)
  }
}
