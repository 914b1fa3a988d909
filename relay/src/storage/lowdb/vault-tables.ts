/**
 * The vault's part of the lowdb account file: devices and per-account vault records, and the
 * pure state changes on them. `LowdbAccountStore` runs each change inside its serialized
 * write, which is what makes every one of them atomic.
 */
import { err, ok, type Result, type UserId } from '@ferry/protocol'
import { MAX_RECOVERY_HISTORY, wrapsExactly, type DeviceId, type DeviceRecord, type NewDevice, type NewVault, type RecoveryEntry, type RecoveryUpdate, type RestoredVault, type VaultChain, type VaultRecord, type VaultRotation, type VaultWriteError } from '../accounts/vault.ts'
import { own } from './own.ts'

interface StoredDevice extends DeviceRecord {
  /** The refresh-token family the device registered from; revoked with the device. */
  readonly sessionFamily: string | null
}

/** Optional so that account files written before the vault existed still load. */
export interface VaultTables {
  /** Device id → device. */
  devices?: Record<string, StoredDevice>
  /** User id → vault (`recoveryTag` is missing from records written before it). */
  vaults?: Record<string, Omit<VaultRecord, 'recoveryTag'> & { recoveryTag?: string | null }>
  /** User id → generation → chain link. */
  vaultLinks?: Record<string, Record<string, string>>
  /** User id → replaced recovery-wrapped keys, newest first. */
  recoveryHistory?: Record<string, RecoveryEntry[]>
}

type VaultResult<T> = Result<T, VaultWriteError>

function publicDevice(stored: StoredDevice): DeviceRecord {
  const { sessionFamily: _, ...device } = stored
  return device
}

function ownedDevice(tables: VaultTables, userId: UserId, deviceId: DeviceId): StoredDevice | undefined {
  const device = own(tables.devices, deviceId)
  return device?.userId === userId ? device : undefined
}

export function registerDevice(tables: VaultTables, device: NewDevice, sessionFamily: string | null): DeviceRecord {
  const devices = (tables.devices ??= {})
  if (own(devices, device.id) !== undefined) throw new Error(`device id ${device.id} is already taken`)
  const stored: StoredDevice = {
    id: device.id,
    userId: device.userId,
    name: device.name,
    publicKey: device.publicKey,
    status: 'pending',
    wrappedKey: null,
    generation: null,
    createdAt: device.createdAt,
    approvedAt: null,
    revokedAt: null,
    sessionFamily,
  }
  devices[device.id] = stored
  return publicDevice(stored)
}

export function listDevices(tables: VaultTables, userId: UserId): DeviceRecord[] {
  return Object.values(tables.devices ?? {})
    .filter((device) => device.userId === userId)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map(publicDevice)
}

export function getDevice(tables: VaultTables, userId: UserId, deviceId: DeviceId): DeviceRecord | null {
  const device = ownedDevice(tables, userId, deviceId)
  return device === undefined ? null : publicDevice(device)
}

export function renameDevice(tables: VaultTables, userId: UserId, deviceId: DeviceId, name: string): VaultResult<DeviceRecord> {
  const device = ownedDevice(tables, userId, deviceId)
  if (device === undefined) return err('no_device')
  if (device.status === 'revoked') return err('device_revoked')
  const renamed: StoredDevice = { ...device, name }
  tables.devices![deviceId] = renamed
  return ok(publicDevice(renamed))
}

export function getVault(tables: VaultTables, userId: UserId): VaultRecord | null {
  const vault = own(tables.vaults, userId)
  return vault === undefined ? null : { generation: vault.generation, recoveryWrappedKey: vault.recoveryWrappedKey, recoveryTag: vault.recoveryTag ?? null }
}

export function getVaultChain(tables: VaultTables, userId: UserId): VaultChain | null {
  const vault = getVault(tables, userId)
  if (vault === null) return null
  const links = Object.entries(own(tables.vaultLinks, userId) ?? {})
    .map(([generation, link]) => ({ generation: Number(generation), link }))
    .sort((a, b) => a.generation - b.generation)
  return { generation: vault.generation, links, recoveries: [vault, ...(own(tables.recoveryHistory, userId) ?? [])] }
}

function addLink(tables: VaultTables, userId: UserId, generation: number, link: string | undefined): void {
  if (link === undefined) return
  const links = ((tables.vaultLinks ??= {})[userId] ??= {})
  links[String(generation)] ??= link
}

/** Makes `next` the vault and keeps the recovery-wrapped key it replaces in the history. */
function replaceVault(tables: VaultTables, userId: UserId, replaced: VaultRecord, next: VaultRecord): void {
  const history = (tables.recoveryHistory ??= {})
  history[userId] = [replaced, ...(own(history, userId) ?? [])].slice(0, MAX_RECOVERY_HISTORY)
  tables.vaults![userId] = next
}

function approve(tables: VaultTables, device: StoredDevice, generation: number, wrappedKey: string, now: number): DeviceRecord {
  const approved: StoredDevice = { ...device, status: 'approved', wrappedKey, generation, approvedAt: device.approvedAt ?? now }
  tables.devices![device.id] = approved
  return publicDevice(approved)
}

