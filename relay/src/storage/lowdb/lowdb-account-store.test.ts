import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { LowdbAccountStore } from './lowdb-account-store.ts'

// Its own temp dir, not the test relay helper's: that one imports the whole relay.
const tempDataDir = () => mkdtempSync(join(tmpdir(), 'ferry-lowdb-'))

describe('LowdbAccountStore on disk', () => {
  it('leaves a complete JSON file and no temp files after a burst of concurrent writes', async () => {
    const dir = tempDataDir()
    const store = await LowdbAccountStore.open({ dir })
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.createUser({ id: `user-${i}` as UserId, email: `u${i}@example.test`, name: `U${i}`, emailConfirmed: false, passwordHash: null, createdAt: 0 }),
      ),
    )
    await store.close()
    const data = JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as { users: Record<string, unknown> }
    expect(Object.keys(data.users)).toHaveLength(20)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('refuses to open a corrupt file instead of overwriting it', async () => {
    const dir = tempDataDir()
    writeFileSync(join(dir, 'accounts.json'), '{"version":1,"users":')
    await expect(LowdbAccountStore.open({ dir })).rejects.toThrow(/accounts\.json is not valid JSON/)
    expect(readFileSync(join(dir, 'accounts.json'), 'utf8')).toBe('{"version":1,"users":')
  })

  it('refuses a file written by a newer format', async () => {
    const dir = tempDataDir()
    writeFileSync(join(dir, 'accounts.json'), '{"version":99}')
    await expect(LowdbAccountStore.open({ dir })).rejects.toThrow(/format version 99/)
  })
})
