/**
 * `ferry-relay`'s operator commands as an operator runs them (each its own process): what
 * `check` reports, `migrate` and `users` refusing a data dir a relay is using, `users list`,
 * `users delete` (the account is gone for a relay started afterwards), `users disable` and
 * `enable` (sign-in refused, then allowed), `restore` refusing a
 * data dir with data or a damaged file, `backup` refusing to write into the data dir or over a
 * file and leaving the keys out unless asked, and usage errors.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { readArchive } from '../../relay/src/backup/archive.ts'
import { backupDataDir } from '../../relay/src/backup/backup.ts'
import { restoreDataDir } from '../../relay/src/backup/restore.ts'
import { runRelayCli } from '../helpers/relay-cli.ts'
import { startRelay, testConfig } from '../helpers/relay.ts'
import { rawClient, readDoc, syncUrl } from '../helpers/sync-clients.ts'

const work = mkdtempSync(join(tmpdir(), 'ferry-cli-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
/** Each command is a Node process with tsx: seconds each on a busy machine. */
const SLOW = 180_000
let dirs = 0
const freshDir = (): string => join(work, `data-${dirs++}`)

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** A data dir holding one account with one stored doc; answers its user id. */
async function dataDirWithAccount(dataDir: string, email: string): Promise<string> {
  const relay = await startRelay({}, dataDir)
  try {
    expect((await post(`${relay.url}/v1/auth/signup`, { email, password: 'operator test password', name: 'Op' })).status).toBe(201)
    const session = (await (await post(`${relay.url}/v1/auth/login`, { email, password: 'operator test password' })).json()) as { accessToken: string; user: { id: string } }
    const client = await rawClient(syncUrl(relay.wsUrl, `${session.user.id}:collection:kept`, session.accessToken, true))
    await client.next('sync-step1', 30_000)
    const doc = new Y.Doc()
    doc.on('update', (update: Uint8Array) => client.send({ type: 'sync-update', update }))
    doc.getArray('entries').push(['stored'])
    await client.next('persisted', 30_000)
    client.close()
    return session.user.id
  } finally {
    await relay.close()
  }
}

describe('ferry-relay check', () => {
  it('names a malformed master key and exits 1', async () => {
    const run = await runRelayCli(['check'], { FERRY_DATA_DIR: freshDir(), FERRY_MASTER_KEY: 'too-short' })
    expect(run.stdout).toContain('PROBLEM  FERRY_MASTER_KEY must be 32 bytes, base64 or hex encoded.')
    expect(run.stdout).toContain('1 problem found.')
    expect(run.code).toBe(1)
  }, SLOW)

  it('names a master key that does not open the stored documents, and a missing key file', async () => {
    const dataDir = freshDir()
    await dataDirWithAccount(dataDir, 'keys@ferry.test')
    const wrong = await runRelayCli(['check'], { FERRY_DATA_DIR: dataDir, FERRY_MASTER_KEY: randomBytes(32).toString('base64') })
    expect(wrong.stdout).toMatch(/PROBLEM {2}The documents in .* are sealed with a different master key/)
    expect(wrong.code).toBe(1)
    rmSync(join(dataDir, 'keys', 'master.key'))
    const missing = await runRelayCli(['check'], { FERRY_DATA_DIR: dataDir })
    expect(missing.stdout).toMatch(/PROBLEM {2}The data dir holds documents but .*master\.key is missing: restore it from your backup/)
    expect(missing.code).toBe(1)
  }, SLOW)
})

describe('ferry-relay on an embedded data dir a relay is using', () => {
  it('refuses migrate and users, naming the relay', async () => {
    const dataDir = freshDir()
    const relay = await startRelay({}, dataDir)
    try {
      for (const args of [['migrate'], ['users', 'list']]) {
        const run = await runRelayCli(args, { FERRY_DATA_DIR: dataDir })
        expect(run.stderr).toMatch(new RegExp(`ferry-relay ${args[0]} failed: Another Ferry relay \\(pid ${process.pid}\\) is already using the data dir`))
        expect(run.code).toBe(1)
      }
    } finally {
      await relay.close()
    }
  }, SLOW)
})

