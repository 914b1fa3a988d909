/**
 * Vault values that must not open: tampered ciphertext, values swapped between variables or
 * environments, a value from another account, junk. Each reads as a typed `invalid` (never
 * garbage, never a crash), the rest of the doc stays readable, and the variable can be
 * overwritten. Also `{{variable}}` resolution, environment over globals.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { VaultValueError } from '../../packages/client/src/vault-errors.ts'
import type { VaultDevice } from '../helpers/vault-devices.ts'
import { newUser, VaultSuite } from '../helpers/vault-suite.ts'

const suite = new VaultSuite()

async function unlockedDevice(owner = newUser(), name = 'Laptop'): Promise<VaultDevice> {
  const device = await suite.device(owner, name)
  await device.vault.refresh()
  await device.vault.create()
  return device
}

async function expectInvalid(device: VaultDevice, environmentId: string | null, id: string, problem: 'tampered' | 'malformed') {
  const read = await device.envs.readVariable(environmentId, id)
  expect(read.state).toBe('invalid')
  if (read.state !== 'invalid') return
  expect(read.error).toBeInstanceOf(VaultValueError)
  expect(read.error.problem).toBe(problem)
}

describe('vault values that must not open', () => {
  it('tampered ciphertext, synced from another device: typed error there, the rest readable, and it can be overwritten', async () => {
    const a = await unlockedDevice()
    const b = await suite.device(a.owner, 'Phone')
    await b.vault.refresh()
    await a.vault.approve(b.vault.deviceId!)
    await b.vault.refresh()
    await Promise.all([a.connect(), b.connect()])

    const victim = await a.envs.addVariable(null, { key: 'victim', value: 'original secret' })
    const bystander = await a.envs.addVariable(null, { key: 'bystander', value: 'still fine' })
    const stored = a.envs.environments.globals.get(victim)!.value
    const flipped = stored.slice(0, -5) + (stored.at(-5) === 'A' ? 'B' : 'A') + stored.slice(-4)
    a.envs.environments.globals.update(victim, { value: flipped })

    await vi.waitFor(() => expect(b.envs.environments.globals.get(victim)?.value).toBe(flipped), { timeout: 10_000 })
    await expectInvalid(b, null, victim, 'tampered')
    expect(await b.envs.readVariable(null, bystander)).toEqual({ state: 'value', value: 'still fine' })
    const resolved = await b.envs.resolve('{{victim}}:{{bystander}}', null)
    expect(resolved).toEqual({ text: '{{victim}}:still fine', missing: [], unreadable: ['victim'] })

    await b.envs.writeVariable(null, victim, 'replaced')
    await vi.waitFor(async () => expect(await a.envs.readVariable(null, victim)).toEqual({ state: 'value', value: 'replaced' }), { timeout: 10_000 })
  })

  it('a value swapped between variables, or moved between the globals and an environment, fails to open', async () => {
    const a = await unlockedDevice()
    const [one, two] = [await a.envs.addVariable(null, { key: 'one', value: '1111' }), await a.envs.addVariable(null, { key: 'two', value: '2222' })]
    const staging = a.envs.environments.add('Staging')
    const inEnv = await a.envs.addVariable(staging, { key: 'one', value: '3333' })
    const globals = a.envs.environments.globals
    const [valueOne, valueTwo] = [globals.get(one)!.value, globals.get(two)!.value]
    globals.update(one, { value: valueTwo })
    globals.update(two, { value: valueOne })
    a.envs.environments.variables(staging)!.update(inEnv, { value: valueOne })
    await expectInvalid(a, null, one, 'tampered')
    await expectInvalid(a, null, two, 'tampered')
    await expectInvalid(a, staging, inEnv, 'tampered')
  })

  it('a value from another account fails to open, even under the same variable id', async () => {
    const a = await unlockedDevice()
    const stranger = await unlockedDevice()
    const id = await a.envs.addVariable(null, { key: 'token', value: 'mine' })
    const theirs = await stranger.envs.addVariable(null, { key: 'token', value: 'theirs' })
    a.envs.environments.globals.update(id, { value: stranger.envs.environments.globals.get(theirs)!.value })
    await expectInvalid(a, null, id, 'tampered')
  })

  it('junk, truncated ciphertext and an impossible generation read as invalid or locked, never as garbage', async () => {
    const a = await unlockedDevice()
    const globals = a.envs.environments.globals
    const junk = globals.add({ key: 'junk', value: 'plain text that is not ciphertext' })
    const truncated = globals.add({ key: 'truncated', value: 'g1.AQE' })
    const future = await a.envs.addVariable(null, { key: 'future', value: 'x' })
    globals.update(future, { value: globals.get(future)!.value.replace(/^g1\./, 'g7.') })
    const empty = globals.add({ key: 'empty' })
    await expectInvalid(a, null, junk, 'malformed')
    await expectInvalid(a, null, truncated, 'tampered')
    expect(await a.envs.readVariable(null, future)).toEqual({ state: 'locked' })
    expect(await a.envs.readVariable(null, empty)).toEqual({ state: 'value', value: '' })
    expect(a.vault.state).toEqual({ kind: 'unlocked', generation: 1 })
  })
})

describe('{{variable}} resolution', () => {
  it('takes the active environment over the globals, skips disabled variables and reports missing names', async () => {
    const a = await unlockedDevice()
    await a.envs.addVariable(null, { key: 'host', value: 'global.example' })
    await a.envs.addVariable(null, { key: 'token', value: 'global-token' })
    await a.envs.addVariable(null, { key: 'off', value: 'never', enabled: false })
    const prod = a.envs.environments.add('Production')
    await a.envs.addVariable(prod, { key: 'host', value: 'prod.example' })
    await a.envs.addVariable(prod, { key: 'token', value: 'disabled-prod-token', enabled: false })

    expect(await a.envs.resolve('https://{{host}}/x?t={{ token }}&o={{off}}&m={{nope}}', prod)).toEqual({
      text: 'https://prod.example/x?t=global-token&o={{off}}&m={{nope}}',
      missing: ['off', 'nope'],
      unreadable: [],
    })
    expect((await a.envs.resolve('{{host}}', null)).text).toBe('global.example')
  })
})

describe('concurrent values', () => {
  /** Two approved devices of one account whose environments docs sync only when told to. */
  async function twoDevices(): Promise<[VaultDevice, VaultDevice, () => void]> {
    const a = await unlockedDevice()
    const b = await suite.device(a.owner, 'Phone')
    await b.vault.refresh()
    await a.vault.approve(b.vault.deviceId!)
    await b.vault.refresh()
    const exchange = () => {
      const [fromA, fromB] = [Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc)), Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc))]
      Y.applyUpdate(b.doc, fromA)
      Y.applyUpdate(a.doc, fromB)
    }
    return [a, b, exchange]
  }

  it('a value written on two devices at once: the lost one is listed opened on both, and either can be kept', async () => {
    const [a, b, exchange] = await twoDevices()
    const staging = a.envs.environments.add('Staging')
    const token = await a.envs.addVariable(staging, { key: 'token', value: 'first' })
    const other = await a.envs.addVariable(null, { key: 'other', value: 'untouched' })
    exchange()

    await a.envs.writeVariable(staging, token, 'from laptop')
    await b.envs.writeVariable(staging, token, 'from phone')
    exchange()
    exchange() // the losing device's record reaches the other one

    const kept = await a.envs.readVariable(staging, token)
    expect(await b.envs.readVariable(staging, token)).toEqual(kept)
    const lost = kept.state === 'value' && kept.value === 'from laptop' ? 'from phone' : 'from laptop'
    const loser = lost === 'from laptop' ? a : b
    for (const device of [a, b]) {
      const conflicts = await device.envs.valueConflicts()
      expect(conflicts).toEqual([expect.objectContaining({ environmentId: staging, variableId: token, mine: { state: 'value', value: lost }, theirs: kept, client: loser.doc.clientID })])
    }

    const [conflict] = await b.envs.valueConflicts()
    expect(b.envs.resolveValueConflict(conflict!.id, 'mine')).toBe(true)
    exchange()
    expect(await a.envs.readVariable(staging, token)).toEqual({ state: 'value', value: lost })
    expect(await a.envs.valueConflicts()).toEqual([])
    expect(await a.envs.readVariable(null, other)).toEqual({ state: 'value', value: 'untouched' })
  })

  it('is located after the kept value changed again, and keeping theirs leaves the value as it is', async () => {
    const [a, b, exchange] = await twoDevices()
    const id = await a.envs.addVariable(null, { key: 'host', value: 'one' })
    exchange()
    await a.envs.writeVariable(null, id, 'two')
    await b.envs.writeVariable(null, id, 'three')
    exchange()
    exchange()
    const now = await a.envs.readVariable(null, id)
    await a.envs.writeVariable(null, id, 'four')
    exchange()

    const [conflict] = await b.envs.valueConflicts()
    expect(conflict).toMatchObject({ environmentId: null, variableId: id, theirs: now })
    expect(b.envs.resolveValueConflict(conflict!.id, 'theirs')).toBe(true)
    expect(await b.envs.valueConflicts()).toEqual([])
    expect(await b.envs.readVariable(null, id)).toEqual({ state: 'value', value: 'four' })
  })
})
