/**
 * Typed errors of collection links. `ReadOnly` is what a write to a shared (read-only)
 * collection raises instead of diverging silently; `LinkUnavailable` says why a link does not
 * open (its `code` is the relay's, or `invalid_link` for a URL that carries no token).
 */

/**
 * `link_closed`: the relay closed an open view because the link was revoked or expired, or the
 * collection went to its owner's trash (the message says which). `collection_trashed`: the
 * collection is in its owner's trash; the link opens again if the owner restores it.
 */
export type LinkUnavailableCode = 'invalid_link' | 'unknown_link' | 'link_revoked' | 'link_expired' | 'link_used_up' | 'link_closed' | 'collection_trashed'

export class LinkUnavailable extends Error {
  override name = 'LinkUnavailable'
  constructor(
    readonly code: LinkUnavailableCode,
    message: string,
  ) {
    super(message)
  }
}

export class ReadOnly extends Error {
  override name = 'ReadOnly'
  readonly code = 'read_only' as const
  constructor(
    /** The write that was refused, e.g. `add`. */
    readonly operation: string,
  ) {
    super(`This collection is shared with you read-only (${operation} is not allowed). Import a copy to edit it.`)
  }
}
