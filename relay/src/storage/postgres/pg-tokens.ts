/**
 * One-time tokens and refresh-token families in PostgreSQL.
 *
 * A one-time token is consumed by one `DELETE … RETURNING`: of two relay instances consuming
 * it at once, the second deletes nothing. Every change to a refresh family's tokens runs with
 * the family row locked, and revoking deletes that row (its tokens go by cascade): so of two
 * rotations of one token the second sees it spent and revokes the family, and a revocation
 * waiting on a rotation also takes the token that rotation just made.
 * Expired rows are pruned on writes, as lowdb does; a family goes once its newest token expired.
 */
import type pg from 'pg'
import type { UserId } from '@ferry/protocol'
import type { RefreshToken, RotateOutcome } from '../accounts/sessions.ts'
import type { OneTimeToken, OneTimeTokenKind } from '../accounts/users.ts'
import { transaction } from './database.ts'
import type { Queryable } from './pg-account-rows.ts'

export async function putToken(db: Queryable, token: OneTimeToken): Promise<void> {
  await db.query('DELETE FROM ferry_tokens WHERE expires_at <= $1', [Date.now()])
  await db.query(
    `INSERT INTO ferry_tokens (hash, kind, user_id, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (hash) DO UPDATE SET kind = excluded.kind, user_id = excluded.user_id, expires_at = excluded.expires_at`,
    [token.hash, token.kind, token.userId, token.expiresAt],
  )
}

/** Deletes the token if it has this kind, expired or not; answers its user only if it was live. */
export async function consumeToken(db: Queryable, kind: OneTimeTokenKind, hash: string, now: number): Promise<UserId | null> {
  const { rows } = await db.query<{ user_id: string; expires_at: string }>(
    'DELETE FROM ferry_tokens WHERE hash = $1 AND kind = $2 RETURNING user_id, expires_at',
    [hash, kind],
  )
  const token = rows[0]
  return token !== undefined && Number(token.expires_at) > now ? (token.user_id as UserId) : null
}

export async function deleteTokens(db: Queryable, userId: UserId, kind: OneTimeTokenKind): Promise<void> {
  await db.query('DELETE FROM ferry_tokens WHERE user_id = $1 AND kind = $2', [userId, kind])
}

export async function createRefreshToken(db: Queryable, token: RefreshToken): Promise<void> {
  await db.query('DELETE FROM ferry_refresh_families WHERE expires_at <= $1', [Date.now()])
  await db.query(
    `WITH family AS (
       INSERT INTO ferry_refresh_families (id, user_id, expires_at) VALUES ($2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET expires_at = greatest(ferry_refresh_families.expires_at, excluded.expires_at)
       RETURNING id)
     INSERT INTO ferry_refresh_tokens (hash, family_id, expires_at) SELECT $1, id, $4 FROM family`,
    [token.hash, token.familyId, token.userId, token.expiresAt],
  )
}

export function rotateRefreshToken(pool: pg.Pool, hash: string, next: { hash: string; expiresAt: number }, now: number): Promise<RotateOutcome> {
  return transaction(pool, async (client): Promise<RotateOutcome> => {
    const family = await lockFamilyOf(client, hash)
    if (family === null) return { status: 'invalid' }
    // Read after the lock: whatever rotated this token before us has committed by now.
    const { rows } = await client.query<{ expires_at: string; spent: boolean }>(
      'SELECT expires_at, spent FROM ferry_refresh_tokens WHERE hash = $1',
      [hash],
    )
    const token = rows[0]
    if (token === undefined || Number(token.expires_at) <= now) return { status: 'invalid' }
    if (token.spent) {
      await revokeFamily(client, family.id)
      return { status: 'reused', userId: family.userId }
    }
    await client.query(
      `WITH spend AS (UPDATE ferry_refresh_tokens SET spent = true WHERE hash = $1),
            extend AS (UPDATE ferry_refresh_families SET expires_at = greatest(expires_at, $4) WHERE id = $2)
       INSERT INTO ferry_refresh_tokens (hash, family_id, expires_at) VALUES ($3, $2, $4)`,
      [hash, family.id, next.hash, next.expiresAt],
    )
    return { status: 'rotated', userId: family.userId, familyId: family.id }
  })
}

/** Locks the family `hash` belongs to until the transaction ends; null when there is none (any more). */
async function lockFamilyOf(client: pg.PoolClient, hash: string): Promise<{ id: string; userId: UserId } | null> {
  const { rows } = await client.query<{ id: string; user_id: string }>(
    `SELECT id, user_id FROM ferry_refresh_families
     WHERE id = (SELECT family_id FROM ferry_refresh_tokens WHERE hash = $1) FOR UPDATE`,
    [hash],
  )
  const row = rows[0]
  return row === undefined ? null : { id: row.id, userId: row.user_id as UserId }
}

export async function revokeRefreshFamily(db: Queryable, hash: string): Promise<UserId | null> {
  const { rows } = await db.query<{ user_id: string }>(
    'DELETE FROM ferry_refresh_families WHERE id = (SELECT family_id FROM ferry_refresh_tokens WHERE hash = $1) RETURNING user_id',
    [hash],
  )
  return (rows[0]?.user_id as UserId | undefined) ?? null
}

/** True while the user's family exists and has not expired (revoking deletes it). */
export async function sessionLive(db: Queryable, userId: UserId, familyId: string, now: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM ferry_refresh_families WHERE id = $1 AND user_id = $2 AND expires_at > $3',
    [familyId, userId, now],
  )
  return rowCount === 1
}

/** Deletes a family and (by cascade) its tokens; null ids are a no-op. */
export async function revokeFamily(db: Queryable, familyId: string | null): Promise<void> {
  if (familyId !== null) await db.query('DELETE FROM ferry_refresh_families WHERE id = $1', [familyId])
}

export async function revokeAllRefreshTokens(db: Queryable, userId: UserId): Promise<void> {
  await db.query('DELETE FROM ferry_refresh_families WHERE user_id = $1', [userId])
}

/** The family of the user's refresh token `hash`, for a device to remember its session by. */
export async function sessionFamily(db: Queryable, userId: UserId, hash: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT f.id FROM ferry_refresh_tokens t JOIN ferry_refresh_families f ON f.id = t.family_id
     WHERE t.hash = $1 AND f.user_id = $2`,
    [hash, userId],
  )
  return rows[0]?.id ?? null
}
