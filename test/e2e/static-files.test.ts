import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../relay/src/app.ts'
import { testConfig } from '../helpers/relay.ts'

let app: FastifyInstance

beforeAll(async () => {
  const demoDir = mkdtempSync(join(tmpdir(), 'ferry-demo-'))
  mkdirSync(join(demoDir, 'assets'))
  writeFileSync(join(demoDir, 'index.html'), '<!doctype html><title>Ferry</title>')
  writeFileSync(join(demoDir, 'assets', 'main-abc123.js'), 'console.log(1)')
  writeFileSync(join(demoDir, 'sw.js'), 'self.x = 1')
  app = await buildApp(testConfig({ FERRY_DEMO_DIR: demoDir }))
})
afterAll(async () => app.close())

describe('demo static files', () => {
  it('serves index.html at / and for client-side routes', async () => {
    for (const url of ['/', '/collections/abc', '/reset?token=x']) {
      const res = await app.inject({ url })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      expect(res.headers['cache-control']).toBe('no-cache')
      expect(res.body).toContain('<title>Ferry</title>')
    }
  })

  it('serves hashed assets as immutable and other files revalidated', async () => {
    const asset = await app.inject({ url: '/assets/main-abc123.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    const sw = await app.inject({ url: '/sw.js' })
    expect(sw.body).toBe('self.x = 1')
    expect(sw.headers['cache-control']).toBe('no-cache')
  })

  it('keeps unknown API routes a JSON 404 and never leaves the demo dir', async () => {
    const api = await app.inject({ url: '/v1/nothing-here' })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ error: { code: 'not_found' } })
    const escape = await app.inject({ url: '/..%2f..%2fetc%2fpasswd' })
    expect(escape.body).toContain('<title>Ferry</title>')
    expect((await app.inject({ url: '/healthz' })).json()).toMatchObject({ ok: true })
  })
})
