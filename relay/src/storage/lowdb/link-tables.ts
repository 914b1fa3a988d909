/**
 * The share-link part of the lowdb account file, and the pure state changes on it.
 * `LowdbAccountStore` runs each change inside its serialized write, which makes each atomic.
 */
import { err, ok, type Result, type UserId } from '@ferry/protocol'
import { linkUseError, type LinkId, type LinkRecord, type LinkUseError, type NewLink } from '../accounts/links.ts'
import { own } from './own.ts'

/** Optional so that account files written before links existed still load. */
export interface LinkTables {
  /** Link id → link. */
  links?: Record<string, LinkRecord>
  /** Token hash → link id. */
  linkTokens?: Record<string, LinkId>
}

export function createLink(tables: LinkTables, input: NewLink): LinkRecord {
  const links = (tables.links ??= {})
  const tokens = (tables.linkTokens ??= {})
  if (own(links, input.id) !== undefined) throw new Error(`link id ${input.id} is already taken`)
  if (own(tokens, input.tokenHash) !== undefined) throw new Error('link token hash is already taken')
  const link: LinkRecord = { ...input, uses: 0, revokedAt: null }
  links[link.id] = link
  tokens[link.tokenHash] = link.id
  return link
}

export function listLinks(tables: LinkTables, ownerId: UserId): LinkRecord[] {
  return Object.values(tables.links ?? {})
    .filter((link) => link.ownerId === ownerId)
    .sort((a, b) => a.createdAt - b.createdAt)
}

export function findLinkByToken(tables: LinkTables, tokenHash: string): LinkRecord | null {
  const id = own(tables.linkTokens, tokenHash)
  return id === undefined ? null : (own(tables.links, id) ?? null)
}

/** The live link with this token hash, or why there is none; changes nothing. */
export function checkLink(tables: LinkTables, tokenHash: string, now: number): Result<LinkRecord, LinkUseError> {
  const link = findLinkByToken(tables, tokenHash)
  if (link === null) return err('unknown')
  const refused = linkUseError(link, now)
  return refused === null ? ok(link) : err(refused)
}

export function useLink(tables: LinkTables, tokenHash: string, now: number): Result<LinkRecord, LinkUseError> {
  const checked = checkLink(tables, tokenHash, now)
  if (!checked.ok) return checked
  const used: LinkRecord = { ...checked.value, uses: checked.value.uses + 1 }
  tables.links![used.id] = used
  return ok(used)
}

export function revokeLink(tables: LinkTables, ownerId: UserId, id: LinkId, now: number): LinkRecord | null {
  const link = own(tables.links, id)
  if (link === undefined || link.ownerId !== ownerId) return null
  if (link.revokedAt !== null) return link
  const revoked: LinkRecord = { ...link, revokedAt: now }
  tables.links![id] = revoked
  return revoked
}

export function deleteLinks(tables: LinkTables, ownerId: UserId): number {
  let deleted = 0
  for (const link of listLinks(tables, ownerId)) {
    delete tables.links![link.id]
    delete tables.linkTokens![link.tokenHash]
    deleted++
  }
  return deleted
}
