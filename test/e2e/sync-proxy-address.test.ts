/**
 * The sync connection limit counts clients, not proxies: behind TRUST_PROXY it keys on the
 * address the trusted proxy reports (X-Forwarded-For), as Fastify's request.ip does, so one
 * busy client behind the proxy does not lock out everyone else; without TRUST_PROXY the header
 * is ignored (anyone could send it).
 */
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { CloseCode } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { syncUrl } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

/** Opens a sync socket claiming `forwardedFor`; resolves 'open' on its first message, else the close code. */
function connect(relay: TestRelay, token: string, forwardedFor: string): Promise<{ outcome: 'open' | number; ws: WebSocket }> {
  const ws = new WebSocket(syncUrl(relay.wsUrl, 'alice:environments', token), { headers: { 'x-forwarded-for': forwardedFor } })
  ws.on('error', () => undefined)
  return new Promise((resolve) => {
    ws.once('message', () => resolve({ outcome: 'open', ws }))
    ws.once('close', (code) => resolve({ outcome: code, ws }))
  })
}

describe('sync connection limit behind a proxy', () => {
  let relay: TestRelay
  afterEach(() => relay.close(true))

  async function outcomes(env: Record<string, string>): Promise<(number | 'open')[]> {
    relay = await startRelay({ CONNECTIONS_PER_MINUTE_PER_IP: '2', ...env })
    const token = await sessionToken(relay, 'alice')
    const results: (number | 'open')[] = []
    for (const client of ['203.0.113.7', '203.0.113.7', '203.0.113.7', '198.51.100.9']) {
      const { outcome, ws } = await connect(relay, token, client)
      results.push(outcome)
      ws.close()
    }
    return results
  }

  it('keys on the forwarded client address when the proxy is trusted', async () => {
    expect(await outcomes({ TRUST_PROXY: '127.0.0.1' })).toEqual(['open', 'open', CloseCode.RateLimited, 'open'])
  })

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    expect(await outcomes({})).toEqual(['open', 'open', CloseCode.RateLimited, CloseCode.RateLimited])
  })
})
