/**
 * The vault's device flows against a real relay, each device a separate fake browser: first
 * device + recovery key, approval from a signed-in device, recovery-key unlock, wrong or
 * mistyped recovery keys, revocation, rotation, and working offline from stored keys.
 */
import { describe, expect, it, vi } from 'vitest'
import { InvalidRecoveryKeyError, RECOVERY_KEY_SYMBOLS } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { VaultError, VaultLocked, WrongRecoveryKey } from '../../packages/client/src/vault-errors.ts'
import { deviceFingerprint } from '../../packages/client/src/vault-keys.ts'
import { startRelay } from '../helpers/relay.ts'
import type { VaultDevice } from '../helpers/vault-devices.ts'
import { newUser, VaultSuite } from '../helpers/vault-suite.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = new VaultSuite()


const device = (owner: UserId, name: string): Promise<VaultDevice> => suite.device(owner, name)

/** Device A creates the vault and one secret global; answers the devices, the recovery key and the variable id. */
async function accountWithSecret(secret = 'sk_live_first') {
  const owner = newUser()
  const a = await device(owner, 'Laptop')
  expect(await a.vault.refresh()).toEqual({ kind: 'no-vault' })
  const recoveryKey = await a.vault.create()
  await a.connect()
  const id = await a.envs.addVariable(null, { key: 'token', value: secret, secret: true })
  return { owner, a, recoveryKey, id }
}

