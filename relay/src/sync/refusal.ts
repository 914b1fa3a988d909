/**
 * How a room's refusal of a frame reaches its sender, whichever way the frame came — a
 * `/v1/sync` socket, one doc of a `/v1/mux` socket, a frame that waited for its doc's load, an
 * edit the relay makes itself (a restore): one map from what was thrown to a close code and
 * reason, so each path refuses the same frame the same way.
 */
import { CloseCode } from '@ferry/protocol'
import { AwarenessError } from './awareness-states.ts'
import { RelayBusy, UpdateTooCostly } from './memory-budget.ts'

export interface Refusal {
  readonly code: number
  readonly reason: string
}

/** The close for a frame that threw `error`; anything not named here is a malformed message (4400). */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof RelayBusy) return { code: CloseCode.TryAgainLater, reason: error.reason }
  if (error instanceof UpdateTooCostly) return { code: CloseCode.ChangeTooLarge, reason: error.message }
  if (error instanceof AwarenessError && error.code === 'too-large') return { code: CloseCode.TooLarge, reason: 'awareness state too large' }
  return { code: CloseCode.Malformed, reason: 'malformed message' }
}

/** True when `error` is a refusal that passes or a limit, not something wrong with the frame (nor a fault). */
export function isLimit(error: unknown): boolean {
  return error instanceof RelayBusy || error instanceof UpdateTooCostly
}
