/**
 * The relay's send proxy (`SEND_PROXY=on`): off by default, for signed-in users only, never
 * to the relay's own network (SSRF) unless allow-listed — literal addresses in every spelling,
 * names that resolve there, redirects that lead there — with its timeout, size and rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendRequest } from '@ferry/protocol'
import { startRelay, testConfig, type TestRelay } from '../helpers/relay.ts'
import { startEchoServer, type EchoServer } from '../helpers/echo-server.ts'
import { call, echoed, readAnswer, sendRequest, type SendAnswer } from '../helpers/send-calls.ts'
import { signIn, signUpEmail } from '../helpers/sessions.ts'

describe('the relay send proxy', () => {
  let relay: TestRelay
  /** An API the operator allow-listed (127.0.0.2), and one on loopback that is not (127.0.0.1). */
  let allowed: EchoServer
  let loopback: EchoServer
  let token = ''

  beforeAll(async () => {
    ;[allowed, loopback] = await Promise.all([startEchoServer('127.0.0.2'), startEchoServer('127.0.0.1')])
    relay = await startRelay({ SEND_PROXY: 'on', SEND_PROXY_ALLOW: '127.0.0.2', SEND_PROXY_TIMEOUT_MS: '400', SEND_PROXY_MAX_RESPONSE_BYTES: '65536', SEND_PROXY_PER_MINUTE: '40' })
    await signUpEmail(relay, 'sender@example.com')
    token = (await signIn(relay, 'sender@example.com')).accessToken
  })
  afterAll(async () => {
    await relay?.close(true)
    await Promise.all([allowed?.close(), loopback?.close()])
  })

  /** The proxy's answer: frames when it sent, its JSON error when it refused. */
  const send = async (request: SendRequest, bearer = token): Promise<SendAnswer & { status: number; error: { code: string; message: string } | null }> => {
    const answer = await call(`${relay.url}/v1/send`, { body: request, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} })
    if (answer.status === 200) return { status: 200, error: null, ...readAnswer(answer.body) }
    return { status: answer.status, error: JSON.parse(answer.body.toString()).error, head: null, body: Buffer.alloc(0), end: null, failure: null }
  }

  it('sends a signed-in user’s request to an allow-listed API without CORS headers', async () => {
    const answer = await send(sendRequest(`${allowed.url}/echo/hello`, { method: 'POST', headers: [['X-Key', 'k']], body: { text: 'hi' } }))
    expect(answer.head).toMatchObject({ status: 200, url: `${allowed.url}/echo/hello` })
    expect(echoed(answer)).toMatchObject({ method: 'POST', path: '/echo/hello', body: Buffer.from('hi').toString('base64') })
    expect(answer.end).toEqual({ sizeBytes: answer.body.byteLength })
  })

  it('refuses signed-out callers and bad tokens', async () => {
    const out = await send(sendRequest(`${allowed.url}/echo`), '')
    expect(out).toMatchObject({ status: 401, error: { code: 'invalid_token' } })
    expect((await send(sendRequest(`${allowed.url}/echo`), 'forged.token.value')).status).toBe(401)
    expect(allowed.hits.filter((p) => p === 'GET /echo')).toHaveLength(0)
  })

  it('refuses loopback, private, link-local and unspecified targets in every spelling, and names resolving to them', async () => {
    const port = loopback.port
    const targets = [
      `http://127.0.0.1:${port}/ssrf`,
      `http://127.1:${port}/ssrf`,
      `http://2130706433:${port}/ssrf`,
      `http://[::1]:${port}/ssrf`,
      `http://[::ffff:127.0.0.1]:${port}/ssrf`,
      `http://0.0.0.0:${port}/ssrf`,
      `http://[::]:${port}/ssrf`,
      `http://localhost:${port}/ssrf`,
      'http://10.0.0.1/ssrf',
      'http://192.168.1.1/ssrf',
      'http://172.16.5.4/ssrf',
      'http://100.64.0.1/ssrf',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00::1]/ssrf',
      'http://[fe80::1]/ssrf',
      'http://224.0.0.1/ssrf',
    ]
    for (const url of targets) {
      const answer = await send(sendRequest(url))
      expect(answer.failure?.code, url).toBe('refused_target')
      expect(answer.failure?.message, url).toContain('the relay does not send to loopback, private, link-local or multicast addresses')
    }
    expect(loopback.hits).toEqual([])
  })

  it('checks every redirect hop: an allowed API redirecting to loopback is refused there', async () => {
    const answer = await send(sendRequest(`${allowed.url}/redirect?to=${encodeURIComponent(`http://localhost:${loopback.port}/ssrf`)}`))
    expect(answer.failure?.code).toBe('refused_target')
    expect(loopback.hits).toEqual([])
    // Not following: the redirect itself is the answer, nothing is sent to its target.
    const shown = await send(sendRequest(`${allowed.url}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${loopback.port}/ssrf`)}`, { followRedirects: false }))
    expect(shown.head?.status).toBe(302)
    expect(loopback.hits).toEqual([])
  })

  it('ends a send at its size limit and on a silent target', async () => {
    const big = await send(sendRequest(`${allowed.url}/bytes?n=200000`))
    expect(big.failure).toEqual({ code: 'too_large', message: 'The response is larger than 64 KB, the most accepted here. The relay operator sets it (SEND_PROXY_MAX_RESPONSE_BYTES); the Ferry agent on your machine has its own.' })
    // The request asks for 5 s; the relay's 0.4 s applies.
    const silent = await send(sendRequest(`${allowed.url}/silent`, { timeoutMs: 5000 }))
    expect(silent.failure).toEqual({ code: 'timeout', message: `No answer from 127.0.0.2:${allowed.port} for 0.4 s.` })
  })

  it('refuses invalid send requests with a sentence', async () => {
    const answer = await send({ ...sendRequest(`${allowed.url}/echo`), headers: [['X-A', 'a\r\nb']] })
    expect(answer).toMatchObject({ status: 400, error: { code: 'invalid_request', message: 'The value of the header "X-A" contains characters that cannot be sent.' } })
  })
})

describe('the send proxy’s settings', () => {
  it('is off unless the operator turns it on', async () => {
    const relay = await startRelay()
    try {
      expect((await call(`${relay.url}/v1/send`, { body: sendRequest('http://example.com/') })).status).toBe(404)
    } finally {
      await relay.close(true)
    }
  })

  it('limits sends per user per minute', async () => {
    const echo = await startEchoServer('127.0.0.2')
    const relay = await startRelay({ SEND_PROXY: 'on', SEND_PROXY_ALLOW: '127.0.0.0/8', SEND_PROXY_PER_MINUTE: '2' })
    try {
      await signUpEmail(relay, 'busy@example.com')
      const { accessToken } = await signIn(relay, 'busy@example.com')
      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await call(`${relay.url}/v1/send`, { body: sendRequest(`${echo.url}/echo`), headers: { authorization: `Bearer ${accessToken}` } })).status)
      expect(statuses).toEqual([200, 200, 429])
    } finally {
      await relay.close(true)
      await echo.close()
    }
  })

  it('refuses an allow-list entry that is not an address', async () => {
    // Refused when the settings are read, before the relay opens anything.
    expect(() => testConfig({ SEND_PROXY: 'on', SEND_PROXY_ALLOW: '10.0.0.0/8, intranet.local' })).toThrow('SEND_PROXY_ALLOW: "intranet.local" is not an IP address or CIDR (such as 10.0.0.0/8 or fd00::/8).')
    expect(() => testConfig({ SEND_PROXY: 'maybe' })).toThrow('SEND_PROXY must be on or off, got "maybe"')
  })
})
