/** Restarts a test relay on the same port and data dir, as a crash-free redeploy would. */
import { openRelay } from '../../relay/src/app.ts'
import type { Env } from '../../relay/src/config.ts'
import { testConfig, type TestRelay } from './relay.ts'

/** Stops `relay` and resolves with a callback that starts it again at the same URL. */
export async function stopRelay(relay: TestRelay, env: Env = {}): Promise<() => Promise<TestRelay>> {
  const port = Number(new URL(relay.url).port)
  await relay.close()
  return async () => {
    const config = testConfig(env, relay.dataDir)
    const { app, stores } = await openRelay(config)
    await app.listen({ host: '127.0.0.1', port })
    return { ...relay, app, stores, config, close: async (removeData = false) => {
      await app.close()
      if (removeData) (await import('node:fs')).rmSync(relay.dataDir, { recursive: true, force: true })
    } }
  }
}
