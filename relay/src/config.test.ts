import { getHeapStatistics } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

const KEY = 'a'.repeat(64)
const JWT = 'j'.repeat(32)

describe('loadConfig', () => {
  it('refuses DATABASE_URL or REDIS_URL unless the master key and JWT secret are shared settings', () => {
    for (const scaled of [{ DATABASE_URL: 'postgres://db/ferry' }, { REDIS_URL: 'redis://cache' }]) {
      expect(() => loadConfig(scaled)).toThrow(ConfigError)
      expect(() => loadConfig({ ...scaled, FERRY_MASTER_KEY: KEY })).toThrow(/FERRY_JWT_SECRET/)
      expect(loadConfig({ ...scaled, FERRY_MASTER_KEY: KEY, FERRY_JWT_SECRET: JWT }).masterKey).toBe(KEY)
    }
  })

  it('runs on embedded storage with key files when nothing is set', () => {
    const config = loadConfig({})
    expect([config.databaseUrl, config.redisUrl, config.masterKey, config.jwtSecret]).toEqual([null, null, null, null])
  })

  it('names the bad setting', () => {
    expect(() => loadConfig({ TLS_CERT: '/cert.pem' })).toThrow('TLS_CERT and TLS_KEY must be set together')
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/)
  })

  it('refuses frame limits above what a stored record can hold (an accepted update must always be storable)', () => {
    expect(() => loadConfig({ MAX_REASSEMBLED_BYTES: String(300 * 1024 * 1024) })).toThrow(/maxReassembledBytes|MAX_REASSEMBLED_BYTES/)
    expect(() => loadConfig({ MAX_OWNER_MESSAGE_BYTES: String(300 * 1024 * 1024) })).toThrow(/maxOwnerMessageBytes|MAX_OWNER_MESSAGE_BYTES/)
    expect(loadConfig({ MAX_REASSEMBLED_BYTES: String(192 * 1024 * 1024) }).limits.maxReassembledBytes).toBe(192 * 1024 * 1024)
  })

  it('bounds the memory one update may take to decode: 256 MiB unless set, never under 1 MiB', () => {
    expect(loadConfig({}).limits.maxUpdateDecodedBytes).toBe(256 * 1024 * 1024)
    expect(loadConfig({ MAX_UPDATE_DECODED_BYTES: String(64 * 1024 * 1024) }).limits.maxUpdateDecodedBytes).toBe(64 * 1024 * 1024)
    expect(() => loadConfig({ MAX_UPDATE_DECODED_BYTES: '1000' })).toThrow(/maxUpdateDecodedBytes/)
  })

  it('bounds the memory loaded docs may take: 512 MiB a doc, 60% of the heap limit in all unless set, never under 1 MiB', () => {
    const limits = loadConfig({}).limits
    expect(limits.maxDocDecodedBytes).toBe(512 * 1024 * 1024)
    expect(limits.roomsMemoryBudgetBytes).toBe(Math.floor(getHeapStatistics().heap_size_limit * 0.6))
    const set = loadConfig({ MAX_DOC_DECODED_BYTES: String(8 * 1024 * 1024), ROOMS_MEMORY_BUDGET_BYTES: String(64 * 1024 * 1024) }).limits
    expect([set.maxDocDecodedBytes, set.roomsMemoryBudgetBytes]).toEqual([8 * 1024 * 1024, 64 * 1024 * 1024])
    expect(() => loadConfig({ MAX_DOC_DECODED_BYTES: '1000' })).toThrow(/maxDocDecodedBytes/)
    expect(() => loadConfig({ ROOMS_MEMORY_BUDGET_BYTES: '1000' })).toThrow(/roomsMemoryBudgetBytes/)
  })

  it('hashes passwords at the production cost unless a test suite asks, and refuses the test cost where real accounts may live', () => {
    expect(loadConfig({}).testScryptLogN).toBeNull()
    expect(loadConfig({ FERRY_TEST_SCRYPT_LOG_N: '10' }).testScryptLogN).toBe(10)
    expect(() => loadConfig({ FERRY_TEST_SCRYPT_LOG_N: '10', NODE_ENV: 'production' })).toThrow(/refused with NODE_ENV=production/)
    expect(() => loadConfig({ FERRY_TEST_SCRYPT_LOG_N: '10', HOST: '0.0.0.0' })).toThrow(/refused on a relay listening on 0.0.0.0/)
    expect(() => loadConfig({ FERRY_TEST_SCRYPT_LOG_N: '4' })).toThrow(/testScryptLogN/)
  })
})
