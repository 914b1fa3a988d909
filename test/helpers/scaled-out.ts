/**
 * Relays scaled out for a suite: every relay it starts shares one fresh PostgreSQL schema, one
 * Redis prefix and the same keys, as relays behind one load balancer would. Registers the
 * hooks that make the schema and close every client and relay afterwards.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import type { FerryClient } from '../../packages/client/src/index.ts'
import { openClient } from './client-app.ts'
import { createDevice, type Device } from './client-devices.ts'
import { createTestSchema, skipPostgres, type TestSchema } from './postgres.ts'
import { skipRedis, testRedisEnv } from './redis.ts'
import { startRelay, type TestRelay } from './relay.ts'

/** True when the scaled-out suites must skip (never under CI). */
export const skipScaledOut = skipPostgres || skipRedis

export interface ScaledOut {
  /** The suite's schema (for looking at rows directly). */
  readonly schema: TestSchema
  /** Starts one more relay on the shared database and Redis (`env` on top, e.g. idle settings). */
  relay(env?: Record<string, string>): Promise<TestRelay>
  /** Relays started and not yet stopped. */
  readonly relays: TestRelay[]
  /** Opens a client for a device (a fresh one when given a name) on `on`. */
  client(on: TestRelay, device: Device | string): Promise<FerryClient>
}

export function useScaledOut(): ScaledOut {
  let schema: TestSchema | null = null
  let env: Record<string, string> = {}
  const relays: TestRelay[] = []
  const clients: FerryClient[] = []
  beforeAll(async () => {
    schema = await createTestSchema()
    env = {
      DATABASE_URL: schema.url,
      ...testRedisEnv(),
      FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
      FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
    }
  })
  afterAll(async () => {
    for (const c of clients.splice(0)) await c.close()
    for (const r of relays.splice(0)) await r.close(true)
    await schema?.drop()
  })
  return {
    get schema() {
      if (schema === null) throw new Error('the schema exists once beforeAll ran')
      return schema
    },
    relays,
    async relay(more = {}) {
      const started = await startRelay({ ...env, ...more })
      relays.push(started)
      return started
    },
    async client(on, device) {
      const opened = await openClient(on, typeof device === 'string' ? createDevice(device) : device)
      clients.push(opened)
      return opened
    },
  }
}
