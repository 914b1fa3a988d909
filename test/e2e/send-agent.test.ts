/**
 * The Ferry agent (`npx ferry-agent`): pairing by a one-time code, refusals without the token,
 * from another origin or under another Host name (DNS rebinding), and sending to a local API
 * that allows no browser (no CORS headers) — redirects, cookies, binary, gzip, size limit, timeout.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_WRONG_CODES, Pairings } from '@ferry/agent'
import { startAgent, type TestAgent } from '../helpers/agent.ts'
import { BINARY_BODY, startEchoServer, type EchoServer } from '../helpers/echo-server.ts'
import { call, echoed, readAnswer, sendRequest } from '../helpers/send-calls.ts'

const PAGE = 'https://ferry.example'

describe('the Ferry agent', () => {
  let echo: EchoServer
  let started: TestAgent
  let agent: string
  let codes: string[]
  let token = ''

  beforeAll(async () => {
    echo = await startEchoServer()
    started = await startAgent(1024 * 1024)
    agent = started.url
    codes = started.codes
  })
  afterAll(async () => {
    await started.close()
    await echo.close()
  })

  const send = (body: unknown, headers: Record<string, string> = {}) =>
    call(`${agent}/v1/send`, { body, headers: { origin: PAGE, authorization: `Bearer ${token}`, ...headers } })

  it('pairs a page that has the printed code, once, and only for that page’s origin', async () => {
    expect(codes).toHaveLength(1)
    expect(codes[0]).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/)
    const wrong = await call(`${agent}/v1/pair`, { body: { code: 'AAAA-AAAA' }, headers: { origin: PAGE } })
    expect(wrong.status).toBe(403)
    expect(JSON.parse(wrong.body.toString()).error.message).toContain('not the one the agent printed')
    // Typed in lower case with a space: still the code.
    const paired = await call(`${agent}/v1/pair`, { body: { code: codes[0]!.toLowerCase().replace('-', ' ') }, headers: { origin: PAGE } })
    expect(paired.status).toBe(200)
    expect(paired.headers['access-control-allow-origin']).toBe(PAGE)
    token = JSON.parse(paired.body.toString()).token
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // The code is used up; a new one was printed.
    expect(codes).toHaveLength(2)
    const again = await call(`${agent}/v1/pair`, { body: { code: codes[0] }, headers: { origin: 'https://evil.example' } })
    expect(again.status).toBe(403)
    const status = await call(`${agent}/v1/status`, { headers: { origin: PAGE, authorization: `Bearer ${token}` } })
    expect(JSON.parse(status.body.toString())).toMatchObject({ agent: 'ferry-agent', maxResponseBytes: 1024 * 1024 })
  })

  it('replaces its code after a few wrong guesses', async () => {
    const before = codes.length
    for (let i = 0; i < MAX_WRONG_CODES; i++) await call(`${agent}/v1/pair`, { body: { code: `GUESS-${i}` }, headers: { origin: 'https://guesser.example' } })
    expect(codes).toHaveLength(before + 1)
  })

  it('refuses calls without the token, from another origin, without an origin, or under another Host name', async () => {
    const body = sendRequest(`${echo.url}/echo`)
    const noToken = await send(body, { authorization: '' })
    expect(noToken.status).toBe(401)
    expect(echoedNothing(noToken.body)).toBe(true)
    // Another site the user visits: it may even have stolen the token, its origin still is not the paired one.
    const foreign = await send(body, { origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await call(`${agent}/v1/send`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    const noOrigin = await call(`${agent}/v1/send`, { body, headers: { authorization: `Bearer ${token}` } })
    expect(noOrigin.status).toBe(403)
    // DNS rebinding: evil.example re-pointed at 127.0.0.1 arrives with its own name as Host.
    const rebound = await send(body, { host: `evil.example:${new URL(agent).port}` })
    expect(rebound.status).toBe(421)
    const ok = await call(`${agent}/v1/send`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-private-network': 'true' } })
    expect(ok.status).toBe(204)
    expect(ok.headers['access-control-allow-origin']).toBe(PAGE)
    expect(ok.headers['access-control-allow-private-network']).toBe('true')
  })

  it('sends to an API that allows no browser: method, headers and a binary body arrive as given', async () => {
    const answer = readAnswer((await send(sendRequest(`${echo.url}/echo/items?limit=2`, {
      method: 'PUT', headers: [['X-Api-Key', 'secret-1'], ['Content-Type', 'application/octet-stream']], body: { base64: Buffer.from(BINARY_BODY).toString('base64') },
    }))).body)
    expect(answer.failure).toBeNull()
    expect(answer.head).toMatchObject({ status: 200, url: `${echo.url}/echo/items?limit=2`, redirects: [] })
    expect(answer.head!.headers).toContainEqual(['x-served-by', 'ferry-echo'])
    const seen = echoed(answer)
    expect(seen).toMatchObject({ method: 'PUT', path: '/echo/items?limit=2' })
    expect(seen.headers['x-api-key']).toBe('secret-1')
    expect(Buffer.from(seen.body, 'base64')).toEqual(Buffer.from(BINARY_BODY))
    expect(answer.end).toEqual({ sizeBytes: answer.body.byteLength })
  })

  it('sends a body-less PUT with a zero length, as browsers do, not chunked', async () => {
    const seen = echoed(readAnswer((await send(sendRequest(`${echo.url}/echo`, { method: 'PUT' }))).body))
    expect(seen.headers['content-length']).toBe('0')
    expect(seen.headers['transfer-encoding']).toBeUndefined()
  })

  it('answers binary bodies byte for byte and undoes gzip', async () => {
    const binary = readAnswer((await send(sendRequest(`${echo.url}/binary`))).body)
    expect(binary.body).toEqual(Buffer.from(BINARY_BODY))
    const gzip = readAnswer((await send(sendRequest(`${echo.url}/gzip`))).body)
    expect(gzip.body.toString()).toBe('unzipped text')
  })

  it('follows redirects and reports each hop, or stops at the first when asked', async () => {
    const target = `${echo.url}/redirect?to=${encodeURIComponent('/redirect?to=/echo/end&status=307')}&status=301`
    const followed = readAnswer((await send(sendRequest(target, { method: 'POST', body: { text: 'hi' } }))).body)
    expect(followed.head!.redirects.map((r) => [r.status, new URL(r.url).pathname])).toEqual([[301, '/redirect'], [307, '/redirect']])
    expect(followed.head!.url).toBe(`${echo.url}/echo/end`)
    // 301 after a POST goes on as GET without the body; 307 keeps the method.
    expect(echoed(followed)).toMatchObject({ method: 'GET', body: '' })
    const stopped = readAnswer((await send(sendRequest(target, { followRedirects: false }))).body)
    expect(stopped.head!.status).toBe(301)
    expect(stopped.head!.headers.find(([k]) => k.toLowerCase() === 'location')?.[1]).toContain('/redirect?to=')
    const loop = readAnswer((await send(sendRequest(`${echo.url}/loop`, { maxRedirects: 3 }))).body)
    expect(loop.failure).toEqual({ code: 'too_many_redirects', message: `Stopped after 3 redirects (the last one to ${echo.url}/loop).` })
  })

  it('keeps cookies for one send: set on a redirect, sent on the next hop, reported, then forgotten', async () => {
    const login = readAnswer((await send(sendRequest(`${echo.url}/login`))).body)
    expect(echoed(login).headers.cookie).toBe('session=s3ss10n')
    expect(login.head!.cookies).toEqual([{ name: 'session', value: 's3ss10n', domain: '127.0.0.1', path: '/' }])
    const later = readAnswer((await send(sendRequest(`${echo.url}/echo`))).body)
    expect(echoed(later).headers.cookie).toBeUndefined()
  })

  it('does not carry credentials to another origin on a redirect', async () => {
    const other = await startEchoServer()
    try {
      const answer = readAnswer((await send(sendRequest(`${echo.url}/redirect?to=${encodeURIComponent(`${other.url}/echo`)}`, { headers: [['Authorization', 'Bearer t0k3n'], ['X-Trace', '1']] }))).body)
      expect(echoed(answer).headers.authorization).toBeUndefined()
      expect(echoed(answer).headers['x-trace']).toBe('1')
    } finally {
      await other.close()
    }
  })

  it('stops at its size limit with a sentence saying how to raise it', async () => {
    const answer = readAnswer((await send(sendRequest(`${echo.url}/bytes?n=${3 * 1024 * 1024}`))).body)
    expect(answer.head!.status).toBe(200)
    expect(answer.end).toBeNull()
    expect(answer.failure).toEqual({ code: 'too_large', message: 'The response is larger than 1 MB, the most accepted here. Start the agent with --max-response-mb to raise it.' })
    expect(answer.body.byteLength).toBeLessThanOrEqual(1024 * 1024)
  })

  it('gives up on a silent server after the request’s timeout, and says why a server cannot be reached', async () => {
    const silent = readAnswer((await send(sendRequest(`${echo.url}/silent`, { timeoutMs: 300 }))).body)
    expect(silent.failure).toEqual({ code: 'timeout', message: `No answer from 127.0.0.1:${echo.port} for 0.3 s.` })
    const closed = readAnswer((await send(sendRequest('http://127.0.0.1:1/'))).body)
    expect(closed.failure).toEqual({ code: 'unreachable', message: '127.0.0.1:1 refused the connection: nothing listens there.' })
    const invalid = await send({ ...sendRequest('ftp://example.com/'), timeoutMs: 5 })
    expect(invalid.status).toBe(400)
    expect(JSON.parse(invalid.body.toString()).error.message).toBe('Only http:// and https:// URLs can be sent.')
  })

  it('forgets a pairing when the page unpairs', async () => {
    const forgot = await call(`${agent}/v1/pair`, { method: 'DELETE', headers: { origin: PAGE, authorization: `Bearer ${token}` } })
    expect(forgot.status).toBe(204)
    expect((await send(sendRequest(`${echo.url}/echo`))).status).toBe(403)
  })
})

/** A refusal is a JSON error, never a frame stream carrying the target's answer. */
function echoedNothing(body: Buffer): boolean {
  return typeof JSON.parse(body.toString()).error?.message === 'string'
}

describe('the Ferry agent’s pairings file', () => {
  it('keeps pairings (as hashes) across a restart, and names a damaged file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ferry-agent-')), 'pairings.json')
    let code = ''
    const first = new Pairings({ file, onNewCode: (c) => (code = c) })
    const paired = first.pair(code, PAGE)
    if (!paired.ok) throw new Error('pairing failed')
    expect(readFileSync(file, 'utf8')).not.toContain(paired.token)
    const restarted = new Pairings({ file, onNewCode: () => undefined })
    expect(restarted.check(paired.token, PAGE)).toBe(true)
    expect(restarted.check(paired.token, 'https://evil.example')).toBe(false)
    writeFileSync(file, '{ not json')
    expect(() => new Pairings({ file, onNewCode: () => undefined })).toThrow(`${file} could not be read as JSON`)
  })
})
