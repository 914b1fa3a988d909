import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { concatBytes, fromBase64Url, toBase64Url, utf8Decode, utf8Encode } from './encoding.ts'
import { InvalidEncodingError } from './errors.ts'

describe('base64url', () => {
  test.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 vector %j ↔ %j (unpadded)', (text, encoded) => {
    expect(toBase64Url(utf8Encode(text))).toBe(encoded)
    expect(utf8Decode(fromBase64Url(encoded))).toBe(text)
  })

  test('uses the URL-safe alphabet', () => {
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_')
    expect(fromBase64Url('-_-_')).toEqual(Uint8Array.of(0xfb, 0xff, 0xbf))
  })

  test('round-trips any bytes (seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64Url(bytes)
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
        expect(fromBase64Url(text)).toEqual(bytes)
      }),
      { seed: 20261127, numRuns: 300 },
    )
  })

  test.each([
    ['Zg==', 'padding'],
    ['Zm9v+A', 'standard-alphabet +'],
    ['Zm9v/A', 'standard-alphabet /'],
    [' Zm9v', 'whitespace'],
    ['Zm9v\n', 'newline'],
    ['Zm9vé', 'non-ASCII'],
    ['Z', 'impossible length'],
    ['Zm9vY', 'impossible length'],
    ['Zh', 'non-zero trailing bits'],
    ['Zm9', 'non-zero trailing bits'],
  ])('rejects %j (%s) with InvalidEncodingError', (text) => {
    expect(() => fromBase64Url(text)).toThrow(InvalidEncodingError)
    expect(() => fromBase64Url(text)).toThrow(expect.objectContaining({ code: 'invalid_encoding' }))
  })

  test('rejects a non-string with InvalidEncodingError', () => {
    expect(() => fromBase64Url(42 as unknown as string)).toThrow(InvalidEncodingError)
  })
})

describe('utf8', () => {
  test('round-trips text outside the BMP and control characters', () => {
    const text = 'Grüße, 世界 \u{1F680}\u0000\t'
    expect(utf8Decode(utf8Encode(text))).toBe(text)
    expect(utf8Encode('é')).toEqual(Uint8Array.of(0xc3, 0xa9))
  })

  test('keeps a leading byte-order mark instead of eating it', () => {
    expect(utf8Decode(utf8Encode('\uFEFFx'))).toBe('\uFEFFx')
  })

  test.each([
    [[0xff], 'invalid byte'],
    [[0x80], 'lone continuation byte'],
    [[0xc0, 0x80], 'overlong encoding'],
    [[0xe2, 0x82], 'truncated sequence'],
    [[0xed, 0xa0, 0x80], 'encoded surrogate'],
  ])('rejects %j (%s) with InvalidEncodingError', (bytes) => {
    expect(() => utf8Decode(Uint8Array.from(bytes))).toThrow(InvalidEncodingError)
  })
})

test('concatBytes joins in order', () => {
  expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3))
  expect(concatBytes()).toEqual(new Uint8Array(0))
})
