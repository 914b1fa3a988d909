/**
 * The relay as its own process, exactly as `npm start` runs it (`node --import tsx
 * relay/src/main.ts`), for tests that kill it (SIGKILL, SIGTERM) or read its logs. Tokens for
 * it are signed with the `FERRY_JWT_SECRET` it was started with.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import type { UserId } from '@ferry/protocol'
import { hashSecret, newFamilyId } from '../../relay/src/auth/secrets.ts'
import { LowdbAccountStore } from '../../relay/src/storage/lowdb/lowdb-account-store.ts'
import { openPool } from '../../relay/src/storage/postgres/database.ts'
import { PgAccountStore } from '../../relay/src/storage/postgres/pg-account-store.ts'

const ROOT = join(import.meta.dirname, '..', '..')
export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123'

export interface RelayProcess {
  child: ChildProcess
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>
}

/** Starts the relay CLI on a free port with `dataDir`; resolves once it listens. */
export async function spawnRelay(dataDir: string, env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'relay', 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      FERRY_DATA_DIR: dataDir,
      FERRY_JWT_SECRET: TEST_JWT_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start:\n${output}`)), 45_000)
    const check = () => {
      const match = /listening on https?:\/\/[^:]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout.off('data', check)
        resolve(Number(match[1]))
      }
    }
    child.stdout.on('data', check)
    void exited.then(() => reject(new Error(`relay exited during start:\n${output}`)))
  })
  return { child, wsUrl: `ws://127.0.0.1:${port}`, output: () => output, exited }
}

/**
 * An access token the spawned relay accepts for `userId`: a session for it is written into
 * `dataDir`'s account store first (PostgreSQL's when `env` has a `DATABASE_URL`), so call this
 * before the relay starts on `dataDir` (the session stays valid across restarts).
 */
export async function processToken(userId: string, dataDir: string, env: Record<string, string> = {}): Promise<string> {
  const pool = env.DATABASE_URL ? openPool(env.DATABASE_URL, () => undefined) : null
  const store = pool ? await PgAccountStore.open(pool) : await LowdbAccountStore.open({ dir: dataDir })
  const familyId = newFamilyId()
  try {
    const hash = hashSecret(randomBytes(32).toString('base64url'))
    await store.createRefreshToken({ hash, userId: userId as UserId, familyId, expiresAt: Date.now() + 24 * 3600_000 })
  } finally {
    await store.close()
    await pool?.end()
  }
  return new SignJWT({ sid: familyId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET))
}
