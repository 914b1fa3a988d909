/**
 * Rows of the account tables and their mapping to the port's records, plus what the account
 * modules share: the queryable type and the reading of constraint violations. Each table's
 * column list is named once here and used by every query that answers a record, so a record
 * can never be built from a partial row. `pg` hands bigint columns over as strings; times are
 * ms since the epoch and stay far below 2^53, so `Number` is exact.
 */
import type pg from 'pg'
import type { DocName, UserId } from '@ferry/protocol'
import type { LinkId, LinkRecord } from '../accounts/links.ts'
import type { UserRecord } from '../accounts/users.ts'
import type { DeviceId, DeviceRecord, DeviceStatus, VaultRecord } from '../accounts/vault.ts'

/** A pool, or the client of a transaction on it. */
export type Queryable = pg.Pool | pg.PoolClient

type Bigint = string
const time = (value: Bigint): number => Number(value)
const optionalTime = (value: Bigint | null): number | null => (value === null ? null : Number(value))

/** The constraint a statement violated, if it failed on a unique (23505) or foreign key (23503) one. */
export function violatedConstraint(error: unknown): { kind: 'unique' | 'foreign_key'; constraint: string } | null {
  if (!(error instanceof Error) || !('code' in error) || !('constraint' in error)) return null
  const { code, constraint } = error as { code: unknown; constraint: unknown }
  if (typeof constraint !== 'string') return null
  if (code === '23505') return { kind: 'unique', constraint }
  if (code === '23503') return { kind: 'foreign_key', constraint }
  return null
}

export const USER_COLUMNS = 'id, email, name, email_confirmed, password_hash, avatar_etag, created_at, disabled'

export interface UserRow {
  id: string
  email: string
  name: string
  email_confirmed: boolean
  password_hash: string | null
  avatar_etag: string | null
  created_at: Bigint
  disabled: boolean
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id as UserId,
    email: row.email,
    name: row.name,
    emailConfirmed: row.email_confirmed,
    passwordHash: row.password_hash,
    avatarEtag: row.avatar_etag,
    createdAt: time(row.created_at),
    disabled: row.disabled,
  }
}

export const DEVICE_COLUMNS = 'id, user_id, name, public_key, status, wrapped_key, generation, created_at, approved_at, revoked_at'

export interface DeviceRow {
  id: string
  user_id: string
  name: string
  public_key: string
  status: DeviceStatus
  wrapped_key: string | null
  generation: number | null
  created_at: Bigint
  approved_at: Bigint | null
  revoked_at: Bigint | null
}

export function toDevice(row: DeviceRow): DeviceRecord {
  return {
    id: row.id as DeviceId,
    userId: row.user_id as UserId,
    name: row.name,
    publicKey: row.public_key,
    status: row.status,
    wrappedKey: row.wrapped_key,
    generation: row.generation,
    createdAt: time(row.created_at),
    approvedAt: optionalTime(row.approved_at),
    revokedAt: optionalTime(row.revoked_at),
  }
}

export const VAULT_COLUMNS = 'generation, recovery_wrapped_key, recovery_tag'

export interface VaultRow {
  generation: number
  recovery_wrapped_key: string
  recovery_tag: string | null
}

export function toVault(row: VaultRow): VaultRecord {
  return { generation: row.generation, recoveryWrappedKey: row.recovery_wrapped_key, recoveryTag: row.recovery_tag }
}

export const LINK_COLUMNS = 'id, owner_id, doc_name, token_hash, pass_key, created_at, expires_at, max_uses, uses, revoked_at'

export interface LinkRow {
  id: string
  owner_id: string
  doc_name: string
  token_hash: string
  pass_key: string
  created_at: Bigint
  expires_at: Bigint | null
  max_uses: number | null
  uses: number
  revoked_at: Bigint | null
}

export function toLink(row: LinkRow): LinkRecord {
  return {
    id: row.id as LinkId,
    ownerId: row.owner_id as UserId,
    docName: row.doc_name as DocName,
    tokenHash: row.token_hash,
    passKey: row.pass_key,
    createdAt: time(row.created_at),
    expiresAt: optionalTime(row.expires_at),
    maxUses: row.max_uses,
    uses: row.uses,
    revokedAt: optionalTime(row.revoked_at),
  }
}
