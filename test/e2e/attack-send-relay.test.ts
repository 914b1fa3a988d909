/**
 * Attacks on the relay's send proxy beyond send-proxy.test.ts: IPv6 prefixes that carry an IPv4
 * address to a translator or tunnel (the relay's own network by another name), and one user
 * holding sends open without end (the per-minute limit alone does not bound open sends).
 */
import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendRequest } from '@ferry/protocol'
import { MAX_OPEN_SENDS_PER_USER } from '../../relay/src/send-proxy/index.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { startEchoServer, type EchoServer } from '../helpers/echo-server.ts'
import { call, readAnswer, sendRequest } from '../helpers/send-calls.ts'
import { signIn, signUpEmail } from '../helpers/sessions.ts'

describe('attacks on the relay send proxy', () => {
  let relay: TestRelay
  let allowed: EchoServer
  /** A hostile API on the allow-listed address: compression bombs, oversized headers. */
  let hostile: Server
  let hostileUrl = ''
  let token = ''
  let other = ''

  beforeAll(async () => {
    allowed = await startEchoServer('127.0.0.2')
    const zeros = Buffer.alloc(32 * 1024 * 1024)
    const bombs: Record<string, [string, Buffer]> = { '/gzip-bomb': ['gzip', gzipSync(zeros)], '/br-bomb': ['br', brotliCompressSync(zeros)] }
    hostile = createServer((req, res) => {
      const bomb = bombs[req.url ?? '']
      if (bomb) return void res.writeHead(200, { 'content-encoding': bomb[0] }).end(bomb[1])
      res.writeHead(200, { 'x-huge': 'h'.repeat(64 * 1024) }).end('never read')
    })
    // Answers that open a tunnel or switch protocols instead of answering.
    hostile.on('connect', (_req, socket: Duplex) => socket.once('end', () => socket.end()).write('HTTP/1.1 200 Connection Established\r\n\r\ntunnel bytes'))
    hostile.on('upgrade', (_req, socket: Duplex) => socket.once('end', () => socket.end()).write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nsocket bytes'))
    await new Promise<void>((done) => hostile.listen(0, '127.0.0.2', done))
    hostileUrl = `http://127.0.0.2:${(hostile.address() as AddressInfo).port}`
    relay = await startRelay({ SEND_PROXY: 'on', SEND_PROXY_ALLOW: '127.0.0.2', SEND_PROXY_TIMEOUT_MS: '20000', SEND_PROXY_PER_MINUTE: '200', SEND_PROXY_MAX_RESPONSE_BYTES: '1048576' })
    await signUpEmail(relay, 'holder@example.com')
    await signUpEmail(relay, 'other@example.com')
    token = (await signIn(relay, 'holder@example.com')).accessToken
    other = (await signIn(relay, 'other@example.com')).accessToken
  })
  afterAll(async () => {
    await relay?.close(true)
    await allowed?.close()
    await new Promise((done) => hostile?.close(done))
  })

  const send = (request: SendRequest, bearer = token) => call(`${relay.url}/v1/send`, { body: request, headers: { authorization: `Bearer ${bearer}` } })

  it('refuses IPv6 addresses that embed a private IPv4 address (IPv4-compatible, SIIT, local NAT64, 6to4, Teredo)', async () => {
    const targets = ['http://[::127.0.0.1]/', 'http://[::a00:1]/', 'http://[::ffff:0:a00:1]/', 'http://[64:ff9b:1::a00:1]/', 'http://[2002:a00:1::1]/', 'http://[2001:0:a00:1::1]/']
    for (const url of targets) {
      const answer = await send(sendRequest(url, { timeoutMs: 2000 }))
      expect(answer.status, url).toBe(200)
      expect(readAnswer(answer.body).failure?.code, url).toBe('refused_target')
    }
  })

  it('refuses the still-unexpired access token of a session that signed out', async () => {
    const session = await signIn(relay, 'holder@example.com')
    expect((await send(sendRequest(`${allowed.url}/echo`), session.accessToken)).status).toBe(200)
    const out = await call(`${relay.url}/v1/auth/logout`, { body: { refreshToken: session.refreshToken }, headers: { authorization: `Bearer ${session.accessToken}` } })
    expect(out.status).toBeLessThan(300)
    expect((await send(sendRequest(`${allowed.url}/echo`), session.accessToken)).status).toBe(401)
  })

  it('stops a compression bomb (gzip, br: 32 MB of zeros in a few KB) at the decoded size limit', async () => {
    for (const path of ['/gzip-bomb', '/br-bomb']) {
      const answer = readAnswer((await send(sendRequest(`${hostileUrl}${path}`))).body)
      expect(answer.failure?.code, path).toBe('too_large')
      expect(answer.body.byteLength, path).toBeLessThanOrEqual(1024 * 1024)
    }
  })

  it('refuses a response whose headers are larger than HTTP clients accept', async () => {
    const answer = readAnswer((await send(sendRequest(`${hostileUrl}/huge-header`))).body)
    expect(answer.head).toBeNull()
    expect(answer.failure?.code).toBe('bad_response')
  })

  it('ends a send whose target opens a tunnel (CONNECT) or switches protocols (Upgrade) with a sentence, not never', async () => {
    const tunnel = readAnswer((await send(sendRequest(`${hostileUrl}/`, { method: 'CONNECT' }))).body)
    expect(tunnel.failure?.code).toBe('bad_response')
    const upgrade = readAnswer((await send(sendRequest(`${hostileUrl}/`, { headers: [['Connection', 'Upgrade'], ['Upgrade', 'websocket']] }))).body)
    expect(upgrade.failure?.code).toBe('bad_response')
    expect(upgrade.failure?.message).toContain('switch')
  }, 10_000)

  it('bounds the sends one user holds open; others are not affected and a closed send frees its place', async () => {
    const held: ClientRequest[] = []
    const hold = () => {
      const outgoing = httpRequest(`${relay.url}/v1/send`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } })
      outgoing.on('error', () => undefined) // destroyed on purpose below
      outgoing.end(JSON.stringify(sendRequest(`${allowed.url}/silent`)))
      held.push(outgoing)
    }
    const silentHits = () => allowed.hits.filter((h) => h === 'GET /silent').length
    try {
      for (let i = 0; i < MAX_OPEN_SENDS_PER_USER; i++) hold()
      await expect.poll(silentHits, { timeout: 5000 }).toBe(MAX_OPEN_SENDS_PER_USER)
      const refused = await send(sendRequest(`${allowed.url}/echo`))
      expect(refused.status).toBe(429)
      expect(JSON.parse(refused.body.toString()).error.code).toBe('too_many_open_sends')
      // Another user's sends are theirs to count.
      expect((await send(sendRequest(`${allowed.url}/echo`), other)).status).toBe(200)
      held.pop()!.destroy()
      await expect.poll(async () => (await send(sendRequest(`${allowed.url}/echo`))).status, { timeout: 5000 }).toBe(200)
    } finally {
      for (const outgoing of held) outgoing.destroy()
    }
  })
})
