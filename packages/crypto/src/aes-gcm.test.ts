import { describe, expect, test } from 'vitest'
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, aesGcmDecrypt, aesGcmEncrypt, joinAssociatedData } from './aes-gcm.ts'
import { DecryptError, InvalidKeyError } from './errors.ts'
import { generateAesKey } from './keys.ts'
import { flipByte, seededBytes } from './test-support.ts'

const plaintext = seededBytes(100, 1)

describe('aesGcmEncrypt / aesGcmDecrypt', () => {
  test('round-trips with associated data given as text or bytes', async () => {
    const key = await generateAesKey()
    const sealed = await aesGcmEncrypt(key, plaintext, 'alice:environments')
    expect(sealed.iv).toHaveLength(AES_GCM_IV_BYTES)
    expect(sealed.ciphertext).toHaveLength(plaintext.length + AES_GCM_TAG_BYTES)
    expect(await aesGcmDecrypt(key, sealed.iv, sealed.ciphertext, new TextEncoder().encode('alice:environments'))).toEqual(plaintext)
  })

  test('round-trips an empty plaintext without associated data', async () => {
    const key = await generateAesKey()
    const sealed = await aesGcmEncrypt(key, new Uint8Array(0))
    expect(await aesGcmDecrypt(key, sealed.iv, sealed.ciphertext)).toEqual(new Uint8Array(0))
  })

  test('draws a fresh IV for every message', async () => {
    const key = await generateAesKey()
    const ivs = new Set<string>()
    for (let i = 0; i < 50; i++) ivs.add((await aesGcmEncrypt(key, plaintext)).iv.join())
    expect(ivs.size).toBe(50)
  })

  test('rejects a wrong key, wrong or missing associated data, and every tampered region with DecryptError', async () => {
    const key = await generateAesKey()
    const { iv, ciphertext } = await aesGcmEncrypt(key, plaintext, 'ad')
    const otherKey = await generateAesKey()
    const attempts = [
      () => aesGcmDecrypt(otherKey, iv, ciphertext, 'ad'),
      () => aesGcmDecrypt(key, iv, ciphertext, 'ae'),
      () => aesGcmDecrypt(key, iv, ciphertext),
      () => aesGcmDecrypt(key, flipByte(iv, 0), ciphertext, 'ad'),
      () => aesGcmDecrypt(key, iv, flipByte(ciphertext, 0), 'ad'),
      () => aesGcmDecrypt(key, iv, flipByte(ciphertext, ciphertext.length - 1), 'ad'),
      () => aesGcmDecrypt(key, iv, ciphertext.subarray(0, ciphertext.length - 1), 'ad'),
      () => aesGcmDecrypt(key, iv, ciphertext.subarray(0, AES_GCM_TAG_BYTES - 1), 'ad'),
      () => aesGcmDecrypt(key, iv.subarray(1), ciphertext, 'ad'),
    ]
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toBeInstanceOf(DecryptError)
      await expect(attempt()).rejects.toMatchObject({ code: 'decrypt_failed', name: 'DecryptError' })
    }
  })

  test('refuses keys that are not AES-256-GCM with InvalidKeyError', async () => {
    const aes128 = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt'])
    const hmac = await globalThis.crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    for (const key of [aes128, hmac, undefined as unknown as CryptoKey]) {
      await expect(aesGcmEncrypt(key, plaintext)).rejects.toBeInstanceOf(InvalidKeyError)
      await expect(aesGcmDecrypt(key, new Uint8Array(12), new Uint8Array(16))).rejects.toBeInstanceOf(InvalidKeyError)
    }
  })
})

describe('joinAssociatedData', () => {
  test('keeps differently split values apart, so one cannot stand in for the other', async () => {
    const key = await generateAesKey()
    expect(joinAssociatedData('a', 'bc')).not.toEqual(joinAssociatedData('ab', 'c'))
    const sealed = await aesGcmEncrypt(key, plaintext, joinAssociatedData('alice:environments', 'var1'))
    await expect(aesGcmDecrypt(key, sealed.iv, sealed.ciphertext, joinAssociatedData('alice:environment', 'svar1'))).rejects.toBeInstanceOf(DecryptError)
    expect(await aesGcmDecrypt(key, sealed.iv, sealed.ciphertext, joinAssociatedData('alice:environments', 'var1'))).toEqual(plaintext)
  })
})
