import { describe, expect, test } from 'vitest'
import { aesGcmDecrypt } from './aes-gcm.ts'
import { concatBytes, toBase64Url, utf8Encode } from './encoding.ts'
import {
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_VERSION,
  EnvelopeAlgorithm,
  openEnvelope,
  openText,
  parseEnvelope,
  sealEnvelope,
  sealText,
} from './envelope.ts'
import { CryptoError, DecryptError, InvalidEncodingError, MalformedEnvelopeError, UnknownAlgorithmError, UnknownVersionError } from './errors.ts'
import { generateAesKey } from './keys.ts'
import { flipByte, seededBytes } from './test-support.ts'

const plaintext = seededBytes(40, 2)
const ad = 'alice:environments'

describe('sealEnvelope / openEnvelope', () => {
  test('round-trips, with the documented layout and overhead', async () => {
    const key = await generateAesKey()
    const envelope = await sealEnvelope(key, plaintext, ad)
    expect(envelope).toHaveLength(plaintext.length + ENVELOPE_OVERHEAD_BYTES)
    expect(envelope[0]).toBe(ENVELOPE_VERSION)
    expect(envelope[1]).toBe(EnvelopeAlgorithm.AesGcm)
    const parsed = parseEnvelope(envelope)
    expect(parsed.iv).toHaveLength(12)
    expect(parsed.ciphertext).toHaveLength(plaintext.length + 16)
    expect(await openEnvelope(key, envelope, ad)).toEqual(plaintext)
  })

  test('the header is authenticated ahead of the caller associated data', async () => {
    const key = await generateAesKey()
    const { header, iv, ciphertext } = parseEnvelope(await sealEnvelope(key, plaintext, ad))
    await expect(aesGcmDecrypt(key, iv, ciphertext, ad)).rejects.toBeInstanceOf(DecryptError)
    expect(await aesGcmDecrypt(key, iv, ciphertext, concatBytes(header, utf8Encode(ad)))).toEqual(plaintext)
  })

  test('two seals of the same plaintext differ', async () => {
    const key = await generateAesKey()
    expect(await sealEnvelope(key, plaintext)).not.toEqual(await sealEnvelope(key, plaintext))
  })

  test('every single tampered byte is refused with the typed error of its region', async () => {
    const key = await generateAesKey()
    const envelope = await sealEnvelope(key, plaintext, ad)
    const expected = (index: number) => (index === 0 ? UnknownVersionError : index === 1 ? UnknownAlgorithmError : DecryptError)
    for (let index = 0; index < envelope.length; index++) {
      await expect(openEnvelope(key, flipByte(envelope, index), ad), `byte ${index}`).rejects.toBeInstanceOf(expected(index))
    }
  })

  test('an algorithm byte switched to the wrapped-key algorithm is refused, not misread', async () => {
    const key = await generateAesKey()
    const short = await sealEnvelope(key, plaintext, ad)
    const long = await sealEnvelope(key, seededBytes(200, 3), ad)
    for (const envelope of [short, long]) {
      const switched = envelope.slice()
      switched[1] = EnvelopeAlgorithm.EcdhP256AesGcm
      await expect(openEnvelope(key, switched, ad)).rejects.toBeInstanceOf(MalformedEnvelopeError)
    }
  })

  test('a wrong key or wrong, missing or extra associated data is a DecryptError', async () => {
    const key = await generateAesKey()
    const withAd = await sealEnvelope(key, plaintext, ad)
    const withoutAd = await sealEnvelope(key, plaintext)
    await expect(openEnvelope(await generateAesKey(), withAd, ad)).rejects.toBeInstanceOf(DecryptError)
    await expect(openEnvelope(key, withAd, 'bob:environments')).rejects.toBeInstanceOf(DecryptError)
    await expect(openEnvelope(key, withAd)).rejects.toBeInstanceOf(DecryptError)
    await expect(openEnvelope(key, withoutAd, ad)).rejects.toBeInstanceOf(DecryptError)
  })

  test('an unknown version is an UnknownVersionError naming it', async () => {
    const envelope = (await sealEnvelope(await generateAesKey(), plaintext)).slice()
    envelope[0] = 2
    expect(() => parseEnvelope(envelope)).toThrow(expect.objectContaining({ code: 'unknown_version', version: 2 }))
    envelope[0] = 0
    await expect(openEnvelope(await generateAesKey(), envelope)).rejects.toBeInstanceOf(UnknownVersionError)
  })

  test('every truncation is refused: below the minimum size as malformed, otherwise as undecryptable', async () => {
    const key = await generateAesKey()
    const envelope = await sealEnvelope(key, plaintext, ad)
    for (let length = 0; length < envelope.length; length++) {
      const error = await openEnvelope(key, envelope.subarray(0, length), ad).catch((e: unknown) => e)
      expect(error, `length ${length}`).toBeInstanceOf(length < ENVELOPE_OVERHEAD_BYTES ? MalformedEnvelopeError : DecryptError)
    }
  })

  test('non-bytes input is a MalformedEnvelopeError, not a crash', async () => {
    const key = await generateAesKey()
    await expect(openEnvelope(key, 'AQE' as unknown as Uint8Array)).rejects.toBeInstanceOf(MalformedEnvelopeError)
  })
})

describe('sealText / openText', () => {
  test('round-trips text as base64url, ready to store in a Yjs string field', async () => {
    const key = await generateAesKey()
    const secret = 'Bearer sk_live_\u{1F511} ü'
    const sealed = await sealText(key, secret, ad)
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('sk_live')
    expect(await openText(key, sealed, ad)).toBe(secret)
  })

  test('tampered, foreign or empty text is refused with a typed error', async () => {
    const key = await generateAesKey()
    const sealed = await sealText(key, 'value', ad)
    const middle = Math.floor(sealed.length / 2)
    const swapped = sealed.slice(0, middle) + (sealed[middle] === 'A' ? 'B' : 'A') + sealed.slice(middle + 1)
    await expect(openText(key, swapped, ad)).rejects.toBeInstanceOf(DecryptError)
    await expect(openText(key, sealed.slice(0, middle) + '!' + sealed.slice(middle + 1), ad)).rejects.toBeInstanceOf(InvalidEncodingError)
    await expect(openText(key, sealed, 'other')).rejects.toBeInstanceOf(DecryptError)
    await expect(openText(key, '', ad)).rejects.toBeInstanceOf(MalformedEnvelopeError)
    await expect(openText(key, 'plain text', ad)).rejects.toBeInstanceOf(CryptoError)
  })

  test('an envelope holding bytes that are not UTF-8 is an InvalidEncodingError', async () => {
    const key = await generateAesKey()
    const sealed = toBase64Url(await sealEnvelope(key, Uint8Array.of(0xff, 0xfe)))
    await expect(openText(key, sealed)).rejects.toBeInstanceOf(InvalidEncodingError)
  })
})
