import { describe, expect, it } from 'vitest'
import { Semaphore } from './semaphore.ts'

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
    await settleUntil(() => started.length === 2)
    expect(started).toEqual([0, 1])
    expect(semaphore.waiting).toBe(2)
    releases[0]!()
    await settleUntil(() => started.length === 3)
    expect(started).toEqual([0, 1, 2])
    expect(semaphore.running).toBe(2)
    releases[1]!()
    await settleUntil(() => started.length === 4)
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
async function settleUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await Promise.resolve()
  expect(condition()).toBe(true)
}