describe('ferry-relay users', () => {
  it('lists the accounts and deletes one with everything it owns', async () => {
    const dataDir = freshDir()
    const userId = await dataDirWithAccount(dataDir, 'leaving@ferry.test')
    const listed = await runRelayCli(['users', 'list'], { FERRY_DATA_DIR: dataDir })
    expect(listed.stdout).toMatch(new RegExp(`^leaving@ferry\\.test\\tOp\\tpassword, unconfirmed\\tsince \\d{4}-\\d\\d-\\d\\d\\t${userId}$`, 'm'))
    expect(listed.stdout).toContain('1 account.')

    const deleted = await runRelayCli(['users', 'delete', 'Leaving@Ferry.test'], { FERRY_DATA_DIR: dataDir })
    expect(deleted.stderr).toBe('')
    expect(deleted.stdout).toContain(`Deleted the account leaving@ferry.test (${userId}): 1 document, 0 share links`)
    const again = await runRelayCli(['users', 'delete', 'leaving@ferry.test'], { FERRY_DATA_DIR: dataDir })
    expect(again.stderr).toContain('no account has the email leaving@ferry.test')
    expect(again.code).toBe(1)

    const relay = await startRelay({}, dataDir)
    try {
      expect((await post(`${relay.url}/v1/auth/login`, { email: 'leaving@ferry.test', password: 'operator test password' })).status).toBe(401)
      // The email is free again, and the new account starts without the old one's doc.
      expect((await post(`${relay.url}/v1/auth/signup`, { email: 'leaving@ferry.test', password: 'operator test password', name: 'New' })).status).toBe(201)
    } finally {
      await relay.close()
    }
  }, SLOW)

  it('disables an account (no sign-in, 403 account_disabled) and enables it again', async () => {
    const dataDir = freshDir()
    await dataDirWithAccount(dataDir, 'paused@ferry.test')
    const login = async (): Promise<Response> => {
      const relay = await startRelay({}, dataDir)
      try {
        return await post(`${relay.url}/v1/auth/login`, { email: 'paused@ferry.test', password: 'operator test password' })
      } finally {
        await relay.close()
      }
    }
    const disabled = await runRelayCli(['users', 'disable', 'paused@ferry.test'], { FERRY_DATA_DIR: dataDir })
    expect(disabled.stdout).toContain('Disabled the account paused@ferry.test')
    expect(disabled.code).toBe(0)
    const refused = await login()
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('account_disabled')
    const enabled = await runRelayCli(['users', 'enable', 'paused@ferry.test'], { FERRY_DATA_DIR: dataDir })
    expect(enabled.code).toBe(0)
    expect((await login()).status).toBe(200)
  }, SLOW)
})

describe('ferry-relay restore', () => {
  it('refuses a data dir that holds data unless --force, and a damaged file always', async () => {
    const source = freshDir()
    const userId = await dataDirWithAccount(source, 'restored@ferry.test')
    const file = join(work, 'one.tar.gz')
    await expect(backupDataDir(testConfig({}, source), join(source, 'inside.tar.gz'))).rejects.toThrow(/is inside the data dir .*: write the backup elsewhere/)
    await backupDataDir(testConfig({}, source), file, true)
    await expect(backupDataDir(testConfig({}, source), file)).rejects.toThrow(/already exists; choose a new file name/)
    // Without --with-keys the master key stays out of the file.
    const keyless = join(work, 'keyless.tar.gz')
    await backupDataDir(testConfig({}, source), keyless)
    const paths = async (path: string): Promise<string[]> => {
      const found: string[] = []
      for await (const entry of readArchive(path)) found.push(entry.path)
      return found
    }
    expect(await paths(file)).toContain('data/keys/master.key')
    expect((await paths(keyless)).filter((path) => path.startsWith('data/keys/'))).toEqual([])
    expect(await paths(keyless)).toContain('data/accounts.json')

    const target = freshDir()
    mkdirSync(target)
    writeFileSync(join(target, 'accounts.json'), '{}')
    const refused = await runRelayCli(['restore', file], { FERRY_DATA_DIR: target })
    expect(refused.stderr).toMatch(/ferry-relay restore failed: the data dir .* is not empty \(it holds accounts\.json\); restore into an empty one, or add --force/)
    expect(refused.code).toBe(1)
    expect(readFileSync(join(target, 'accounts.json'), 'utf8')).toBe('{}')

    const damaged = join(work, 'damaged.tar.gz')
    const bytes = readFileSync(file)
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    writeFileSync(damaged, bytes)
    await expect(restoreDataDir(testConfig({}, target), damaged, true)).rejects.toThrow(/damaged|gzip/)
    expect(readFileSync(join(target, 'accounts.json'), 'utf8')).toBe('{}')

    await restoreDataDir(testConfig({}, target), file, true)
    const relay = await startRelay({}, target)
    try {
      const login = await post(`${relay.url}/v1/auth/login`, { email: 'restored@ferry.test', password: 'operator test password' })
      expect(login.status).toBe(200)
      const { accessToken } = (await login.json()) as { accessToken: string }
      const doc = await readDoc(relay.wsUrl, `${userId}:collection:kept`, accessToken)
      expect(typeof doc === 'number' ? doc : doc.getArray('entries').toArray()).toEqual(['stored'])
    } finally {
      await relay.close()
    }
  }, SLOW)

  it('explains a usage error with exit code 2', async () => {
    const run = await runRelayCli(['restore'], { FERRY_DATA_DIR: freshDir() })
    expect(run.stderr).toMatch(/^The backup file to restore is missing\.\n\nUsage: ferry-relay/)
    expect(run.code).toBe(2)
  }, SLOW)
})
