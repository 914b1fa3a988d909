/**
 * The production cost (scrypt N=2^17: 128 MiB and ~0.3 s of a core per hash, far more on a
 * loaded machine): in the e2e project, with the other `*.slow.test.ts`, out of the fast loop.
 */
import { describe, expect, it } from 'vitest'
import { PasswordHasher } from './passwords.ts'

describe('PasswordHasher at the production cost', () => {
  const hasher = new PasswordHasher(2)

  it('stores scrypt at N=2^17, r=8, p=1 with a random salt, and verifies only the right password', async () => {
    // Composed é here, decomposed e + ◌́ below: the same password typed on another system.
    const [a, b] = await Promise.all([hasher.hash('caf\u00e9 au lait!'), hasher.hash('caf\u00e9 au lait!')])
    expect(a).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
    expect(await hasher.verify('cafe\u0301 au lait!', a)).toBe(true)
    expect(await hasher.verify('cafe au lait!', a)).toBe(false)
  })

  it('hashes at the lower cost of a test suite only when asked, and still verifies production hashes', async () => {
    const cheap = new PasswordHasher(2, 10)
    const stored = await hasher.hash('correct horse battery')
    expect(await cheap.hash('correct horse battery')).toMatch(/^scrypt\$10\$8\$1\$/)
    expect(await cheap.verify('correct horse battery', stored)).toBe(true)
  })
})
