import { describe, expect, it } from 'vitest'
import { SendCookieJar } from './cookies.ts'

describe('the cookie jar of one send', () => {
  it('sends a cookie back only where its domain, path and Secure flag allow', () => {
    const jar = new SendCookieJar()
    jar.store(new URL('https://api.example.com/auth/login'), [
      'host=1; Path=/',
      'wide=2; Domain=.example.com; Path=/',
      'scoped=3; Path=/auth',
      'secure=4; Secure; Path=/',
    ])
    expect(jar.header(new URL('https://api.example.com/auth/me'))).toBe('host=1; wide=2; scoped=3; secure=4')
    expect(jar.header(new URL('https://api.example.com/authx'))).toBe('host=1; wide=2; secure=4')
    expect(jar.header(new URL('http://api.example.com/'))).toBe('host=1; wide=2')
    expect(jar.header(new URL('https://www.example.com/'))).toBe('wide=2')
    expect(jar.header(new URL('https://example.org/'))).toBeNull()
  })

  it('refuses cookies for other domains, replaces and deletes by name, domain and path', () => {
    const jar = new SendCookieJar()
    const url = new URL('https://api.example.com/a/b')
    jar.store(url, ['stolen=1; Domain=bank.example', 'id=1', 'id=2', 'gone=1', 'gone=; Max-Age=0', 'old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT'])
    expect(jar.list()).toEqual([{ name: 'id', value: '2', domain: 'api.example.com', path: '/a' }])
  })
})
