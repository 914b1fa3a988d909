/**
 * With TLS_CERT/TLS_KEY the relay serves HTTPS (and so WSS) itself. The certificate is a
 * self-signed one made by `openssl` for this test; the client trusts exactly that one.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, tempDataDir, type TestRelay } from '../helpers/relay.ts'

let relay: TestRelay
let ca: Buffer

beforeAll(async () => {
  const dir = tempDataDir()
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' })
  ca = readFileSync(cert)
  relay = await startRelay({ TLS_CERT: cert, TLS_KEY: key })
})
afterAll(async () => {
  await relay?.close(true)
})

function get(url: string, trusted: Buffer | undefined): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: trusted, rejectUnauthorized: true }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('TLS', () => {
  it('serves the API over HTTPS with the configured certificate', async () => {
    expect(relay.url.startsWith('https://')).toBe(true)
    expect(relay.config.publicUrl.startsWith('https://')).toBe(true)
    const response = await get(`${relay.url}/healthz`, ca)
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ ok: true })
    expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/)
  })

  it('is not reachable over plain HTTP, and an untrusted client refuses the certificate', async () => {
    await expect(fetch(relay.url.replace('https://', 'http://') + '/healthz')).rejects.toThrow()
    await expect(get(`${relay.url}/healthz`, undefined)).rejects.toThrow(/self[- ]signed/i)
  })
})
