/**
 * Share links in PostgreSQL. `useLink` locks the link row, decides with the port's
 * `linkUseError` and counts in the same transaction, so opens on several relay instances at
 * once never pass `maxUses` (the table's check constraint would refuse it anyway).
 */
import type pg from 'pg'
import { err, ok, type Result, type UserId } from '@ferry/protocol'
import { linkUseError, type LinkId, type LinkRecord, type LinkUseError, type NewLink } from '../accounts/links.ts'
import { transaction } from './database.ts'
import { LINK_COLUMNS, toLink, type LinkRow, type Queryable } from './pg-account-rows.ts'

export async function createLink(db: Queryable, link: NewLink): Promise<LinkRecord> {
  const { rows } = await db.query<LinkRow>(
    `INSERT INTO ferry_links (id, owner_id, doc_name, token_hash, pass_key, created_at, expires_at, max_uses)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${LINK_COLUMNS}`,
    [link.id, link.ownerId, link.docName, link.tokenHash, link.passKey, link.createdAt, link.expiresAt, link.maxUses],
  )
  return toLink(rows[0]!)
}

export async function listLinks(db: Queryable, ownerId: UserId): Promise<LinkRecord[]> {
  const { rows } = await db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM ferry_links WHERE owner_id = $1 ORDER BY created_at, seq`, [ownerId])
  return rows.map(toLink)
}

async function linkByToken(db: Queryable, tokenHash: string, lock: '' | 'FOR UPDATE'): Promise<LinkRecord | null> {
  const { rows } = await db.query<LinkRow>(`SELECT ${LINK_COLUMNS} FROM ferry_links WHERE token_hash = $1 ${lock}`, [tokenHash])
  return rows[0] === undefined ? null : toLink(rows[0])
}

export const findLinkByToken = (db: Queryable, tokenHash: string): Promise<LinkRecord | null> => linkByToken(db, tokenHash, '')

export function useLink(pool: pg.Pool, tokenHash: string, now: number): Promise<Result<LinkRecord, LinkUseError>> {
  return transaction(pool, async (client): Promise<Result<LinkRecord, LinkUseError>> => {
    const link = await linkByToken(client, tokenHash, 'FOR UPDATE')
    if (link === null) return err('unknown')
    const refused = linkUseError(link, now)
    if (refused !== null) return err(refused)
    const { rows } = await client.query<LinkRow>(`UPDATE ferry_links SET uses = uses + 1 WHERE id = $1 RETURNING ${LINK_COLUMNS}`, [link.id])
    return ok(toLink(rows[0]!))
  })
}

/** Idempotent: a revoked link keeps its first `revokedAt`. */
export async function revokeLink(db: Queryable, ownerId: UserId, id: LinkId, now: number): Promise<LinkRecord | null> {
  const { rows } = await db.query<LinkRow>(
    `UPDATE ferry_links SET revoked_at = coalesce(revoked_at, $3) WHERE id = $2 AND owner_id = $1 RETURNING ${LINK_COLUMNS}`,
    [ownerId, id, now],
  )
  return rows[0] === undefined ? null : toLink(rows[0])
}

export async function deleteLinks(db: Queryable, ownerId: UserId): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM ferry_links WHERE owner_id = $1', [ownerId])
  return rowCount ?? 0
}
