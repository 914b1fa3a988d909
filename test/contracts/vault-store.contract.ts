/**
 * The `VaultStore` contract: devices, wrapped keys, the recovery key, rotation, the key chain
 * and deleting an account's vault. Run against every backend by `accountBackendContracts`
 * (account-backend.ts); devices register from sessions, so some cases use the session port too.
 */
import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import type { UserId } from '@ferry/protocol'
import type { UserStore } from '../../relay/src/storage/accounts/users.ts'
import { MAX_RECOVERY_HISTORY, type DeviceId, type NewDevice } from '../../relay/src/storage/accounts/vault.ts'
import { HOUR, randomId, type Fresh } from './account-backend.ts'

const blob = (): string => randomBytes(48).toString('base64url')

async function user(store: UserStore): Promise<UserId> {
  const id = randomId<UserId>()
  const created = await store.createUser({ id, email: `${id.toLowerCase()}@example.test`, name: 'Vera', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
  if (!created.ok) throw new Error(created.error)
  return id
}

function device(userId: UserId, overrides: Partial<NewDevice> = {}): NewDevice {
  return { id: randomId<DeviceId>(), userId, name: 'Laptop', publicKey: blob(), sessionHash: null, createdAt: Date.now(), ...overrides }
}

export function vaultStoreContract(fresh: Fresh): void {
  it('vault: registers pending devices and lists only the owner’s, oldest first', async () => {
    const { store } = await fresh()
    const [a, b] = [await user(store), await user(store)]
    const first = await store.registerDevice(device(a, { name: 'Laptop', createdAt: 1000 }))
    const second = await store.registerDevice(device(a, { name: 'Phone', createdAt: 2000 }))
    await store.registerDevice(device(b))
    expect(first).toMatchObject({ userId: a, name: 'Laptop', status: 'pending', wrappedKey: null, generation: null, approvedAt: null })
    expect((await store.listDevices(a)).map((d) => d.name)).toEqual(['Laptop', 'Phone'])
    expect(await store.getDevice(a, second.id)).toEqual(second)
    expect(await store.getDevice(b, second.id)).toBeNull()
    expect(await store.getVault(a)).toBeNull()
  })

  it('vault: creates once with its first device approved, then approves others at the current generation', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const [laptop, phone] = [await store.registerDevice(device(a)), await store.registerDevice(device(a))]
    const [wrapped, recovery] = [blob(), blob()]
    expect(await store.approveDevice(a, phone.id, { generation: 1, wrappedKey: blob(), now: 5 })).toEqual({ ok: false, error: 'no_vault' })
    expect(await store.createVault(a, { deviceId: laptop.id, wrappedKey: wrapped, recoveryWrappedKey: recovery, now: 5 })).toEqual({
      ok: true,
      value: { generation: 1, recoveryWrappedKey: recovery, recoveryTag: null },
    })
    expect(await store.createVault(a, { deviceId: phone.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 6 })).toEqual({ ok: false, error: 'vault_exists' })
    expect(await store.getDevice(a, laptop.id)).toMatchObject({ status: 'approved', wrappedKey: wrapped, generation: 1, approvedAt: 5 })

    expect(await store.approveDevice(a, phone.id, { generation: 2, wrappedKey: blob(), now: 7 })).toEqual({ ok: false, error: 'stale_generation' })
    expect(await store.approveDevice(a, randomId<DeviceId>(), { generation: 1, wrappedKey: blob(), now: 7 })).toEqual({ ok: false, error: 'no_device' })
    const phoneKey = blob()
    const approved = await store.approveDevice(a, phone.id, { generation: 1, wrappedKey: phoneKey, now: 7 })
    expect(approved.ok && approved.value).toMatchObject({ status: 'approved', wrappedKey: phoneKey, generation: 1 })
  })

  it('vault: keeps accounts apart', async () => {
    const { store } = await fresh()
    const [a, b] = [await user(store), await user(store)]
    const foreign = await store.registerDevice(device(b))
    expect(await store.createVault(a, { deviceId: foreign.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 1 })).toEqual({ ok: false, error: 'no_device' })
    expect(await store.revokeDevice(a, foreign.id, 1)).toEqual({ ok: false, error: 'no_device' })
    expect((await store.getDevice(b, foreign.id))?.status).toBe('pending')
  })

  it('vault: revoking deletes the wrapped key, is final, and signs the device’s session out', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const expiresAt = Date.now() + HOUR
    const [session, otherSession] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')]
    await store.createRefreshToken({ hash: session, userId: a, familyId: 'device-session', expiresAt })
    await store.createRefreshToken({ hash: otherSession, userId: a, familyId: 'other-session', expiresAt })
    const laptop = await store.registerDevice(device(a))
    const phone = await store.registerDevice(device(a, { sessionHash: session }))
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 1 })
    await store.approveDevice(a, phone.id, { generation: 1, wrappedKey: blob(), now: 2 })

    const revoked = await store.revokeDevice(a, phone.id, 3)
    expect(revoked.ok && revoked.value).toMatchObject({ status: 'revoked', wrappedKey: null, generation: null, revokedAt: 3 })
    expect(await store.getDevice(a, phone.id)).toMatchObject({ status: 'revoked', wrappedKey: null })
    expect((await store.revokeDevice(a, phone.id, 4)).ok).toBe(true)
    expect(await store.approveDevice(a, phone.id, { generation: 1, wrappedKey: blob(), now: 5 })).toEqual({ ok: false, error: 'device_revoked' })
    const now = Date.now()
    expect((await store.rotateRefreshToken(session, { hash: randomBytes(32).toString('hex'), expiresAt }, now)).status).toBe('invalid')
    expect((await store.rotateRefreshToken(otherSession, { hash: randomBytes(32).toString('hex'), expiresAt }, now)).status).toBe('rotated')
    expect(await store.sessionLive(a, 'device-session', now)).toBe(false)
    expect(await store.sessionLive(a, 'other-session', now)).toBe(true)
  })

  it('vault: renames a device of the account, not another account’s nor a revoked one', async () => {
    const { store } = await fresh()
    const [a, b] = [await user(store), await user(store)]
    const laptop = await store.registerDevice(device(a))
    const gone = await store.registerDevice(device(a))
    await store.revokeDevice(a, gone.id, 1)
    const renamed = await store.renameDevice(a, laptop.id, 'Work laptop')
    expect(renamed.ok && renamed.value).toMatchObject({ id: laptop.id, name: 'Work laptop', status: 'pending' })
    expect((await store.getDevice(a, laptop.id))?.name).toBe('Work laptop')
    expect((await store.listDevices(a)).map((d) => d.name)).toContain('Work laptop')
    expect(await store.renameDevice(b, laptop.id, 'Stolen')).toEqual({ ok: false, error: 'no_device' })
    expect(await store.renameDevice(a, gone.id, 'Back')).toEqual({ ok: false, error: 'device_revoked' })
    expect((await store.getDevice(a, laptop.id))?.name).toBe('Work laptop')
  })

  it('vault: replaces the recovery key only at the current generation', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const laptop = await store.registerDevice(device(a))
    expect(await store.setRecoveryKey(a, { generation: 1, recoveryWrappedKey: blob() })).toEqual({ ok: false, error: 'no_vault' })
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 1 })
    const replacement = blob()
    expect(await store.setRecoveryKey(a, { generation: 2, recoveryWrappedKey: blob() })).toEqual({ ok: false, error: 'stale_generation' })
    expect(await store.setRecoveryKey(a, { generation: 1, recoveryWrappedKey: replacement })).toEqual({ ok: true, value: { generation: 1, recoveryWrappedKey: replacement, recoveryTag: null } })
    expect(await store.getVault(a)).toEqual({ generation: 1, recoveryWrappedKey: replacement, recoveryTag: null })
  })

  it('vault: rotates only when the new key is wrapped for exactly the approved devices', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const [laptop, phone, pending] = [await store.registerDevice(device(a)), await store.registerDevice(device(a)), await store.registerDevice(device(a))]
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 1 })
    await store.approveDevice(a, phone.id, { generation: 1, wrappedKey: blob(), now: 2 })
    await store.revokeDevice(a, phone.id, 3)

    const recovery = blob()
    const laptopKey = blob()
    expect(await store.rotateVault(a, { generation: 3, wrappedKeys: { [laptop.id]: laptopKey }, recoveryWrappedKey: recovery })).toEqual({ ok: false, error: 'stale_generation' })
    expect(await store.rotateVault(a, { generation: 2, wrappedKeys: { [laptop.id]: blob(), [phone.id]: blob() }, recoveryWrappedKey: recovery })).toEqual({ ok: false, error: 'devices_changed' })
    expect(await store.rotateVault(a, { generation: 2, wrappedKeys: {}, recoveryWrappedKey: recovery })).toEqual({ ok: false, error: 'devices_changed' })
    expect(await store.rotateVault(a, { generation: 2, wrappedKeys: { [laptop.id]: laptopKey }, recoveryWrappedKey: recovery })).toEqual({ ok: true, value: { generation: 2, recoveryWrappedKey: recovery, recoveryTag: null } })
    expect(await store.getDevice(a, laptop.id)).toMatchObject({ generation: 2, wrappedKey: laptopKey })
    expect(await store.getDevice(a, pending.id)).toMatchObject({ status: 'pending', wrappedKey: null })
    expect(await store.approveDevice(a, pending.id, { generation: 1, wrappedKey: blob(), now: 4 })).toEqual({ ok: false, error: 'stale_generation' })
  })

  it('vault chain: links are stored once per generation, and replaced recovery keys are kept, newest first', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const laptop = await store.registerDevice(device(a))
    expect(await store.getVaultChain(a)).toBeNull()
    const [link1, link2, tag1, tag2, tag3] = [blob(), blob(), blob(), blob(), blob()]
    const [recovery1, recovery2, recovery3] = [blob(), blob(), blob()]
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: recovery1, recoveryTag: tag1, link: link1, now: 1 })
    expect(await store.getVault(a)).toEqual({ generation: 1, recoveryWrappedKey: recovery1, recoveryTag: tag1 })
    expect(await store.setRecoveryKey(a, { generation: 1, recoveryWrappedKey: recovery2, recoveryTag: tag2 })).toEqual({
      ok: true,
      value: { generation: 1, recoveryWrappedKey: recovery2, recoveryTag: tag2 },
    })
    // A refused rotation stores nothing, not even its link.
    expect((await store.rotateVault(a, { generation: 2, wrappedKeys: {}, recoveryWrappedKey: blob(), recoveryTag: blob(), link: blob() })).ok).toBe(false)
    const rotated = await store.rotateVault(a, { generation: 2, wrappedKeys: { [laptop.id]: blob() }, recoveryWrappedKey: recovery3, recoveryTag: tag3, link: link2 })
    expect(rotated).toEqual({ ok: true, value: { generation: 2, recoveryWrappedKey: recovery3, recoveryTag: tag3 } })
    expect(await store.getVaultChain(a)).toEqual({
      generation: 2,
      links: [
        { generation: 1, link: link1 },
        { generation: 2, link: link2 },
      ],
      recoveries: [
        { generation: 2, recoveryWrappedKey: recovery3, recoveryTag: tag3 },
        { generation: 1, recoveryWrappedKey: recovery2, recoveryTag: tag2 },
        { generation: 1, recoveryWrappedKey: recovery1, recoveryTag: tag1 },
      ],
    })
  })

  it('vault chain: a vault written without links or tags (an older client) reads as such', async () => {
    const { store } = await fresh()
    const a = await user(store)
    const laptop = await store.registerDevice(device(a))
    const recovery = blob()
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: recovery, now: 1 })
    expect(await store.getVaultChain(a)).toEqual({ generation: 1, links: [], recoveries: [{ generation: 1, recoveryWrappedKey: recovery, recoveryTag: null }] })
  })

  it(`vault chain: keeps at most ${MAX_RECOVERY_HISTORY} replaced recovery keys, dropping the oldest`, async () => {
    const { store } = await fresh()
    const a = await user(store)
    const laptop = await store.registerDevice(device(a))
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: 'first-recovery-key', now: 1 })
    const replacements = Array.from({ length: MAX_RECOVERY_HISTORY + 1 }, () => blob())
    for (const recoveryWrappedKey of replacements) await store.setRecoveryKey(a, { generation: 1, recoveryWrappedKey, recoveryTag: blob() })
    const chain = await store.getVaultChain(a)
    expect(chain?.recoveries).toHaveLength(MAX_RECOVERY_HISTORY + 1)
    expect(chain?.recoveries.map((entry) => entry.recoveryWrappedKey)).toEqual([...replacements].reverse())
  })

  it('vault: keeps devices and the vault across a reopen (persistent backends)', async (context) => {
    const { store, reopen } = await fresh()
    if (!reopen) return context.skip()
    const a = await user(store)
    const laptop = await store.registerDevice(device(a))
    const [wrapped, recovery] = [blob(), blob()]
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: wrapped, recoveryWrappedKey: recovery, now: 1 })
    const again = await reopen()
    expect(await again.getVault(a)).toEqual({ generation: 1, recoveryWrappedKey: recovery, recoveryTag: null })
    expect(await again.getDevice(a, laptop.id)).toMatchObject({ status: 'approved', wrappedKey: wrapped })
  })

  it('vault: installs a backup’s vault (chain, history, devices) only into an account without one', async () => {
    const { store } = await fresh()
    const [a, b] = [await user(store), await user(store)]
    const taken = await store.registerDevice(device(b))
    const [link1, link2, wrapped] = [blob(), blob(), blob()]
    const recoveries = [
      { generation: 2, recoveryWrappedKey: blob(), recoveryTag: blob() },
      { generation: 1, recoveryWrappedKey: blob(), recoveryTag: null },
    ]
    const laptop = { id: randomId<DeviceId>(), name: 'Laptop', publicKey: blob(), status: 'approved' as const, wrappedKey: wrapped, generation: 2, createdAt: 1, approvedAt: 2, revokedAt: null }
    const clash = { ...laptop, id: taken.id, name: 'Not theirs' }
    const restored = { recoveries, links: [{ generation: 1, link: link1 }, { generation: 2, link: link2 }], devices: [laptop, clash] }
    expect(await store.restoreVault(a, restored)).toEqual({ ok: true, value: recoveries[0] })
    expect(await store.getVaultChain(a)).toEqual({ generation: 2, links: restored.links, recoveries })
    expect(await store.listDevices(a)).toEqual([{ ...laptop, userId: a }])
    // A device id someone holds already stays theirs.
    expect(await store.getDevice(b, taken.id)).toEqual(taken)
    // The restored vault works like any other: the next rotation must wrap for the restored device.
    expect((await store.rotateVault(a, { generation: 3, wrappedKeys: {}, recoveryWrappedKey: blob() })).ok).toBe(false)
    expect((await store.rotateVault(a, { generation: 3, wrappedKeys: { [laptop.id]: blob() }, recoveryWrappedKey: blob() })).ok).toBe(true)
    // Never over an existing vault.
    expect(await store.restoreVault(a, restored)).toEqual({ ok: false, error: 'vault_exists' })
    expect((await store.getVault(a))?.generation).toBe(3)
  })

  it('vault: deletes an account’s vault, chain and devices, and nobody else’s', async () => {
    const { store } = await fresh()
    const [a, b] = [await user(store), await user(store)]
    const laptop = await store.registerDevice(device(a))
    await store.registerDevice(device(a, { name: 'Phone' }))
    await store.createVault(a, { deviceId: laptop.id, wrappedKey: blob(), recoveryWrappedKey: blob(), recoveryTag: blob(), link: blob(), now: 1 })
    await store.setRecoveryKey(a, { generation: 1, recoveryWrappedKey: blob() })
    const theirs = await store.registerDevice(device(b))
    await store.createVault(b, { deviceId: theirs.id, wrappedKey: blob(), recoveryWrappedKey: blob(), now: 1 })

    expect(await store.deleteVault(a)).toBe(2)
    expect(await store.getVault(a)).toBeNull()
    expect(await store.getVaultChain(a)).toBeNull()
    expect(await store.listDevices(a)).toEqual([])
    expect(await store.getDevice(a, laptop.id)).toBeNull()
    expect(await store.deleteVault(a)).toBe(0)
    expect((await store.getVault(b))?.generation).toBe(1)
    expect(await store.listDevices(b)).toHaveLength(1)
  })
}
