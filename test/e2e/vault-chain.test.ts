/**
 * The vault key chain against a real relay (issue 12, item 1): someone holding only an access
 * token — a thief, or the relay itself — can write anything through `/v1/vault/…`, but no
 * device takes a key generation or recovery wrap that a holder of the vault key did not make.
 * Legitimate rotations are still taken, by devices that slept through several of them and by
 * devices approved later.
 *
 * The thief speaks the relay's API directly with `@ferry/crypto`: it generates its own key,
 * wraps it for every approved device (their public keys are listed), wraps it under its own
 * recovery key, and forges a link as well as it can (the right key id for its own key, a tag
 * and "previous key" it has to invent).
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { exportAesKey, generateAesKey, generateRecoveryKey, hkdf, toBase64Url, utf8Encode } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { RelayApi } from '../../packages/client/src/relay-api.ts'
import { openValue } from '../../packages/client/src/vault-values.ts'
import { wrapForDevice, wrapWithRecoveryKey } from '../../packages/client/src/vault-keys.ts'
import type { VaultDevice } from '../helpers/vault-devices.ts'
import { newUser, VaultSuite } from '../helpers/vault-suite.ts'
import { sessionToken } from '../helpers/sessions.ts'

const suite = new VaultSuite()


const device = (owner: UserId, name: string): Promise<VaultDevice> => suite.device(owner, name)

/** Approves `pending` from `approver` and lets it fetch its key. */
async function approve(approver: VaultDevice, pending: VaultDevice): Promise<void> {
  await pending.vault.refresh()
  await approver.vault.approve(pending.vault.deviceId!)
  await pending.vault.refresh()
}

/** A (vault creator, one secret global) and B, approved by A; both synced. */
async function account(secret = 'sk_live_mine') {
  const owner = newUser()
  const a = await device(owner, 'Laptop')
  await a.vault.refresh()
  const recoveryKey = await a.vault.create()
  await a.connect()
  const id = await a.envs.addVariable(null, { key: 'token', value: secret, secret: true })
  const b = await device(owner, 'Phone')
  await approve(a, b)
  await b.connect()
  await vi.waitFor(async () => expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: secret }), { timeout: 10_000 })
  return { owner, a, b, id, recoveryKey }
}

/** Someone with nothing but an access token for `owner`. */
function thief(owner: UserId) {
  const token = sessionToken(suite.relay, owner)
  const api = new RelayApi({ baseUrl: suite.relay.url })
  const call = async (method: string, path: string, body?: Record<string, unknown>) => api.call(method, path, await token, body) as Promise<Record<string, unknown>>
  /** The thief's best imitation of a link: the true key id of its own key, everything else invented. */
  const forgedLink = async (generation: number, key: CryptoKey, recipients: string[]) => {
    const keyId = toBase64Url(await hkdf(await exportAesKey(key), { salt: new Uint8Array(0), info: 'ferry/vault/key-id/v1' }, 16))
    const forged = { generation, parent: generation - 1, keyId, recipients: recipients.sort(), previousKey: toBase64Url(randomBytes(62)), tag: toBase64Url(randomBytes(32)) }
    return toBase64Url(utf8Encode(JSON.stringify(forged)))
  }
  /** Sends a body with the chain's fields, or without them to a relay that does not know them. */
  const send = async (method: string, path: string, body: Record<string, unknown>, chainFields: Record<string, unknown>) => {
    try {
      return await call(method, path, { ...body, ...chainFields })
    } catch (error) {
      if ((error as { relayCode?: string }).relayCode !== 'invalid_request') throw error
      return call(method, path, body)
    }
  }
  return {
    key: generateAesKey({ extractable: true }),
    recoveryKey: generateRecoveryKey(),
    /** Rotates the vault to a key the thief knows, wrapped for every approved device. */
    async rotate(): Promise<CryptoKey> {
      const key = await this.key
      const { generation } = (await call('GET', '/v1/vault')) as { generation: number }
      const { devices } = (await call('GET', '/v1/vault/devices')) as { devices: { id: string; publicKey: string; status: string }[] }
      const approved = devices.filter((d) => d.status === 'approved')
      const next = generation + 1
      const wrappedKeys = await Promise.all(approved.map(async (d) => ({ deviceId: d.id, wrappedKey: await wrapForDevice(key, d.publicKey, owner, d.id, next) })))
      const recoveryWrappedKey = await wrapWithRecoveryKey(key, this.recoveryKey, owner, next)
      const link = await forgedLink(next, key, approved.map((d) => d.id))
      expect(await send('POST', '/v1/vault/rotate', { generation: next, wrappedKeys, recoveryWrappedKey }, { recoveryTag: toBase64Url(randomBytes(32)), link })).toEqual({ generation: next })
      return key
    },
    /** Replaces the recovery wrap with the thief's key under the thief's recovery key. */
    async swapRecovery(): Promise<void> {
      const { generation } = (await call('GET', '/v1/vault')) as { generation: number }
      const recoveryWrappedKey = await wrapWithRecoveryKey(await this.key, this.recoveryKey, owner, generation)
      await send('PUT', '/v1/vault/recovery', { generation, recoveryWrappedKey }, { recoveryTag: toBase64Url(randomBytes(32)) })
    },
    /** Approves a pending device with the thief's key. */
    async approve(deviceId: string, publicKey: string): Promise<void> {
      const { generation } = (await call('GET', '/v1/vault')) as { generation: number }
      await call('POST', `/v1/vault/devices/${deviceId}/approve`, { generation, wrappedKey: await wrapForDevice(await this.key, publicKey, owner, deviceId, generation) })
    },
  }
}

