/**
 * The vault key chain after a legitimate rotation: someone who once held an OLD vault key (a
 * leaked recovery key the user since replaced, or a revoked device — "revoke and rotate" was
 * done) plus an access token (or the relay itself) makes a new generation whose link names the
 * old generation as its parent. Devices keep every key they proved, and the tag verifies under
 * the old key — but only a device's newest key may vouch for what follows it, so they refuse.
 */
import { describe, expect, it } from 'vitest'
import { generateAesKey, generateRecoveryKey } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { RelayApi } from '../../packages/client/src/relay-api.ts'
import { makeLink, recoveryTag } from '../../packages/client/src/vault-chain.ts'
import { unwrapWithRecoveryKey, wrapForDevice, wrapWithRecoveryKey } from '../../packages/client/src/vault-keys.ts'
import type { VaultDevice } from '../helpers/vault-devices.ts'
import { newUser, VaultSuite } from '../helpers/vault-suite.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = new VaultSuite()

async function approve(approver: VaultDevice, pending: VaultDevice): Promise<void> {
  await pending.vault.refresh()
  await approver.vault.approve(pending.vault.deviceId!)
  await pending.vault.refresh()
}

describe('vault key chain: a stale key vouching for a new generation', () => {
  it('after a legitimate rotation, a holder of the generation-1 key cannot make devices adopt its own generation by naming parent 1', async () => {
    const owner: UserId = newUser()
    const a = await suite.device(owner, 'Laptop')
    await a.vault.refresh()
    const oldRecoveryKey = await a.vault.create()
    const b = await suite.device(owner, 'Phone')
    await approve(a, b)

    const token = await sessionToken(suite.relay, owner)
    const api = new RelayApi({ baseUrl: suite.relay.url })
    const call = (method: string, path: string, body?: Record<string, unknown>) => api.call(method, path, token, body) as Promise<any>

    // The attacker learnt generation 1's key (here: through the old recovery key, which leaked).
    const recovery1 = await call('GET', '/v1/vault/recovery')
    const oldKey = await unwrapWithRecoveryKey(recovery1.recoveryWrappedKey, oldRecoveryKey, owner, 1)

    // The user does the right thing: rotates (which also replaces the recovery key).
    await a.vault.rotate([])
    expect(await b.vault.refresh()).toEqual({ kind: 'unlocked', generation: 2 })

    // The attacker rotates to its own key, vouched for by generation 1 (parent = 1).
    const attackerKey = await generateAesKey({ extractable: true })
    const { devices } = await call('GET', '/v1/vault/devices')
    const approved = devices.filter((d: { status: string }) => d.status === 'approved')
    const next = 3
    const wrappedKeys = await Promise.all(approved.map(async (d: { id: string; publicKey: string }) => ({ deviceId: d.id, wrappedKey: await wrapForDevice(attackerKey, d.publicKey, owner, d.id, next) })))
    const recoveryWrappedKey = await wrapWithRecoveryKey(attackerKey, generateRecoveryKey(), owner, next)
    const link = await makeLink({ owner, generation: next, key: attackerKey, recipients: approved.map((d: { id: string }) => d.id), parent: { generation: 1, key: oldKey } })
    const tag = await recoveryTag(owner, next, recoveryWrappedKey, attackerKey)
    expect(await call('POST', '/v1/vault/rotate', { generation: next, wrappedKeys, recoveryWrappedKey, recoveryTag: tag, link })).toEqual({ generation: next })

    // Devices must refuse it and stay at generation 2.
    for (const d of [a, b]) {
      const state = await d.vault.refresh()
      expect(state).toMatchObject({ kind: 'unlocked', generation: 2, untrusted: { generation: 3 } })
    }
  })
})
