/**
 * Starting and stopping the relay: the health check, the data-dir lock (in one process and
 * between two CLI processes), the warning when exposed without TLS, clean shutdown, and mail
 * written to the outbox when no SMTP server is configured.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { simpleParser } from 'mailparser'
import { describe, expect, it, vi } from 'vitest'
import { buildApp, openRelay } from '../../relay/src/app.ts'
import type { AccountStore } from '../../relay/src/storage/account-store.ts'
import { DataDirLockedError } from '../../relay/src/data-dir.ts'
import { startRelay, tempDataDir, testConfig } from '../helpers/relay.ts'
import { tokenFromLink } from '../helpers/smtp.ts'

const root = resolve(import.meta.dirname, '../..')

describe('health and the data-dir lock', () => {
  it('reports storage readiness on /healthz and keeps its secrets owner-only', async () => {
    const dataDir = tempDataDir()
    const app = await buildApp(testConfig({}, dataDir))
    try {
      const response = await app.inject({ method: 'GET', url: '/healthz' })
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual({ ok: true, storage: { accounts: 'ok', docs: 'ok' }, broadcast: 'ok' })
      expect(response.headers['x-content-type-options']).toBe('nosniff')
      // The demo runs only its own scripts, and cannot be framed.
      expect(response.headers['content-security-policy']).toMatch(/script-src 'self';/)
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/)
      // A sign-up writes the account file (a made-up token no longer does: it costs no write).
      await app.inject({ method: 'POST', url: '/v1/auth/signup', payload: { email: 'owner-only@example.test', password: 'a-long-enough-password' } })
      expect(statSync(join(dataDir, 'keys', 'jwt.key')).mode & 0o777).toBe(0o600)
      expect(statSync(join(dataDir, 'accounts.json')).mode & 0o777).toBe(0o600)
    } finally {
      await app.close()
    }
  })

  it('answers 503 on /healthz when the account store cannot serve', async () => {
    const { app, stores } = await openRelay(testConfig())
    try {
      // Both backends serve every account port from one object: closing it closes the account store.
      await (stores.users as AccountStore).close()
      const response = await app.inject({ method: 'GET', url: '/healthz' })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toEqual({ ok: false, storage: { accounts: expect.stringContaining('closed'), docs: 'ok' }, broadcast: 'ok' })
    } finally {
      await app.close()
    }
  })

  it('refuses a second relay on the same data dir until the first one stops', async () => {
    const dataDir = tempDataDir()
    const first = await buildApp(testConfig({}, dataDir))
    await expect(buildApp(testConfig({}, dataDir))).rejects.toThrow(DataDirLockedError)
    await expect(buildApp(testConfig({}, dataDir))).rejects.toThrow(/already using the data dir/)
    await first.close()
    expect(existsSync(join(dataDir, 'relay.lock'))).toBe(false)
    const second = await buildApp(testConfig({}, dataDir))
    await second.close()
  })
})

interface Cli {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
}

function runCli(env: Record<string, string>): Cli {
  const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'relay/src/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  child.on('error', () => undefined)
  return { child, stdout: () => out, stderr: () => err }
}

describe('the CLI', () => {
  it('starts, warns when exposed without TLS, keeps secrets out of its log, refuses a second relay on its data dir, and stops cleanly', async () => {
    const dataDir = tempDataDir()
    const first = runCli({ HOST: '0.0.0.0', PORT: '0', FERRY_DATA_DIR: dataDir, LOG_LEVEL: 'info' })
    try {
      await vi.waitFor(() => expect(first.stdout()).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+/), { timeout: 20_000, interval: 50 })
      const port = /listening on http:\/\/0\.0\.0\.0:(\d+)/.exec(first.stdout())![1]
      expect(first.stdout()).toContain(`Mail is written to ${dataDir}/outbox/`)
      await vi.waitFor(() => expect(first.stderr()).toMatch(/WARNING: listening on a non-loopback address without TLS/), { timeout: 5000, interval: 50 })
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true, storage: { accounts: 'ok', docs: 'ok' }, broadcast: 'ok' })
      expect((await fetch(`http://127.0.0.1:${port}/v1/me?token=leak-query-token`)).status).toBe(401)
      const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'leak@example.test', password: 'leak-me-password' }),
      })
      expect(login.status).toBe(401)
      await vi.waitFor(() => expect(first.stdout()).toContain('"url":"/v1/me"'), { timeout: 5000, interval: 50 })
      expect(first.stdout()).not.toContain('leak-query-token')

      const second = runCli({ HOST: '127.0.0.1', PORT: '0', FERRY_DATA_DIR: dataDir })
      const [code] = (await once(second.child, 'exit')) as [number]
      expect(code).toBe(1)
      expect(second.stderr()).toMatch(/cannot start: Another Ferry relay \(pid \d+\) is already using the data dir/)
    } finally {
      first.child.kill('SIGTERM')
    }
    const [code] = (await once(first.child, 'exit')) as [number]
    expect(code).toBe(0)
    expect(existsSync(join(dataDir, 'relay.lock'))).toBe(false)
    const output = first.stdout() + first.stderr()
    expect(output).not.toContain('leak-query-token')
    expect(output).not.toContain('leak-me-password')
  })

  it('names a bad setting instead of starting', async () => {
    const cli = runCli({ PORT: 'eighty', FERRY_DATA_DIR: tempDataDir() })
    const [code] = (await once(cli.child, 'exit')) as [number]
    expect(code).toBe(1)
    expect(cli.stderr()).toContain('PORT must be an integer')
  })
})

describe('mail without SMTP', () => {
  it('writes each mail as an .eml file in the outbox, with a link that works', async () => {
    const relay = await startRelay({ PUBLIC_URL: 'http://ferry.local:8080' })
    try {
      const signup = await fetch(`${relay.url}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'self@host.test', password: 'self-hosted password' }),
      })
      expect(signup.status).toBe(201)
      const outbox = join(relay.dataDir, 'outbox')
      await vi.waitFor(() => expect(readdirSync(outbox).filter((f) => f.endsWith('.eml'))).toHaveLength(1), { timeout: 5000, interval: 20 })
      const mail = await simpleParser(readFileSync(join(outbox, readdirSync(outbox).find((f) => f.endsWith('.eml'))!)))
      expect(mail.subject).toBe('Confirm your Ferry email address')
      expect(JSON.stringify(mail.to)).toContain('self@host.test')
      const link = /http:\/\/ferry\.local:8080\/#\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0]
      const confirm = await fetch(`${relay.url}/v1/auth/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: tokenFromLink(link) }),
      })
      expect(confirm.status).toBe(200)
    } finally {
      await relay.close(true)
    }
  })
})
