/**
 * No token of any kind reaches the relay's logs or its error bodies: share-link tokens in
 * the path, sync tokens in the query, confirmation / reset / refresh tokens and OIDC codes in
 * bodies, and tokens in the path of a route that does not exist. Logged at debug level, the
 * most the relay ever prints.
 */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { processToken, spawnRelay } from '../helpers/relay-process.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { rawClient, syncUrl } from '../helpers/sync-clients.ts'

describe('logs and error bodies', () => {
  const dataDir = tempDataDir()
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('never show a token, whatever route carries it', async () => {
    const token = await processToken('alice', dataDir)
    const relay = await spawnRelay(dataDir, { LOG_LEVEL: 'debug' })
    const base = relay.wsUrl.replace('ws:', 'http:')
    const secrets = Array.from({ length: 8 }, (_, i) => `tok${i}-${Math.random().toString(36).slice(2)}`)
    const bodies: string[] = []
    const call = async (path: string, init: RequestInit = {}) => bodies.push(await (await fetch(`${base}${path}`, init)).text())
    const post = (path: string, body: unknown) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

    await call(`/v1/links/resolve/${secrets[0]}`)
    await call(`/v1/links/resolve/${secrets[1]}?again=${secrets[1]}`)
    await call(`/v1/no-such-route/${secrets[2]}`)
    await call(`/v1/links/resolve/${secrets[3]}/extra`)
    await post('/v1/auth/confirm', { token: secrets[4] })
    await post('/v1/auth/reset', { token: secrets[5], password: 'a-long-enough-password' })
    await post('/v1/auth/refresh', { refreshToken: secrets[6] })
    await post('/v1/auth/oidc/exchange', { code: secrets[7] })
    const socket = await rawClient(syncUrl(relay.wsUrl, 'alice:environments', token))
    await socket.next('sync-step1')
    socket.close()

    relay.child.kill('SIGTERM')
    await relay.exited
    const printed = relay.output()
    expect(printed).toContain('/v1/links/resolve/:token')
    for (const secret of [...secrets, token, token.split('.')[2]!]) {
      expect(printed).not.toContain(secret)
      for (const body of bodies) expect(body).not.toContain(secret)
    }
  })
})
