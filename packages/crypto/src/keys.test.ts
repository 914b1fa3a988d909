import { describe, expect, test } from 'vitest'
import { openEnvelope, sealEnvelope } from './envelope.ts'
import { DecryptError, InvalidKeyError, MalformedEnvelopeError, UnknownAlgorithmError, UnknownVersionError } from './errors.ts'
import {
  AES_KEY_BYTES,
  deriveAesKey,
  exportAesKey,
  exportPublicKey,
  generateAesKey,
  generateEcdhKeyPair,
  hkdf,
  importAesKey,
  importPublicKey,
  P256_PUBLIC_KEY_BYTES,
  unwrapAesKey,
  wrapAesKey,
} from './keys.ts'
import { flipByte, hex, seededBytes } from './test-support.ts'

const plaintext = seededBytes(64, 4)

/** True when `b` opens what `a` sealed: the two handles hold the same key. */
async function sameKey(a: CryptoKey, b: CryptoKey): Promise<boolean> {
  const opened = await openEnvelope(b, await sealEnvelope(a, plaintext)).catch(() => undefined)
  return opened !== undefined
}

describe('AES keys', () => {
  test('generated keys are not extractable unless asked', async () => {
    await expect(exportAesKey(await generateAesKey())).rejects.toBeInstanceOf(InvalidKeyError)
    expect(await exportAesKey(await generateAesKey({ extractable: true }))).toHaveLength(AES_KEY_BYTES)
  })

  test('export then import yields the same key', async () => {
    const key = await generateAesKey({ extractable: true })
    const copy = await importAesKey(await exportAesKey(key))
    expect(await sameKey(key, copy)).toBe(true)
    expect(await sameKey(await generateAesKey(), copy)).toBe(false)
  })

  test.each([0, 16, 31, 33])('importing %i raw bytes is an InvalidKeyError', async (length) => {
    await expect(importAesKey(new Uint8Array(length))).rejects.toBeInstanceOf(InvalidKeyError)
  })
})

describe('HKDF-SHA-256', () => {
  test('matches RFC 5869 test case 1', async () => {
    const okm = await hkdf(hex('0b'.repeat(22)), { salt: hex('000102030405060708090a0b0c'), info: hex('f0f1f2f3f4f5f6f7f8f9') }, 42)
    expect(okm).toEqual(hex('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'))
  })

  test('derives the same AES key from the same inputs and different keys for different info', async () => {
    const ikm = seededBytes(32, 5)
    const salt = new Uint8Array(0)
    const a = await deriveAesKey(ikm, { salt, info: 'doc:alice:workspace' })
    const b = await deriveAesKey(ikm, { salt, info: 'doc:alice:workspace' })
    const c = await deriveAesKey(ikm, { salt, info: 'doc:alice:history' })
    expect(await sameKey(a, b)).toBe(true)
    expect(await sameKey(a, c)).toBe(false)
  })

  test.each([0, 8161, 1.5])('refuses an output length of %d bytes', async (length) => {
    await expect(hkdf(seededBytes(32, 6), { salt: new Uint8Array(0), info: '' }, length)).rejects.toBeInstanceOf(RangeError)
  })
})

