/**
 * Vault devices and per-account vault records in PostgreSQL. Each write is one transaction
 * that locks the account's vault row first and the device rows after it (always in that
 * order, so two writes never deadlock): approvals, revocations and rotations of one account
 * are serialized across relay instances, and a rotation sees exactly the devices approved
 * when it commits. Refusals are decided before anything is written.
 */
import type pg from 'pg'
import { err, ok, type Result, type UserId } from '@ferry/protocol'
import { MAX_RECOVERY_HISTORY, wrapsExactly, type DeviceId, type DeviceRecord, type NewDevice, type NewVault, type RecoveryUpdate, type RestoredVault, type VaultChain, type VaultRecord, type VaultRotation, type VaultWriteError } from '../accounts/vault.ts'
import { transaction } from './database.ts'
import { DEVICE_COLUMNS, toDevice, toVault, VAULT_COLUMNS, type DeviceRow, type Queryable, type VaultRow } from './pg-account-rows.ts'
import { revokeFamily, sessionFamily } from './pg-tokens.ts'

type VaultResult<T> = Result<T, VaultWriteError>

export async function registerDevice(db: Queryable, device: NewDevice): Promise<DeviceRecord> {
  const family = device.sessionHash === null ? null : await sessionFamily(db, device.userId, device.sessionHash)
  const { rows } = await db.query<DeviceRow>(
    `INSERT INTO ferry_devices (id, user_id, name, public_key, status, created_at, session_family)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING ${DEVICE_COLUMNS}`,
    [device.id, device.userId, device.name, device.publicKey, device.createdAt, family],
  )
  return toDevice(rows[0]!)
}

export async function listDevices(db: Queryable, userId: UserId): Promise<DeviceRecord[]> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM ferry_devices WHERE user_id = $1 ORDER BY created_at, seq`, [userId])
  return rows.map(toDevice)
}

export async function getDevice(db: Queryable, userId: UserId, deviceId: DeviceId): Promise<DeviceRecord | null> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM ferry_devices WHERE id = $1 AND user_id = $2`, [deviceId, userId])
  return rows[0] === undefined ? null : toDevice(rows[0])
}

export async function renameDevice(db: Queryable, userId: UserId, deviceId: DeviceId, name: string): Promise<Result<DeviceRecord, VaultWriteError>> {
  const { rows } = await db.query<DeviceRow>(
    `UPDATE ferry_devices SET name = $3 WHERE id = $1 AND user_id = $2 AND status <> 'revoked' RETURNING ${DEVICE_COLUMNS}`,
    [deviceId, userId, name],
  )
  if (rows[0] !== undefined) return ok(toDevice(rows[0]))
  return err((await getDevice(db, userId, deviceId)) === null ? 'no_device' : 'device_revoked')
}

export async function getVault(db: Queryable, userId: UserId): Promise<VaultRecord | null> {
  const { rows } = await db.query<VaultRow>(`SELECT ${VAULT_COLUMNS} FROM ferry_vaults WHERE user_id = $1`, [userId])
  return rows[0] === undefined ? null : toVault(rows[0])
}

export async function getVaultChain(db: Queryable, userId: UserId): Promise<VaultChain | null> {
  const vault = await getVault(db, userId)
  if (vault === null) return null
  const { rows: links } = await db.query<{ generation: number; link: string }>(
    'SELECT generation, link FROM ferry_vault_links WHERE user_id = $1 ORDER BY generation',
    [userId],
  )
  const { rows: earlier } = await db.query<VaultRow>(
    'SELECT generation, recovery_wrapped_key, recovery_tag FROM ferry_vault_recoveries WHERE user_id = $1 ORDER BY seq DESC LIMIT $2',
    [userId, MAX_RECOVERY_HISTORY],
  )
  return { generation: vault.generation, links, recoveries: [vault, ...earlier.map(toVault)] }
}

