import { describe, expect, it } from 'vitest'
import { PasswordHasher } from './passwords.ts'
import { Semaphore } from './semaphore.ts'

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

  it('answers false, never throws, for a missing or mangled stored hash', async () => {
    for (const stored of [null, 'scrypt$17$8$1$abc', 'scrypt$40$8$1$AAAA$AAAA']) {
      expect(await hasher.verify('anything at all', stored)).toBe(false)
    }
  })
})

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once and the rest in arrival order', async () => {
    const semaphore = new Semaphore(2)
    const started: number[] = []
    const releases: Array<() => void> = []
    const tasks = [0, 1, 2, 3].map((i) =>
      semaphore.run(async () => {
        started.push(i)
        await new Promise<void>((resolve) => releases.push(resolve))
        return i
      }),
    )
    await vi_waitUntil(() => started.length === 2)
    expect(started).toEqual([0, 1])
    expect(semaphore.waiting).toBe(2)
    releases[0]!()
    await vi_waitUntil(() => started.length === 3)
    expect(started).toEqual([0, 1, 2])
    expect(semaphore.running).toBe(2)
    releases[1]!()
    await vi_waitUntil(() => started.length === 4)
    releases[2]!()
    releases[3]!()
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3])
    expect(semaphore.running).toBe(0)
  })

  it('frees the slot when a task fails', async () => {
    const semaphore = new Semaphore(1)
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await semaphore.run(async () => 'next')).toBe('next')
  })
})

/** Lets queued microtasks run until `condition` holds (bounded). */
async function vi_waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await Promise.resolve()
  expect(condition()).toBe(true)
}
