/**
 * What a relay's refusal of one doc means to the client — whether it came as the close code of
 * a per-doc socket or as a `refused` on the multiplexed socket (docs/PROTOCOL.md, Errors): both
 * transports map a code to the same outcome, so a doc shows the same status either way.
 */
import { CloseCode, DOC_TOO_LARGE_REASON, MAX_ROOT_TYPES, MUX_VERSIONS, retryAfterSeconds, TOO_COSTLY_REASON, TOO_COSTLY_TO_APPLY_REASON, TOO_MANY_ROOTS_REASON } from '@ferry/protocol'
import type { SyncStatus } from '../sync-status.ts'

/** The status of a doc the relay says was deleted (4410). */
export const DELETED_STATUS: SyncStatus = { kind: 'error', reason: 'deleted by its owner' }

/** Codes after which trying again with the same doc and a fresh token cannot help. */
const fatal: ReadonlyMap<number, string> = new Map([
  [CloseCode.Forbidden, 'not allowed'],
  [CloseCode.BadDocName, 'bad document name'],
  [CloseCode.Malformed, 'the relay rejected a message'],
  // A share link of a collection in its owner's trash: it opens again only once the owner restores it.
  [CloseCode.CollectionTrashed, "the collection is in its owner's trash"],
])

/** Codes that refuse a change for its size: the doc stops, and `syncNow()` may try again. */
const tooLarge: ReadonlyMap<number, string> = new Map([
  [CloseCode.ChangeTooLarge, 'MAX_REASSEMBLED_BYTES'],
  [CloseCode.TooLarge, 'MAX_OWNER_MESSAGE_BYTES'],
])

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`

/** What a user reads when the relay refused a change for the account's storage quota (4507). */
export function quotaReason(relayReason: string): string {
  const limit = /(\d+) bytes/.exec(relayReason)
  const bytes = limit ? Number(limit[1]) : 0
  const of = !limit ? '' : bytes >= 1024 * 1024 ? ` of ${megabytes(bytes)}` : ` of ${Math.ceil(bytes / 1024)} KB`
  return `the account's storage quota${of} on the relay is full; this change stays on this device — free space by deleting collections, or ask the relay's operator to raise the quota, then sync again`
}

/** What a user reads when the relay refused a change for its size, and what they can do. */
export function tooLargeReason(changeBytes: number, setting: string, relayReason: string): string {
  const limit = /(\d+) bytes/.exec(relayReason)
  const over = limit ? `over its limit of ${megabytes(Number(limit[1]))}` : 'over its limit'
  return `a change of ${megabytes(changeBytes)} is too large for the relay (${over}); it stays on this device — ask the relay's operator to raise ${setting}, then sync again`
}

/**
 * What a user reads when the relay refused a change for memory (4413 with a reason starting
 * with `TOO_COSTLY_REASON`: decoding it; `DOC_TOO_LARGE_REASON`: the doc holding it): its size
 * in bytes is not the point. Null for another reason.
 */
function memoryReason(relayReason: string): string | null {
  if (relayReason.startsWith(TOO_MANY_ROOTS_REASON)) {
    return `the relay refused a change that would give its document more than ${MAX_ROOT_TYPES} root types (no Ferry document has so many); it stays on this device`
  }
  if (relayReason.startsWith(TOO_COSTLY_TO_APPLY_REASON)) {
    return `the relay stopped applying a change that took too long (${relayReason.slice(TOO_COSTLY_TO_APPLY_REASON.length).replace(/^:\s*/, '')}); it stays on this device — Sync now tries again, which may pass on a less busy relay`
  }
  // Nesting is the shape of the data, not its size: no setting lets it through.
  if (relayReason.startsWith(TOO_COSTLY_REASON) && /\bnest/.test(relayReason)) {
    return `the relay refused a change whose data nests deeper than it allows (${relayReason.slice(TOO_COSTLY_REASON.length).replace(/^:\s*/, '')}; no Ferry document nests so deep); it stays on this device`
  }
  const refusal = relayReason.startsWith(TOO_COSTLY_REASON)
    ? { prefix: TOO_COSTLY_REASON, what: 'as too costly to read', setting: 'MAX_UPDATE_DECODED_BYTES' }
    : relayReason.startsWith(DOC_TOO_LARGE_REASON)
      ? { prefix: DOC_TOO_LARGE_REASON, what: 'as making the document too large to keep in memory', setting: 'MAX_DOC_DECODED_BYTES' }
      : null
  if (!refusal) return null
  const why = relayReason.slice(refusal.prefix.length).replace(/^:\s*/, '')
  return `the relay refused a change ${refusal.what}${why ? ` (${why})` : ''}; it stays on this device — ask the relay's operator to raise ${refusal.setting}, then sync again`
}

