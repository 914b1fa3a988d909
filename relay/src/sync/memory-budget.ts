/**
 * What loaded docs may take of the relay's heap, estimated without decoding anything
 * (@ferry/protocol `decodedCost`, the estimate `MAX_UPDATE_DECODED_BYTES` checks one update
 * against). Each loaded doc is charged the estimate of what the store held when it loaded,
 * then of every update applied to it, until it unloads: crafted updates each under the
 * one-update limit stay in a doc at ~100× their stored size, so without a total a few of them
 * exhaust the heap and the relay stops for every user (docs/decisions.md, "A memory budget for
 * loaded docs"). Estimates only grow while a doc stays loaded: overestimating is the safe side.
 *
 * Two limits: one doc may take `MAX_DOC_DECODED_BYTES` (an update past it is refused like a
 * too-costly one, 4413), and all loaded docs together `ROOMS_MEMORY_BUDGET_BYTES` (a load or
 * update past it first unloads docs nobody is on, then is refused with 1013 and a retry-after).
 */
import { decodedCost, scanUpdate, withRetryAfter } from '@ferry/protocol'

/** Seconds a client refused for the relay's budget waits: idle docs unload meanwhile. */
const RETRY_SECONDS = 5

/**
 * A load or update refused for now: 1013, try again later — by default because loaded docs take
 * the relay's whole budget (or for `message`, after `seconds`).
 */
export class RelayBusy extends Error {
  override name = 'RelayBusy'
  /** The close reason, with its retry-after. */
  readonly reason: string

  constructor(message = 'the relay is short of memory for documents', seconds = RETRY_SECONDS) {
    super(message)
    this.reason = withRetryAfter(this.message, seconds)
  }
}

/**
 * An update refused for what applying it would take — memory past a limit, or types nested past
 * `MAX_TYPE_DEPTH` (type-depth.ts); its message is the close reason (4413).
 */
export class UpdateTooCostly extends Error {
  override name = 'UpdateTooCostly'
}

/** The estimated heap decoding `update` takes (0 for one that is no Yjs update: decoding it throws first). */
export function updateCost(update: Uint8Array): number {
  const scanned = scanUpdate(update)
  return scanned.ok ? decodedCost(scanned.value) : 0
}

export class MemoryBudget {
  #used = 0

  /** `freeIdle` unloads the docs nobody is on; resolves once it tried. */
  constructor(
    readonly limit: number,
    readonly freeIdle: () => Promise<void>,
  ) {}

  /** Whether `bytes` more fit. */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.limit
  }

  /** Whether `bytes` more fit; when not, starts unloading idle docs for a retry to find room. */
  admits(bytes: number): boolean {
    if (this.fits(bytes)) return true
    void this.freeIdle()
    return false
  }

  take(bytes: number): void {
    this.#used += bytes
  }

  give(bytes: number): void {
    this.#used -= bytes
  }
}
