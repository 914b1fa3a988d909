import { describe, expect, it } from 'vitest'
import { PasswordHasher } from './passwords.ts'

describe('PasswordHasher', () => {
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

  it('answers false, never throws, for a missing or mangled stored hash', async () => {
    // The answer does not depend on the cost, so the test cost keeps this quick.
    const cheap = new PasswordHasher(2, 10)
    for (const stored of [null, 'scrypt$17$8$1$abc', 'scrypt$40$8$1$AAAA$AAAA']) {
      expect(await cheap.verify('anything at all', stored)).toBe(false)
    }
  })
})