export type CloseOutcome =
  /** The doc was deleted (4410): drop the local copy; never retry. */
  | { readonly kind: 'deleted' }
  /** Stopped for good with this status. */
  | { readonly kind: 'stop'; readonly status: SyncStatus }
  /** Stopped with this status until `syncNow()` (too large, quota): nothing local is touched. */
  | { readonly kind: 'hold'; readonly status: SyncStatus }
  /** The token was refused (4401): refresh it, then try again. */
  | { readonly kind: 'refresh' }
  /** Transient: try again after a backoff of at least `retryAfterMs`. */
  | { readonly kind: 'retry'; readonly retryAfterMs: number }

/** `largestSent`: the largest message (before fragmenting) sent on the doc's channel, for the too-large reason. */
export function closeOutcome(code: number, reason: string, largestSent: number): CloseOutcome {
  if (code === CloseCode.Gone) return { kind: 'deleted' }
  const stop = fatal.get(code)
  if (stop !== undefined) return { kind: 'stop', status: { kind: 'error', reason: reason || stop } }
  const setting = tooLarge.get(code)
  if (setting !== undefined) {
    const why = memoryReason(reason) ?? tooLargeReason(largestSent, setting, reason)
    return { kind: 'hold', status: { kind: 'error', reason: why } }
  }
  if (code === CloseCode.QuotaExceeded) return { kind: 'hold', status: { kind: 'error', reason: quotaReason(reason) } }
  if (code === CloseCode.Unauthenticated) return { kind: 'refresh' }
  return { kind: 'retry', retryAfterMs: (retryAfterSeconds(reason) ?? 0) * 1000 }
}

/**
 * True when a socket's close says the relay answered and asked to come back later (1013: short
 * of memory, the account's changes too long to apply lately, too much sent while a doc loads;
 * 4529: too many connections or sync requests): the device is online and its changes are on
 * their way, so its docs say so rather than "offline".
 */
export function relayAskedToWait(code: number): boolean {
  return code === CloseCode.TryAgainLater || code === CloseCode.RateLimited
}

/**
 * Why the multiplexed socket's close means the relay does not speak the protocol to us — so the
 * docs go on per-doc sockets, which still work where a reconnect would not — or null: 4404 (no
 * such endpoint), or 4400 on the socket itself (a version we do not speak, or control frames
 * this relay does not take).
 */
export function muxFallbackReason(code: number, reason: string): string | null {
  if (code === CloseCode.BadDocName) return 'the relay has no multiplexed endpoint (4404)'
  if (code !== CloseCode.Malformed) return null
  return speaksNoVersionOfOurs(reason) ? `the relay speaks no multiplexed version of ours (${reason})` : `the relay refused the multiplexed socket: ${reason || '4400'}`
}

/** True when a 4400 reason names the versions a relay speaks (`v=2,3`) and none is ours. */
function speaksNoVersionOfOurs(reason: string): boolean {
  const listed = /v=([\d,\s]+)/.exec(reason)
  if (!listed) return /version/i.test(reason)
  return !listed[1]!.split(',').some((v) => MUX_VERSIONS.includes(Number(v.trim())))
}