function usableDevice(tables: VaultTables, userId: UserId, deviceId: DeviceId): VaultResult<StoredDevice> {
  const device = ownedDevice(tables, userId, deviceId)
  if (device === undefined) return err('no_device')
  return device.status === 'revoked' ? err('device_revoked') : ok(device)
}

export function createVault(
  tables: VaultTables,
  userId: UserId,
  first: NewVault,
): VaultResult<VaultRecord> {
  if (getVault(tables, userId) !== null) return err('vault_exists')
  const device = usableDevice(tables, userId, first.deviceId)
  if (!device.ok) return device
  const vault: VaultRecord = { generation: 1, recoveryWrappedKey: first.recoveryWrappedKey, recoveryTag: first.recoveryTag ?? null }
  ;(tables.vaults ??= {})[userId] = vault
  addLink(tables, userId, 1, first.link)
  approve(tables, device.value, 1, first.wrappedKey, first.now)
  return ok(vault)
}

export function approveDevice(
  tables: VaultTables,
  userId: UserId,
  deviceId: DeviceId,
  approval: { generation: number; wrappedKey: string; now: number },
): VaultResult<DeviceRecord> {
  const vault = getVault(tables, userId)
  if (vault === null) return err('no_vault')
  const device = usableDevice(tables, userId, deviceId)
  if (!device.ok) return device
  if (approval.generation !== vault.generation) return err('stale_generation')
  return ok(approve(tables, device.value, approval.generation, approval.wrappedKey, approval.now))
}

/** Marks the device revoked; answers it and the session family to revoke with it. */
export function revokeDevice(
  tables: VaultTables,
  userId: UserId,
  deviceId: DeviceId,
  now: number,
): VaultResult<{ device: DeviceRecord; sessionFamily: string | null }> {
  const device = ownedDevice(tables, userId, deviceId)
  if (device === undefined) return err('no_device')
  const revoked: StoredDevice =
    device.status === 'revoked' ? device : { ...device, status: 'revoked', wrappedKey: null, generation: null, revokedAt: now, sessionFamily: null }
  tables.devices![deviceId] = revoked
  return ok({ device: publicDevice(revoked), sessionFamily: device.sessionFamily })
}

export function setRecoveryKey(
  tables: VaultTables,
  userId: UserId,
  update: RecoveryUpdate,
): VaultResult<VaultRecord> {
  const vault = getVault(tables, userId)
  if (vault === null) return err('no_vault')
  if (update.generation !== vault.generation) return err('stale_generation')
  const next: VaultRecord = { ...vault, recoveryWrappedKey: update.recoveryWrappedKey, recoveryTag: update.recoveryTag ?? null }
  replaceVault(tables, userId, vault, next)
  return ok(next)
}

export function rotateVault(tables: VaultTables, userId: UserId, rotation: VaultRotation): VaultResult<VaultRecord> {
  const vault = getVault(tables, userId)
  if (vault === null) return err('no_vault')
  if (rotation.generation !== vault.generation + 1) return err('stale_generation')
  const approved = Object.values(tables.devices ?? {}).filter((d) => d.userId === userId && d.status === 'approved')
  if (!wrapsExactly(approved.map((device) => device.id), rotation.wrappedKeys)) return err('devices_changed')
  for (const device of approved) {
    tables.devices![device.id] = { ...device, wrappedKey: rotation.wrappedKeys[device.id]!, generation: rotation.generation }
  }
  const next: VaultRecord = { generation: rotation.generation, recoveryWrappedKey: rotation.recoveryWrappedKey, recoveryTag: rotation.recoveryTag ?? null }
  replaceVault(tables, userId, vault, next)
  addLink(tables, userId, rotation.generation, rotation.link)
  return ok(next)
}

export function restoreVault(tables: VaultTables, userId: UserId, restored: RestoredVault): VaultResult<VaultRecord> {
  const [current, ...earlier] = restored.recoveries
  if (current === undefined) throw new Error('a restored vault needs its current recovery wrap')
  if (getVault(tables, userId) !== null) return err('vault_exists')
  const vault: VaultRecord = { generation: current.generation, recoveryWrappedKey: current.recoveryWrappedKey, recoveryTag: current.recoveryTag }
  ;(tables.vaults ??= {})[userId] = vault
  ;(tables.recoveryHistory ??= {})[userId] = earlier.slice(0, MAX_RECOVERY_HISTORY)
  for (const { generation, link } of restored.links) addLink(tables, userId, generation, link)
  const devices = (tables.devices ??= {})
  for (const device of restored.devices) {
    if (own(devices, device.id) === undefined) devices[device.id] = { ...device, userId, sessionFamily: null }
  }
  return ok(vault)
}

export function deleteVault(tables: VaultTables, userId: UserId): number {
  let deleted = 0
  for (const [id, device] of Object.entries(tables.devices ?? {})) {
    if (device.userId !== userId) continue
    delete tables.devices![id]
    deleted++
  }
  for (const table of [tables.vaults, tables.vaultLinks, tables.recoveryHistory]) if (table) delete table[userId]
  return deleted
}
