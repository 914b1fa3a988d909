import { describe, expect, it } from 'vitest'
import { PasswordHasher } from './passwords.ts'

// The production cost is proven in passwords.slow.test.ts (e2e project): a hash there takes 128 MiB.
describe('PasswordHasher', () => {
  it('answers false, never throws, for a missing or mangled stored hash', async () => {
    // The answer does not depend on the cost, so the test cost keeps this quick.
    const cheap = new PasswordHasher(2, 10)
    for (const stored of [null, 'scrypt$17$8$1$abc', 'scrypt$40$8$1$AAAA$AAAA']) {
      expect(await cheap.verify('anything at all', stored)).toBe(false)
    }
  })
})