describe('vault flows', () => {
  it('first device: creates the vault, shows a recovery key once, reads its own secret', async () => {
    const { a, recoveryKey, id } = await accountWithSecret()
    expect(recoveryKey.replaceAll('-', '')).toHaveLength(RECOVERY_KEY_SYMBOLS)
    expect(a.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
    expect(await a.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_first' })
    expect(a.envs.environments.globals.get(id)?.value).toMatch(/^g1\./)
    await expect(a.vault.create()).rejects.toMatchObject({ code: 'vault_exists' })
  })

  it('approval: a new device is locked until a signed-in device approves it, then reads values in clear', async () => {
    const { owner, a, id } = await accountWithSecret()
    const b = await device(owner, 'Phone')
    expect(await b.vault.refresh()).toEqual({ kind: 'locked', reason: 'pending' })
    await b.connect()
    await vi.waitFor(() => expect(b.envs.environments.globals.get(id)).toBeDefined(), { timeout: 10_000 })
    expect(await b.envs.readVariable(null, id)).toEqual({ state: 'locked' })
    await expect(b.envs.writeVariable(null, id, 'blind overwrite')).rejects.toBeInstanceOf(VaultLocked)
    await expect(b.envs.addVariable(null, { key: 'x', value: 'y' })).rejects.toBeInstanceOf(VaultLocked)

    const listed = await a.vault.devices()
    const pending = listed.find((d) => d.status === 'pending')!
    expect(pending.name).toBe('Phone')
    expect(await deviceFingerprint(pending.publicKey)).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/)
    expect(await deviceFingerprint(pending.publicKey)).toBe(await b.vault.fingerprint())
    expect(await a.vault.fingerprint()).not.toBe(await b.vault.fingerprint())
    await a.vault.approve(pending.id)
    expect(await b.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1 })
    expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_first' })

    // B edits; A sees the new value in clear.
    await b.envs.writeVariable(null, id, 'sk_live_second')
    await vi.waitFor(async () => expect(await a.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_second' }), { timeout: 10_000 })
  })

  it('recovery: a fresh device unlocks with the recovery key, and stays unlocked after a reload, offline', async () => {
    const { owner, recoveryKey, id } = await accountWithSecret('hunter2')
    const c = await device(owner, 'New laptop')
    await c.connect()
    await vi.waitFor(() => expect(c.envs.environments.globals.get(id)).toBeDefined(), { timeout: 10_000 })
    await c.vault.unlockWithRecoveryKey(recoveryKey.toLowerCase().replaceAll('-', ' '))
    expect(c.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
    expect(await c.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'hunter2' })
    expect((await c.vault.devices()).find((d) => d.current)?.status).toBe('approved')

    await suite.relay.close(true)
    const reopened = await c.reload()
    expect(reopened.state).toEqual({ kind: 'unlocked', generation: 1 })
    expect(await c.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'hunter2' })
    suite.relay = await startRelay()
  })

  it('recovery: a mistyped key and another account’s key fail with typed errors and leave the device locked', async () => {
    const { owner, recoveryKey } = await accountWithSecret()
    const { recoveryKey: otherAccountsKey } = await accountWithSecret()
    const d = await device(owner, 'Tablet')
    const typo = recoveryKey.slice(0, 5) + (recoveryKey[5] === '7' ? '8' : '7') + recoveryKey.slice(6)
    await expect(d.vault.unlockWithRecoveryKey(typo)).rejects.toMatchObject({ name: 'InvalidRecoveryKeyError', reason: 'checksum' })
    await expect(d.vault.unlockWithRecoveryKey(typo)).rejects.toBeInstanceOf(InvalidRecoveryKeyError)
    await expect(d.vault.unlockWithRecoveryKey(otherAccountsKey)).rejects.toBeInstanceOf(WrongRecoveryKey)
    expect(await d.vault.refresh()).toEqual({ kind: 'locked', reason: 'pending' })
    await d.vault.unlockWithRecoveryKey(recoveryKey)
    expect(d.vault.state.kind).toBe('unlocked')
  })

  it('revocation: a revoked device can no longer fetch its wrapped key and forgets the keys it held', async () => {
    const { owner, a } = await accountWithSecret()
    const b = await device(owner, 'Phone')
    await b.vault.refresh()
    await a.vault.approve(b.vault.deviceId!)
    await b.vault.refresh()
    const revokedId = b.vault.deviceId!
    expect(await a.vault.wouldLeaveNoDevice(revokedId)).toBe(false)
    expect(await a.vault.wouldLeaveNoDevice(a.vault.deviceId!)).toBe(false)
    await a.vault.revoke(revokedId)
    expect(await a.vault.wouldLeaveNoDevice(a.vault.deviceId!)).toBe(true)

    const api = await fetch(`${suite.relay.url}/v1/vault/devices/${revokedId}/key`, { headers: { authorization: `Bearer ${await sessionToken(suite.relay, owner)}` } })
    expect(api.status).toBe(403)
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('device_revoked')
    expect(await b.vault.refresh()).toEqual({ kind: 'locked', reason: 'revoked' })
    expect((await b.reload()).state).toEqual({ kind: 'locked', reason: 'unchecked' })
    expect(b.vault.deviceId).toBeNull()
  })

  it('rotation: re-encrypts every value under a new key for the remaining devices; the revoked device’s old key opens none of them', async () => {
    const { owner, a, id } = await accountWithSecret('rotate me')
    const envId = a.envs.environments.add('Staging')
    const staged = await a.envs.addVariable(envId, { key: 'host', value: 'staging.internal' })
    // An environment in the trash is re-encrypted too: restoring it must not bring back a value only the old key opens.
    const trashedId = a.envs.environments.add('Old staging')
    const trashedVariable = await a.envs.addVariable(trashedId, { key: 'host', value: 'old.internal' })
    a.envs.environments.trash(trashedId, Date.now())
    const [b, gone] = [await device(owner, 'Phone'), await device(owner, 'Old phone')]
    for (const d of [b, gone]) {
      await d.vault.refresh()
      await a.vault.approve(d.vault.deviceId!)
      await d.vault.refresh()
    }
    const oldKey = gone.vault.keyFor(1)!
    await a.vault.revoke(gone.vault.deviceId!)

    const newRecoveryKey = await a.vault.rotate([a.envs])
    expect(a.vault.state).toEqual({ kind: 'unlocked', generation: 2 })
    expect(a.envs.environments.globals.get(id)?.value).toMatch(/^g2\./)
    expect(a.envs.environments.variables(envId)?.get(staged)?.value).toMatch(/^g2\./)
    expect(await a.envs.readVariable(envId, staged)).toEqual({ state: 'value', value: 'staging.internal' })
    expect(a.envs.environments.variables(trashedId)?.get(trashedVariable)?.value).toMatch(/^g2\./)

    // B learns about the new key on its own when it meets a newer value.
    await b.connect()
    await vi.waitFor(async () => expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'rotate me' }), { timeout: 10_000 })
    expect(b.vault.state).toEqual({ kind: 'unlocked', generation: 2 })

    // The revoked device kept generation 1, which opens nothing any more.
    const { openValue } = await import('../../packages/client/src/vault-values.ts')
    await expect(openValue(oldKey, { docName: a.docName, environmentId: null, variableId: id }, a.envs.environments.globals.get(id)!.value)).rejects.toMatchObject({ problem: 'tampered' })

    // The old recovery key is replaced by the one rotation answered.
    const fresh = await device(owner, 'Spare')
    await fresh.vault.unlockWithRecoveryKey(newRecoveryKey)
    expect(fresh.vault.state).toEqual({ kind: 'unlocked', generation: 2 })
  })

  it('rotation racing other devices: one of two rotations wins, and an approval with the old key is redone with the new one', async () => {
    const { owner, a, id } = await accountWithSecret('raced')
    const b = await device(owner, 'Phone')
    await b.vault.refresh()
    await a.vault.approve(b.vault.deviceId!)
    await b.vault.refresh()
    await b.connect()
    await vi.waitFor(() => expect(b.envs.environments.globals.get(id)).toBeDefined(), { timeout: 10_000 })

    const outcomes = await Promise.allSettled([a.vault.rotate([a.envs]), b.vault.rotate([b.envs])])
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(outcomes.find((o) => o.status === 'rejected')?.reason).toMatchObject({ code: 'vault_conflict' })
    const [winner, loser] = outcomes[0].status === 'fulfilled' ? [a, b] : [b, a]

    // The loser still holds generation 1 in memory; approving a new device with it is redone under generation 2.
    expect(loser.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
    const c = await device(owner, 'Tablet')
    await c.vault.refresh()
    await loser.vault.approve(c.vault.deviceId!)
    expect(await c.vault.refresh()).toEqual({ kind: 'unlocked', generation: 2 })
    await c.connect()
    await vi.waitFor(async () => expect(await c.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'raced' }), { timeout: 10_000 })
    expect(winner.vault.state).toEqual({ kind: 'unlocked', generation: 2 })
  })

  it('rotation refuses to run on a locked device', async () => {
    const { owner } = await accountWithSecret()
    const b = await device(owner, 'Phone')
    await b.vault.refresh()
    await expect(b.vault.rotate([b.envs])).rejects.toBeInstanceOf(VaultLocked)
    await expect(b.vault.replaceRecoveryKey()).rejects.toBeInstanceOf(VaultError)
  })
})