async function addLink(client: pg.PoolClient, userId: UserId, generation: number, link: string | undefined): Promise<void> {
  if (link === undefined) return
  await client.query('INSERT INTO ferry_vault_links (user_id, generation, link) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [userId, generation, link])
}

/** Keeps a replaced recovery-wrapped key in the history, and only the newest `MAX_RECOVERY_HISTORY` of them. */
async function keepReplaced(client: pg.PoolClient, userId: UserId, replaced: VaultRecord): Promise<void> {
  await client.query('INSERT INTO ferry_vault_recoveries (user_id, generation, recovery_wrapped_key, recovery_tag) VALUES ($1, $2, $3, $4)', [
    userId,
    replaced.generation,
    replaced.recoveryWrappedKey,
    replaced.recoveryTag,
  ])
  await client.query(
    `DELETE FROM ferry_vault_recoveries WHERE user_id = $1 AND seq NOT IN
       (SELECT seq FROM ferry_vault_recoveries WHERE user_id = $1 ORDER BY seq DESC LIMIT $2)`,
    [userId, MAX_RECOVERY_HISTORY],
  )
}

async function lockVault(client: pg.PoolClient, userId: UserId): Promise<VaultRecord | null> {
  const { rows } = await client.query<VaultRow>(`SELECT ${VAULT_COLUMNS} FROM ferry_vaults WHERE user_id = $1 FOR UPDATE`, [userId])
  return rows[0] === undefined ? null : toVault(rows[0])
}

interface LockedDevice {
  readonly device: DeviceRecord
  readonly sessionFamily: string | null
}

async function lockDevice(client: pg.PoolClient, userId: UserId, deviceId: DeviceId): Promise<LockedDevice | null> {
  const { rows } = await client.query<DeviceRow & { session_family: string | null }>(
    `SELECT ${DEVICE_COLUMNS}, session_family FROM ferry_devices WHERE id = $1 AND user_id = $2 FOR UPDATE`,
    [deviceId, userId],
  )
  const row = rows[0]
  return row === undefined ? null : { device: toDevice(row), sessionFamily: row.session_family }
}

/** The device, locked, if it belongs to the user and is not revoked. */
async function lockUsableDevice(client: pg.PoolClient, userId: UserId, deviceId: DeviceId): Promise<VaultResult<DeviceRecord>> {
  const locked = await lockDevice(client, userId, deviceId)
  if (locked === null) return err('no_device')
  return locked.device.status === 'revoked' ? err('device_revoked') : ok(locked.device)
}

async function approve(client: pg.PoolClient, deviceId: DeviceId, generation: number, wrappedKey: string, now: number): Promise<DeviceRecord> {
  const { rows } = await client.query<DeviceRow>(
    `UPDATE ferry_devices SET status = 'approved', wrapped_key = $2, generation = $3, approved_at = coalesce(approved_at, $4)
     WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
    [deviceId, wrappedKey, generation, now],
  )
  return toDevice(rows[0]!)
}

export function createVault(
  pool: pg.Pool,
  userId: UserId,
  first: NewVault,
): Promise<VaultResult<VaultRecord>> {
  return transaction(pool, async (client): Promise<VaultResult<VaultRecord>> => {
    // Answered first, as lowdb does; the insert below still decides a race.
    if ((await getVault(client, userId)) !== null) return err('vault_exists')
    const device = await lockUsableDevice(client, userId, first.deviceId)
    if (!device.ok) return device
    const { rows } = await client.query<VaultRow>(
      `INSERT INTO ferry_vaults (user_id, generation, recovery_wrapped_key, recovery_tag) VALUES ($1, 1, $2, $3)
       ON CONFLICT (user_id) DO NOTHING RETURNING ${VAULT_COLUMNS}`,
      [userId, first.recoveryWrappedKey, first.recoveryTag ?? null],
    )
    if (rows[0] === undefined) return err('vault_exists')
    await addLink(client, userId, 1, first.link)
    await approve(client, first.deviceId, 1, first.wrappedKey, first.now)
    return ok(toVault(rows[0]))
  })
}

export function approveDevice(
  pool: pg.Pool,
  userId: UserId,
  deviceId: DeviceId,
  approval: { generation: number; wrappedKey: string; now: number },
): Promise<VaultResult<DeviceRecord>> {
  return transaction(pool, async (client): Promise<VaultResult<DeviceRecord>> => {
    const vault = await lockVault(client, userId)
    if (vault === null) return err('no_vault')
    const device = await lockUsableDevice(client, userId, deviceId)
    if (!device.ok) return device
    if (approval.generation !== vault.generation) return err('stale_generation')
    return ok(await approve(client, deviceId, approval.generation, approval.wrappedKey, approval.now))
  })
}

/** Revokes the device and the session family it registered from; a second revocation changes nothing. */
export function revokeDevice(pool: pg.Pool, userId: UserId, deviceId: DeviceId, now: number): Promise<VaultResult<DeviceRecord>> {
  return transaction(pool, async (client): Promise<VaultResult<DeviceRecord>> => {
    await lockVault(client, userId)
    const locked = await lockDevice(client, userId, deviceId)
    if (locked === null) return err('no_device')
    if (locked.device.status === 'revoked') return ok(locked.device)
    const { rows } = await client.query<DeviceRow>(
      `UPDATE ferry_devices SET status = 'revoked', wrapped_key = NULL, generation = NULL, revoked_at = $2, session_family = NULL
       WHERE id = $1 RETURNING ${DEVICE_COLUMNS}`,
      [deviceId, now],
    )
    await revokeFamily(client, locked.sessionFamily)
    return ok(toDevice(rows[0]!))
  })
}

/** Under the vault row's lock: the replaced key goes to the history in the same transaction. */
export function setRecoveryKey(pool: pg.Pool, userId: UserId, update: RecoveryUpdate): Promise<VaultResult<VaultRecord>> {
  return transaction(pool, async (client): Promise<VaultResult<VaultRecord>> => {
    const vault = await lockVault(client, userId)
    if (vault === null) return err('no_vault')
    if (update.generation !== vault.generation) return err('stale_generation')
    await keepReplaced(client, userId, vault)
    const { rows } = await client.query<VaultRow>(
      `UPDATE ferry_vaults SET recovery_wrapped_key = $2, recovery_tag = $3 WHERE user_id = $1 RETURNING ${VAULT_COLUMNS}`,
      [userId, update.recoveryWrappedKey, update.recoveryTag ?? null],
    )
    return ok(toVault(rows[0]!))
  })
}

export function rotateVault(pool: pg.Pool, userId: UserId, rotation: VaultRotation): Promise<VaultResult<VaultRecord>> {
  return transaction(pool, async (client): Promise<VaultResult<VaultRecord>> => {
    const vault = await lockVault(client, userId)
    if (vault === null) return err('no_vault')
    if (rotation.generation !== vault.generation + 1) return err('stale_generation')
    const { rows: approved } = await client.query<{ id: string }>(
      `SELECT id FROM ferry_devices WHERE user_id = $1 AND status = 'approved' ORDER BY id FOR UPDATE`,
      [userId],
    )
    const ids = approved.map((device) => device.id)
    if (!wrapsExactly(ids, rotation.wrappedKeys)) return err('devices_changed')
    await client.query(
      `UPDATE ferry_devices d SET wrapped_key = k.key, generation = $2
       FROM unnest($3::text[], $4::text[]) AS k (id, key) WHERE d.id = k.id AND d.user_id = $1`,
      [userId, rotation.generation, ids, ids.map((id) => rotation.wrappedKeys[id as DeviceId]!)],
    )
    await keepReplaced(client, userId, vault)
    await addLink(client, userId, rotation.generation, rotation.link)
    const { rows } = await client.query<VaultRow>(
      `UPDATE ferry_vaults SET generation = $2, recovery_wrapped_key = $3, recovery_tag = $4 WHERE user_id = $1 RETURNING ${VAULT_COLUMNS}`,
      [userId, rotation.generation, rotation.recoveryWrappedKey, rotation.recoveryTag ?? null],
    )
    return ok(toVault(rows[0]!))
  })
}

/** Installs a backup's vault in one transaction; the vault row's insert decides a race with a create. */
export function restoreVault(pool: pg.Pool, userId: UserId, restored: RestoredVault): Promise<VaultResult<VaultRecord>> {
  const [current, ...earlier] = restored.recoveries
  if (current === undefined) throw new Error('a restored vault needs its current recovery wrap')
  return transaction(pool, async (client): Promise<VaultResult<VaultRecord>> => {
    const { rows } = await client.query<VaultRow>(
      `INSERT INTO ferry_vaults (user_id, generation, recovery_wrapped_key, recovery_tag) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO NOTHING RETURNING ${VAULT_COLUMNS}`,
      [userId, current.generation, current.recoveryWrappedKey, current.recoveryTag],
    )
    if (rows[0] === undefined) return err('vault_exists')
    // Oldest first: the history reads newest first by insertion order.
    for (const entry of earlier.slice(0, MAX_RECOVERY_HISTORY).reverse()) {
      await client.query('INSERT INTO ferry_vault_recoveries (user_id, generation, recovery_wrapped_key, recovery_tag) VALUES ($1, $2, $3, $4)', [
        userId,
        entry.generation,
        entry.recoveryWrappedKey,
        entry.recoveryTag,
      ])
    }
    for (const { generation, link } of restored.links) await addLink(client, userId, generation, link)
    for (const d of restored.devices) {
      await client.query(
        `INSERT INTO ferry_devices (id, user_id, name, public_key, status, wrapped_key, generation, created_at, approved_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [d.id, userId, d.name, d.publicKey, d.status, d.wrappedKey, d.generation, d.createdAt, d.approvedAt, d.revokedAt],
      )
    }
    return ok(toVault(rows[0]))
  })
}

/** Locks the vault row first, like every vault write, then deletes the vault, its chain, history and devices. */
export function deleteVault(pool: pg.Pool, userId: UserId): Promise<number> {
  return transaction(pool, async (client) => {
    await client.query('DELETE FROM ferry_vaults WHERE user_id = $1', [userId])
    await client.query('DELETE FROM ferry_vault_links WHERE user_id = $1', [userId])
    await client.query('DELETE FROM ferry_vault_recoveries WHERE user_id = $1', [userId])
    const { rowCount } = await client.query('DELETE FROM ferry_devices WHERE user_id = $1', [userId])
    return rowCount ?? 0
  })
}
