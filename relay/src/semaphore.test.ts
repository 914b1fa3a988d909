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

  it('shares slots round-robin between keys: a flood from one key delays another by one task, not its backlog', async () => {
    const semaphore = new Semaphore(1)
    const started: string[] = []
    const release = new Map<string, () => void>()
    const task = (name: string) => async () => {
      started.push(name)
      await new Promise<void>((resolve) => release.set(name, resolve))
    }
    const all = [...Array.from({ length: 6 }, (_, i) => semaphore.run(task(`flood${i}`), 'flooder'))]
    all.push(semaphore.run(task('victim'), 'someone else'))
    for (const name of ['flood0', 'flood1', 'victim', 'flood2']) {
      await settleUntil(() => release.has(name))
      release.get(name)!()
    }
    expect(started.slice(0, 3)).toEqual(['flood0', 'flood1', 'victim'])
    for (let i = 3; i < 6; i++) {
      await settleUntil(() => release.has(`flood${i}`))
      release.get(`flood${i}`)!()
    }
    await Promise.all(all)
    expect(semaphore.running).toBe(0)
    expect(semaphore.waiting).toBe(0)
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