describe('ECDH P-256 key pairs', () => {
  test('the private key cannot be read out; the public key exports as 65 uncompressed bytes', async () => {
    const pair = await generateEcdhKeyPair()
    expect(pair.privateKey.extractable).toBe(false)
    await expect(globalThis.crypto.subtle.exportKey('pkcs8', pair.privateKey)).rejects.toThrow()
    const raw = await exportPublicKey(pair.publicKey)
    expect(raw).toHaveLength(P256_PUBLIC_KEY_BYTES)
    expect(raw[0]).toBe(0x04)
    expect(await exportPublicKey(await importPublicKey(raw))).toEqual(raw)
  })

  test('a public key that is the wrong size or not on the curve is an InvalidKeyError', async () => {
    const raw = await exportPublicKey((await generateEcdhKeyPair()).publicKey)
    const offCurve = raw.slice()
    offCurve[64] = offCurve[64]! ^ 1
    for (const bad of [raw.subarray(1), new Uint8Array(65), offCurve, Uint8Array.of(0x02, ...raw.subarray(1))]) {
      await expect(importPublicKey(bad)).rejects.toBeInstanceOf(InvalidKeyError)
    }
  })

  test('exporting a private or non-ECDH key as a public key is an InvalidKeyError', async () => {
    await expect(exportPublicKey((await generateEcdhKeyPair()).privateKey)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(exportPublicKey(await generateAesKey())).rejects.toBeInstanceOf(InvalidKeyError)
  })
})

describe('wrapAesKey / unwrapAesKey', () => {
  const ad = 'vault:alice'

  async function setup() {
    const device = await generateEcdhKeyPair()
    const vaultKey = await generateAesKey({ extractable: true })
    const wrapped = await wrapAesKey(vaultKey, device.publicKey, ad)
    return { device, vaultKey, wrapped }
  }

  test('the recipient unwraps the same key; each wrap is different', async () => {
    const { device, vaultKey, wrapped } = await setup()
    expect(wrapped).toHaveLength(2 + 65 + 12 + 32 + 16)
    expect(wrapped).not.toEqual(await wrapAesKey(vaultKey, device.publicKey, ad))
    const unwrapped = await unwrapAesKey(wrapped, device.privateKey, { associatedData: ad })
    expect(await sameKey(vaultKey, unwrapped)).toBe(true)
    expect(unwrapped.extractable).toBe(false)
    const rewrappable = await unwrapAesKey(wrapped, device.privateKey, { associatedData: ad, extractable: true })
    expect(await exportAesKey(rewrappable)).toEqual(await exportAesKey(vaultKey))
  })

  test('a wrap to an imported public key opens with the matching private key (a second device)', async () => {
    const { device, vaultKey } = await setup()
    const published = await importPublicKey(await exportPublicKey(device.publicKey))
    const wrapped = await wrapAesKey(vaultKey, published)
    expect(await sameKey(vaultKey, await unwrapAesKey(wrapped, device.privateKey))).toBe(true)
  })

  test('another private key, or wrong or missing associated data, is a DecryptError', async () => {
    const { device, wrapped } = await setup()
    const stranger = await generateEcdhKeyPair()
    await expect(unwrapAesKey(wrapped, stranger.privateKey, { associatedData: ad })).rejects.toBeInstanceOf(DecryptError)
    await expect(unwrapAesKey(wrapped, device.privateKey, { associatedData: 'vault:bob' })).rejects.toBeInstanceOf(DecryptError)
    await expect(unwrapAesKey(wrapped, device.privateKey)).rejects.toBeInstanceOf(DecryptError)
  })

  test('every single tampered byte is refused with the typed error of its region', async () => {
    const { device, wrapped } = await setup()
    const expected = (index: number) => (index === 0 ? UnknownVersionError : index === 1 ? UnknownAlgorithmError : DecryptError)
    for (let index = 0; index < wrapped.length; index++) {
      for (const mask of [0x80, 0x01]) {
        const tampered = flipByte(wrapped, index, mask)
        const error = await unwrapAesKey(tampered, device.privateKey, { associatedData: ad }).catch((e: unknown) => e)
        // Both masks move algorithm 2 to an unknown value (130, 3), so byte 1 always reads as unknown.
        expect(error, `byte ${index} mask ${mask}`).toBeInstanceOf(expected(index))
      }
    }
  })

  test('every truncation is refused with a typed error', async () => {
    const { device, wrapped } = await setup()
    for (let length = 0; length < wrapped.length; length++) {
      const error = await unwrapAesKey(wrapped.subarray(0, length), device.privateKey, { associatedData: ad }).catch((e: unknown) => e)
      expect(error, `length ${length}`).toBeInstanceOf(length < 2 + 65 + 12 + 16 ? MalformedEnvelopeError : DecryptError)
    }
  })

  test('envelopes are not interchangeable: a data envelope is not a wrapped key and vice versa', async () => {
    const { device, vaultKey, wrapped } = await setup()
    await expect(unwrapAesKey(await sealEnvelope(vaultKey, plaintext), device.privateKey)).rejects.toBeInstanceOf(MalformedEnvelopeError)
    await expect(openEnvelope(vaultKey, wrapped, ad)).rejects.toBeInstanceOf(MalformedEnvelopeError)
  })

  test('keys of the wrong kind are an InvalidKeyError', async () => {
    const { device, vaultKey, wrapped } = await setup()
    await expect(wrapAesKey(await generateAesKey(), device.publicKey)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(wrapAesKey(vaultKey, device.privateKey)).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(unwrapAesKey(wrapped, device.publicKey, { associatedData: ad })).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(unwrapAesKey(wrapped, vaultKey, { associatedData: ad })).rejects.toBeInstanceOf(InvalidKeyError)
  })
})
