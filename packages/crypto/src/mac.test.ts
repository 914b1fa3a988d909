import { describe, expect, test } from 'vitest'
import { InvalidKeyError } from './errors.ts'
import { generateAesKey } from './keys.ts'
import { deriveMacKey, MAC_BYTES, macSign, macVerify } from './mac.ts'
import { flipByte, seededBytes } from './test-support.ts'

const ikm = seededBytes(32, 7)
const params = { salt: new Uint8Array(0), info: 'ferry/test/mac/v1' }

describe('HMAC-SHA-256 under derived keys', () => {
  test('a tag verifies for its data and key only', async () => {
    const key = await deriveMacKey(ikm, params)
    const tag = await macSign(key, 'generation 2')
    expect(tag).toHaveLength(MAC_BYTES)
    expect(await macVerify(key, tag, 'generation 2')).toBe(true)
    expect(await macVerify(key, tag, 'generation 3')).toBe(false)
    expect(await macVerify(key, flipByte(tag, 0), 'generation 2')).toBe(false)
    expect(await macVerify(key, tag.subarray(1), 'generation 2')).toBe(false)
    expect(await macVerify(await deriveMacKey(seededBytes(32, 8), params), tag, 'generation 2')).toBe(false)
  })

  test('the info string separates keys derived from the same material', async () => {
    const tag = await macSign(await deriveMacKey(ikm, params), 'x')
    expect(await macVerify(await deriveMacKey(ikm, { ...params, info: 'ferry/test/other/v1' }), tag, 'x')).toBe(false)
    expect(await macSign(await deriveMacKey(ikm, params), 'x')).toEqual(tag)
  })

  test('refuses a key that is not an HMAC key', async () => {
    await expect(macSign(await generateAesKey(), 'x')).rejects.toBeInstanceOf(InvalidKeyError)
  })
})
