import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, test } from 'vitest'
import { exportPublicKey } from '@ferry/crypto'
import type { UserId } from '@ferry/protocol'
import { DeviceKeyStore, deviceKeysDatabase } from './device-keys.ts'

const owner = 'AAAAAAAAAAAAAAAAAAAAAA' as UserId
const publicBytes = async (pair: CryptoKeyPair) => [...(await exportPublicKey(pair.publicKey))]

describe('device keys', () => {
  test('are created once, persist across reopening, and keep the private key non-extractable', async () => {
    const factory = new IDBFactory()
    const store = await DeviceKeyStore.open(factory, owner)
    const first = await store.load()
    expect(first.keyPair.privateKey.extractable).toBe(false)
    expect(first.deviceId).toBeNull()
    await store.save({ ...first, deviceId: 'device-1', heldKeys: [{ generation: 1, wrappedKey: 'abc' }] })
    store.close()

    const again = await DeviceKeyStore.open(factory, owner)
    const loaded = await again.load()
    expect(await publicBytes(loaded.keyPair)).toEqual(await publicBytes(first.keyPair))
    expect(loaded.keyPair.privateKey.extractable).toBe(false)
    expect(loaded).toMatchObject({ deviceId: 'device-1', heldKeys: [{ generation: 1, wrappedKey: 'abc' }] })
    again.close()
    expect((await factory.databases()).map((d) => d.name)).toEqual([deviceKeysDatabase(owner)])
  })

  test('two tabs loading a fresh store at once end up with the same key pair', async () => {
    const factory = new IDBFactory()
    const [a, b] = await Promise.all([DeviceKeyStore.open(factory, owner), DeviceKeyStore.open(factory, owner)])
    const [fromA, fromB] = await Promise.all([a.load(), b.load()])
    expect(await publicBytes(fromA.keyPair)).toEqual(await publicBytes(fromB.keyPair))
    a.close()
    b.close()
  })
})
