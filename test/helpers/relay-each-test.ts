/**
 * A fresh test relay for each test, and the test's own cleanups: after each test they run,
 * the last added first, then the relay closes and its data dir goes. `relay` may be replaced
 * within a test (a restart, `stopRelay`); the one there at the end is closed.
 */
import { afterEach, beforeEach } from 'vitest'
import { startRelay, type TestRelay } from './relay.ts'

export interface RelayEachTest {
  relay: TestRelay
  /** Runs `cleanup` after the test, before the relay closes. */
  afterTest(cleanup: () => Promise<void> | void): void
}

export function useRelayEachTest(): RelayEachTest {
  const cleanups: (() => Promise<void> | void)[] = []
  let current: TestRelay | null = null
  beforeEach(async () => {
    current = await startRelay()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await current?.close(true)
    current = null
  })
  return {
    get relay() {
      if (!current) throw new Error('the relay runs only during a test')
      return current
    },
    set relay(relay: TestRelay) {
      current = relay
    },
    afterTest: (cleanup) => void cleanups.push(cleanup),
  }
}