/** Every stored value of the device's globals, with the generation prefix it was sealed under. */
const storedValues = (d: VaultDevice) => d.envs.environments.globals.list().map((v) => ({ id: v.id, value: v.value }))

describe('vault key chain', () => {
  it('a thief with an access token rotates to its own key: every device refuses it, keeps its key, re-encrypts nothing; a trusted device rotates past it', async () => {
    const { owner, a, b, id } = await account()
    const stranger = thief(owner)
    const thiefKey = await stranger.rotate()

    for (const d of [a, b]) {
      const state = await d.vault.refresh()
      expect(state).toEqual({ kind: 'unlocked', generation: 1, untrusted: { generation: 2, problem: 'bad_tag' } })
      expect(d.vault.keyFor(2)).toBeUndefined()
    }
    // Still working with generation 1, in both directions; nothing is sealed under the thief's key.
    await a.envs.writeVariable(null, id, 'sk_live_after')
    const added = await b.envs.addVariable(null, { key: 'second', value: 'also mine', secret: true })
    await vi.waitFor(async () => expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_after' }), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await a.envs.readVariable(null, added)).toEqual({ state: 'value', value: 'also mine' }), { timeout: 10_000 })
    for (const { id: variableId, value } of storedValues(a)) {
      expect(value).toMatch(/^g1\./)
      await expect(openValue(thiefKey, { docName: a.docName, environmentId: null, variableId }, value)).rejects.toMatchObject({ problem: 'tampered' })
    }
    // A reload keeps refusing it; approving a new device with either key is refused too.
    expect(await (await a.reload()).refresh()).toMatchObject({ kind: 'unlocked', generation: 1, untrusted: { generation: 2 } })
    const c = await device(owner, 'Tablet')
    await c.vault.refresh()
    await expect(a.vault.approve(c.vault.deviceId!)).rejects.toMatchObject({ code: 'untrusted_key', generation: 2 })

    // Rotating from a trusted device moves the vault past the thief's generation, for every device.
    const newRecoveryKey = await a.vault.rotate([a.envs])
    expect(a.vault.state).toEqual({ kind: 'unlocked', generation: 3 })
    expect(await b.vault.refresh()).toEqual({ kind: 'unlocked', generation: 3 })
    await vi.waitFor(async () => expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_after' }), { timeout: 10_000 })
    expect(a.envs.environments.globals.get(id)?.value).toMatch(/^g3\./)
    const later = await device(owner, 'Later')
    await later.vault.unlockWithRecoveryKey(newRecoveryKey)
    expect(later.vault.state).toEqual({ kind: 'unlocked', generation: 3 })
  })

  it('after a thief’s rotation (which replaced the relay’s recovery wrap) the user’s recovery key still opens the vault', async () => {
    const { owner, id, recoveryKey } = await account()
    await thief(owner).rotate()
    const spare = await device(owner, 'Spare')
    await spare.vault.unlockWithRecoveryKey(recoveryKey)
    expect(spare.vault.state).toEqual({ kind: 'unlocked', generation: 1, untrusted: { generation: 2, problem: 'unverifiable' } })
    expect(await spare.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1, untrusted: { generation: 2, problem: 'unverifiable' } })
    await spare.connect()
    await vi.waitFor(async () => expect(await spare.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_mine' }), { timeout: 10_000 })
  })

  it('a thief swaps the recovery wrap: devices flag it, and the user’s recovery key still opens the vault and detects the swap', async () => {
    const { owner, a, id, recoveryKey } = await account()
    const stranger = thief(owner)
    await stranger.swapRecovery()

    expect(await a.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1, recoveryTampered: true })
    const spare = await device(owner, 'Spare')
    await spare.vault.unlockWithRecoveryKey(recoveryKey)
    expect(spare.vault.state).toEqual({ kind: 'unlocked', generation: 1, recoveryTampered: true })
    expect(spare.vault.keyFor(1)).toBeDefined()
    await spare.connect()
    await vi.waitFor(async () => expect(await spare.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_live_mine' }), { timeout: 10_000 })

    // A new recovery key from a device clears it; the user's old one is then replaced for good.
    const replacement = await a.vault.replaceRecoveryKey()
    expect(await a.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1 })
    const other = await device(owner, 'Other')
    await expect(other.vault.unlockWithRecoveryKey(recoveryKey)).rejects.toMatchObject({ code: 'wrong_recovery_key' })
    await other.vault.unlockWithRecoveryKey(replacement)
    expect(other.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
  })

  it('a thief approves a pending device with its own key: the device refuses it and stays locked', async () => {
    const { owner, a } = await account()
    await a.vault.rotate([a.envs]) // generation 2 has a link the thief cannot match
    const stranger = thief(owner)
    const c = await device(owner, 'Tablet')
    await c.vault.refresh()
    const listed = (await a.vault.devices()).find((d) => d.id === c.vault.deviceId)!
    await stranger.approve(listed.id, listed.publicKey)
    expect(await c.vault.refresh()).toEqual({ kind: 'locked', reason: 'pending', untrusted: { generation: 2, problem: 'key_mismatch' } })
    expect(c.vault.current()).toBeNull()
    // Approved properly afterwards, it unlocks.
    await a.vault.approve(c.vault.deviceId!)
    expect(await c.vault.refresh()).toEqual({ kind: 'unlocked', generation: 2 })
  })

  it('legitimate rotations are taken: by a device that slept through two of them, and by devices approved later', async () => {
    const { owner, a, b, id } = await account('sk_rotated')
    const sleeper = await device(owner, 'Sleeper')
    await approve(a, sleeper)

    await a.vault.rotate([a.envs])
    expect(await b.vault.refresh()).toEqual({ kind: 'unlocked', generation: 2 })
    await b.vault.rotate([b.envs])
    expect(await a.vault.refresh()).toEqual({ kind: 'unlocked', generation: 3 })

    // Walks 3 → 2 → 1 (the generation it holds), keeping every key on the way.
    expect(await sleeper.vault.refresh()).toEqual({ kind: 'unlocked', generation: 3 })
    expect(sleeper.vault.keyFor(2)).toBeDefined()
    await sleeper.connect()
    await vi.waitFor(async () => expect(await sleeper.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_rotated' }), { timeout: 10_000 })

    // Approved at generation 3: checks that key against the chain down to the vault's first link, then each later link.
    const late = await device(owner, 'Late')
    await approve(b, late)
    expect(late.vault.state).toEqual({ kind: 'unlocked', generation: 3 })
    expect(await late.vault.keyFingerprint()).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/)
    expect(await late.vault.keyFingerprint()).toBe(await b.vault.keyFingerprint())
    await a.vault.rotate([a.envs])
    for (const d of [b, sleeper, late]) expect(await d.vault.refresh()).toEqual({ kind: 'unlocked', generation: 4 })
    await late.connect()
    await vi.waitFor(async () => expect(await late.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'sk_rotated' }), { timeout: 10_000 })
  })

  it('a vault written before the chain (no links, no tags) still opens, and its first rotation with a link is taken', async () => {
    const owner = newUser()
    const a = await device(owner, 'Laptop')
    await a.vault.refresh()
    // What the previous version wrote: the same wraps, without a link or recovery tag.
    const key = await generateAesKey({ extractable: true })
    const recoveryKey = generateRecoveryKey()
    const [listed] = (await a.vault.devices()) as { id: string; publicKey: string }[]
    await new RelayApi({ baseUrl: suite.relay.url }).call('POST', '/v1/vault', await sessionToken(suite.relay, owner), {
      deviceId: listed!.id,
      wrappedKey: await wrapForDevice(key, listed!.publicKey, owner, listed!.id, 1),
      recoveryWrappedKey: await wrapWithRecoveryKey(key, recoveryKey, owner, 1),
    })
    expect(await a.vault.refresh()).toEqual({ kind: 'unlocked', generation: 1 })
    const b = await device(owner, 'Phone')
    await approve(a, b)
    expect(b.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
    const spare = await device(owner, 'Spare')
    await spare.vault.unlockWithRecoveryKey(recoveryKey)
    expect(spare.vault.state).toEqual({ kind: 'unlocked', generation: 1 })

    await a.vault.rotate([a.envs])
    for (const d of [b, spare]) expect(await d.vault.refresh()).toEqual({ kind: 'unlocked', generation: 2 })
  })
})
