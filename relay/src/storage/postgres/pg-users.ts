/**
 * Users, their OIDC identities and avatars in PostgreSQL. Uniqueness is the database's job:
 * two relay instances signing up the same email at once both try the insert, and the loser's
 * unique violation becomes the port's `email_taken` (likewise `identity_taken`).
 */
import type pg from 'pg'
import { err, ok, type Result, type UserId } from '@ferry/protocol'
import type { Avatar } from '../accounts/avatars.ts'
import type { CreateUserError, Identity, NewUser, UserPatch, UserRecord } from '../accounts/users.ts'
import { transaction } from './database.ts'
import { toUser, USER_COLUMNS, violatedConstraint, type Queryable, type UserRow } from './pg-account-rows.ts'

/** The port's answer to each unique constraint a new user can collide with. */
const CREATE_CONFLICTS: Readonly<Record<string, CreateUserError>> = {
  ferry_users_email_unique: 'email_taken',
  ferry_identities_unique: 'identity_taken',
}

export async function createUser(pool: pg.Pool, input: NewUser): Promise<Result<UserRecord, CreateUserError>> {
  try {
    const user = await transaction(pool, async (client) => {
      const { rows } = await client.query<UserRow>(
        `INSERT INTO ferry_users (id, email, name, email_confirmed, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
        [input.id, input.email, input.name, input.emailConfirmed, input.passwordHash, input.createdAt],
      )
      if (input.identity) {
        await client.query('INSERT INTO ferry_identities (provider, subject, user_id) VALUES ($1, $2, $3)', [
          input.identity.provider,
          input.identity.subject,
          input.id,
        ])
      }
      return toUser(rows[0]!)
    })
    return ok(user)
  } catch (error) {
    const violated = violatedConstraint(error)
    const conflict = violated?.kind === 'unique' ? CREATE_CONFLICTS[violated.constraint] : undefined
    if (conflict === undefined) throw error
    return err(conflict)
  }
}

async function oneUser(db: Queryable, where: string, params: unknown[]): Promise<UserRecord | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ferry_users WHERE ${where}`, params)
  return rows[0] === undefined ? null : toUser(rows[0])
}

export const getUser = (db: Queryable, id: UserId): Promise<UserRecord | null> => oneUser(db, 'id = $1', [id])

export async function listUsers(db: Queryable): Promise<UserRecord[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ferry_users ORDER BY created_at, id`)
  return rows.map(toUser)
}

export const findUserByEmail = (db: Queryable, email: string): Promise<UserRecord | null> => oneUser(db, 'email = $1', [email])

export const findUserByIdentity = (db: Queryable, identity: Identity): Promise<UserRecord | null> =>
  oneUser(db, 'id = (SELECT user_id FROM ferry_identities WHERE provider = $1 AND subject = $2)', [identity.provider, identity.subject])

/** One statement: a conflict with another owner updates nothing and answers no row. */
export async function linkIdentity(db: Queryable, userId: UserId, identity: Identity): Promise<Result<void, 'identity_taken' | 'no_user'>> {
  try {
    const { rowCount } = await db.query(
      `INSERT INTO ferry_identities (provider, subject, user_id) VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT ferry_identities_unique DO UPDATE SET user_id = excluded.user_id
       WHERE ferry_identities.user_id = excluded.user_id`,
      [identity.provider, identity.subject, userId],
    )
    return rowCount === 1 ? ok(undefined) : err('identity_taken')
  } catch (error) {
    if (violatedConstraint(error)?.kind === 'foreign_key') return err('no_user')
    throw error
  }
}

/** Fields the patch leaves undefined keep their value; `passwordHash: null` clears the hash. */
export async function updateUser(db: Queryable, id: UserId, patch: UserPatch): Promise<UserRecord | null> {
  const { rows } = await db.query<UserRow>(
    `UPDATE ferry_users SET name = coalesce($2, name), email_confirmed = coalesce($3, email_confirmed),
       password_hash = CASE WHEN $4::boolean THEN $5 ELSE password_hash END, disabled = coalesce($6, disabled)
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, patch.name ?? null, patch.emailConfirmed ?? null, patch.passwordHash !== undefined, patch.passwordHash ?? null, patch.disabled ?? null],
  )
  return rows[0] === undefined ? null : toUser(rows[0])
}

/** One statement, so the etag a user row names and the bytes stored always belong together. */
export async function putAvatar(db: Queryable, userId: UserId, avatar: Avatar): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH owner AS (UPDATE ferry_users SET avatar_etag = $2 WHERE id = $1 RETURNING id)
     INSERT INTO ferry_avatars (user_id, bytes) SELECT id, $3 FROM owner
     ON CONFLICT (user_id) DO UPDATE SET bytes = excluded.bytes`,
    [userId, avatar.etag, Buffer.from(avatar.bytes.buffer, avatar.bytes.byteOffset, avatar.bytes.byteLength)],
  )
  return rowCount === 1
}

export async function getAvatar(db: Queryable, userId: UserId): Promise<Avatar | null> {
  const { rows } = await db.query<{ avatar_etag: string; bytes: Buffer }>(
    `SELECT u.avatar_etag, a.bytes FROM ferry_users u JOIN ferry_avatars a ON a.user_id = u.id
     WHERE u.id = $1 AND u.avatar_etag IS NOT NULL`,
    [userId],
  )
  const row = rows[0]
  return row === undefined ? null : { bytes: new Uint8Array(row.bytes), etag: row.avatar_etag }
}

/** One statement: the etag goes with the bytes. */
export async function deleteAvatar(db: Queryable, userId: UserId): Promise<boolean> {
  const { rowCount } = await db.query(
    `WITH cleared AS (UPDATE ferry_users SET avatar_etag = NULL WHERE id = $1)
     DELETE FROM ferry_avatars WHERE user_id = $1`,
    [userId],
  )
  return rowCount === 1
}

/** Identities and the avatar go by cascade; single-use tokens have no foreign key, so they go first. */
export function deleteUser(pool: pg.Pool, id: UserId): Promise<boolean> {
  return transaction(pool, async (client) => {
    await client.query('DELETE FROM ferry_tokens WHERE user_id = $1', [id])
    const { rowCount } = await client.query('DELETE FROM ferry_users WHERE id = $1', [id])
    return rowCount === 1
  })
}
