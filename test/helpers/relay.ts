/**
 * A real relay for tests: `buildApp` on a fresh temp data dir, listening on a free loopback
 * port. Close it with `relay.close()` (in `afterEach`/`afterAll`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { openRelay } from '../../relay/src/app.ts'
import { loadConfig, type Config, type Env } from '../../relay/src/config.ts'
import type { Stores } from '../../relay/src/storage/index.ts'

export interface TestRelay {
  app: FastifyInstance
  /** The relay's stores, to set up or check what a test cannot reach through the API. */
  stores: Stores
  config: Config
  /** `http://127.0.0.1:<port>` */
  url: string
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string
  dataDir: string
  /** Stops the relay; the data dir is kept unless `removeData` is true. */
  close(removeData?: boolean): Promise<void>
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ferry-test-'))
}

/** Config for tests: loopback, quiet logs, the given env on top. */
/**
 * A test relay's config: loopback, quiet, its own data dir, and passwords hashed at a test
 * cost (scrypt N=2^10 instead of 2^17: a sign-up then takes a millisecond, not 0.3 s of a core);
 * pass `FERRY_TEST_SCRYPT_LOG_N: ''` for the production cost.
 */
export function testConfig(env: Env = {}, dataDir = tempDataDir()): Config {
  return loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', FERRY_DATA_DIR: dataDir, FERRY_TEST_SCRYPT_LOG_N: '10', ...env })
}

export async function startRelay(env: Env = {}, dataDir = tempDataDir()): Promise<TestRelay> {
  const config = testConfig(env, dataDir)
  const { app, stores } = await openRelay(config)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('relay did not bind a TCP port')
  const scheme = config.tls ? 'https' : 'http'
  return {
    app,
    stores,
    config,
    url: `${scheme}://127.0.0.1:${address.port}`,
    wsUrl: `${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${address.port}`,
    dataDir,
    async close(removeData = false) {
      await app.close()
      if (removeData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
