/**
 * `LinkStore`: read-only share links to collection docs. Only a hash of each link token is
 * stored. Counting a use is one atomic call, so concurrent opens never pass a link's limit.
 *
 * Every implementation must pass `test/contracts/link-store.contract.ts`.
 */
import type { DocName, Result, UserId } from '@ferry/protocol'

/** A share link: 22-char base64url, random. Not a secret (the token is). */
export type LinkId = string & { readonly __brand: 'LinkId' }

/**
 * A read-only share link to one collection doc. The link token itself is never stored, only
 * its SHA-256. `uses` counts opens (see `links/` for what counts as one).
 */
export interface LinkRecord {
  readonly id: LinkId
  readonly ownerId: UserId
  readonly docName: DocName
  /** SHA-256 of the link token, hex. */
  readonly tokenHash: string
  /** Random key (base64url) the relay signs viewer passes with; useless without the token. */
  readonly passKey: string
  readonly createdAt: number
  /** ms since the epoch; null = never expires. */
  readonly expiresAt: number | null
  /** null = unlimited. */
  readonly maxUses: number | null
  readonly uses: number
  readonly revokedAt: number | null
}

export type NewLink = Omit<LinkRecord, 'uses' | 'revokedAt'>

/** Why a link cannot be used now; `unknown` when no link has that token. */
export type LinkUseError = 'unknown' | 'revoked' | 'expired' | 'used_up'

/** Why `link` cannot be used at `now`, or null when it is live. Every backend decides by this. */
export function linkUseError(link: LinkRecord, now: number): Exclude<LinkUseError, 'unknown'> | null {
  if (link.revokedAt !== null) return 'revoked'
  if (link.expiresAt !== null && link.expiresAt <= now) return 'expired'
  if (link.maxUses !== null && link.uses >= link.maxUses) return 'used_up'
  return null
}


/** The port of the link routes, link grants on the sync endpoint and doc deletion. */
export interface LinkStore {
  /** Stores a new link (with `uses` 0). */
  createLink(link: NewLink): Promise<LinkRecord>
  /** Every link the user made, revoked and expired ones included, oldest first. */
  listLinks(ownerId: UserId): Promise<LinkRecord[]>
  findLinkByToken(tokenHash: string): Promise<LinkRecord | null>
  /**
   * Counts one use of the link with this token hash, if it is live at `now` (not revoked, not
   * expired, uses left) — check and count in one atomic step, so concurrent opens never pass
   * `maxUses`. Answers the link after counting.
   */
  useLink(tokenHash: string, now: number): Promise<Result<LinkRecord, LinkUseError>>
  /** Marks the owner's link revoked (idempotent); null when the user has no such link. */
  revokeLink(ownerId: UserId, id: LinkId, now: number): Promise<LinkRecord | null>
  /** Deletes every link the user made, revoked ones included (account deletion); answers how many. */
  deleteLinks(ownerId: UserId): Promise<number>
}
