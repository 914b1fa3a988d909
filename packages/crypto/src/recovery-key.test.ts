import { describe, expect, test } from 'vitest'
import { InvalidRecoveryKeyError } from './errors.ts'
import { formatRecoveryKey, generateRecoveryKey, parseRecoveryKey, RECOVERY_KEY_SYMBOLS } from './recovery-key.ts'
import { seededBytes } from './test-support.ts'

const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function problem(text: string): string | undefined {
  try {
    parseRecoveryKey(text)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRecoveryKeyError)
    return (error as InvalidRecoveryKeyError).reason
  }
}

describe('recovery keys', () => {
  test('format as 14 groups of 4 Crockford symbols and parse back to the same bytes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const key = seededBytes(32, seed)
      const text = formatRecoveryKey(key)
      expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){13}$/)
      expect(parseRecoveryKey(text)).toEqual(key)
    }
    expect(RECOVERY_KEY_SYMBOLS).toBe(56)
  })

  test('forgive case, spacing and look-alike letters', () => {
    const key = seededBytes(32, 7)
    const text = formatRecoveryKey(key)
    const sloppy = `  ${text.toLowerCase().replaceAll('-', ' ').replaceAll('1', 'l').replaceAll('0', 'O')}\n`
    expect(parseRecoveryKey(sloppy)).toEqual(key)
    expect(parseRecoveryKey(text.replaceAll('-', ''))).toEqual(key)
  })

  test('catch every single mistyped symbol and every swap of neighbours', () => {
    const text = formatRecoveryKey(seededBytes(32, 11)).replaceAll('-', '')
    for (let i = 0; i < text.length; i++) {
      for (const replacement of alphabet) {
        if (replacement === text[i]) continue
        expect(problem(text.slice(0, i) + replacement + text.slice(i + 1))).toBe('checksum')
      }
      if (i + 1 < text.length && text[i] !== text[i + 1]) {
        expect(problem(text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2))).toBe('checksum')
      }
    }
  })

  test('name the problem: a foreign character, a missing or extra symbol', () => {
    const text = formatRecoveryKey(seededBytes(32, 3))
    expect(problem(text.replace(/.$/, 'U'))).toBe('character')
    expect(problem(`${text}!`)).toBe('character')
    expect(problem(text.slice(0, -1))).toBe('length')
    expect(problem(`${text}0`)).toBe('length')
    expect(problem('')).toBe('length')
  })

  test('generate distinct valid keys', () => {
    const [a, b] = [generateRecoveryKey(), generateRecoveryKey()]
    expect(a).not.toBe(b)
    expect(parseRecoveryKey(a)).toHaveLength(32)
  })

  test('refuse to format a key of the wrong size', () => {
    expect(() => formatRecoveryKey(new Uint8Array(31))).toThrow(RangeError)
  })
})
