import { describe, expect, it } from 'vitest'
import { linkToken } from './share.ts'
import { LinkUnavailable } from './share-errors.ts'

const TOKEN = 'Ab3_-'.repeat(8) + 'xyz'

describe('linkToken', () => {
  it('reads the token from a link URL, its fragment or a bare token', () => {
    expect(linkToken(`https://ferry.example/#/shared?token=${TOKEN}`)).toBe(TOKEN)
    expect(linkToken(`#/shared?token=${TOKEN}&x=1`)).toBe(TOKEN)
    expect(linkToken(TOKEN)).toBe(TOKEN)
  })

  it('refuses URLs without a usable token with invalid_link', () => {
    for (const bad of ['https://ferry.example/#/shared', 'https://ferry.example/#/shared?token=', `#/shared?token=${TOKEN}%00`, 'short']) {
      expect(() => linkToken(bad), bad).toThrow(LinkUnavailable)
      try {
        linkToken(bad)
      } catch (error) {
        expect((error as LinkUnavailable).code).toBe('invalid_link')
      }
    }
  })
})
