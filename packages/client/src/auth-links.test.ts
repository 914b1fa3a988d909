import { describe, expect, it } from 'vitest'
import { parseAuthLink } from './auth-links.ts'

describe('parseAuthLink', () => {
  it('reads the links the relay mails and redirects to', () => {
    expect(parseAuthLink('#/confirm?token=abc_-1')).toEqual({ kind: 'confirm', token: 'abc_-1' })
    expect(parseAuthLink('/reset?token=xyz')).toEqual({ kind: 'reset', token: 'xyz' })
    expect(parseAuthLink('#/oidc?code=one-time')).toEqual({ kind: 'oidc', code: 'one-time' })
    expect(parseAuthLink('#/oidc?error=access_denied')).toEqual({ kind: 'oidc-error', error: 'access_denied' })
  })

  it('ignores anything else', () => {
    for (const hash of ['', '#/', '#/confirm', '#/confirm?token=', '#/other?token=a', `#/reset?token=${'a'.repeat(513)}`, '#/oidc?state=x']) {
      expect(parseAuthLink(hash)).toBeNull()
    }
  })
})
