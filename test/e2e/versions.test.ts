/**
 * Version history through a real relay, on files and on PostgreSQL: versions appear as a
 * collection is edited (with the writing session and a summary), diffs name the changed
 * fields, named versions survive the retention that prunes the others, versions are sealed at
 * rest, and only the owner reaches them (share-link viewers and other users are refused).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'
import { Collection } from '@ferry/schema'
import { useBackendRelay } from '../helpers/backend-relay.ts'
import type { TestRelay } from '../helpers/relay.ts'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { call, createUser, type TestUser } from '../helpers/links.ts'

const MARKER = 'plaintext-marker-7f3a'

const backends = RELAY_BACKENDS

/** Every file under `dir`, concatenated. */
function allBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? allBytes(path) : readFileSync(path)
  }))
}

describe.each(backends)('version history on $name', (backend) => {
  const served = useBackendRelay(backend)
  let relay: TestRelay

  async function start(env: Record<string, string>): Promise<{ owner: TestUser; doc: DocName; c: Collection }> {
    relay = await served.start(env)
    const owner = await createUser(relay)
    const doc = docName(owner.id, 'collection', 'api')
    const provider = await served.provider(doc, owner.token)
    return { owner, doc, c: new Collection(provider.doc) }
  }
  const path = (doc: DocName, rest = '') => `/v1/docs/${encodeURIComponent(doc)}/versions${rest}`
  const list = async (owner: TestUser, doc: DocName) => {
    const answer = await call(relay, 'GET', path(doc), owner.token)
    expect(answer.status).toBe(200)
    return answer.body.versions as Array<{ id: number; at: number; devices: string[]; summary: Record<string, number>; name: string | null }>
  }
  /** Waits until the relay lists `count` versions (they are taken once the edits are stored). */
  const versionsAfter = async (owner: TestUser, doc: DocName, count: number) => {
    let versions: Awaited<ReturnType<typeof list>> = []
    await vi.waitFor(async () => {
      versions = await list(owner, doc)
      expect(versions.length).toBeGreaterThanOrEqual(count)
    }, 10_000)
    return versions
  }

  it.skipIf(backend.skip)('lists versions as the collection is edited, with the session that wrote and what changed', async () => {
    const { owner, doc, c } = await start({ VERSION_INTERVAL_MS: '0' })
    const id = c.add({ kind: 'request', name: 'List users', url: 'https://api.test/users' })
    const [first] = await versionsAfter(owner, doc, 1)
    expect(first).toMatchObject({ summary: { added: 1, removed: 0, changed: 0 }, devices: [relay.app.accessTokens.verify(owner.token)!.sessionId], name: null })
    c.update(id, { url: 'https://api.test/users?page=2', method: 'POST' })
    const versions = await versionsAfter(owner, doc, 2)
    const last = versions.at(-1)!
    expect(last.summary).toEqual({ added: 0, removed: 0, changed: 1 })
    const diff = await call(relay, 'GET', path(doc, `/${first!.id}/diff/${last.id}`), owner.token)
    expect(diff.status).toBe(200)
    expect(diff.body.items).toEqual([{ id, kind: 'request', name: 'List users', change: 'changed', fields: ['method', 'url'] }])
    const state = await call(relay, 'GET', path(doc, `/${first!.id}`), owner.token)
    const then = new Y.Doc()
    Y.applyUpdate(then, Buffer.from(state.body.state, 'base64url'))
    expect(new Collection(then).get(id)).toMatchObject({ url: 'https://api.test/users', method: 'GET' })
    expect((await call(relay, 'GET', path(doc, '/999999'), owner.token)).status).toBe(404)
  })

  it.skipIf(backend.skip)('prunes unnamed versions past the retention and keeps named ones', async () => {
    const { owner, doc, c } = await start({ VERSION_INTERVAL_MS: '0', VERSION_RETENTION_MS: '1500' })
    const id = c.add({ kind: 'request', name: 'v1', url: 'https://api.test/v1' })
    const [named] = await versionsAfter(owner, doc, 1)
    expect((await call(relay, 'PUT', path(doc, `/${named!.id}/name`), owner.token, { name: 'before the v2 migration' })).status).toBe(204)
    c.update(id, { name: 'v2' })
    const [, unnamed] = await versionsAfter(owner, doc, 2)
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    c.update(id, { name: 'v3' })
    await vi.waitFor(async () => {
      const versions = await list(owner, doc)
      expect(versions.map((v) => v.id)).not.toContain(unnamed!.id)
      expect(versions[0]).toMatchObject({ id: named!.id, name: 'before the v2 migration' })
      expect(versions.length).toBe(2)
    }, 10_000)
    const state = await call(relay, 'GET', path(doc, `/${named!.id}`), owner.token)
    const then = new Y.Doc()
    Y.applyUpdate(then, Buffer.from(state.body.state, 'base64url'))
    expect(new Collection(then).get(id)).toMatchObject({ name: 'v1' })
  })

  it.skipIf(backend.skip)('keeps versions sealed at rest', async () => {
    const { owner, doc, c } = await start({ VERSION_INTERVAL_MS: '0' })
    c.add({ kind: 'request', name: MARKER, url: `https://${MARKER}.test` })
    await versionsAfter(owner, doc, 1)
    const taken = await call(relay, 'POST', path(doc), owner.token, { name: `${MARKER} named` })
    expect(taken.status).toBe(201)
    let stored: Buffer
    if (served.databaseUrl === null) stored = allBytes(relay.dataDir)
    else {
      const client = new pg.Client({ connectionString: served.databaseUrl })
      await client.connect()
      const { rows } = await client.query<{ meta: Buffer; state: Buffer }>('SELECT meta, state FROM ferry_doc_versions')
      await client.end()
      expect(rows.length).toBeGreaterThanOrEqual(2)
      stored = Buffer.concat(rows.flatMap((row) => [row.meta, row.state]))
    }
    expect(stored.length).toBeGreaterThan(0)
    expect(stored.includes(MARKER)).toBe(false)
  })

  it.skipIf(backend.skip)("refuses other users, share-link viewers and everyone without a token", async () => {
    const { owner, doc, c } = await start({ VERSION_INTERVAL_MS: '0' })
    c.add({ kind: 'request', name: 'Secret plans' })
    const [version] = await versionsAfter(owner, doc, 1)
    const other = await createUser(relay)
    const link = await call(relay, 'POST', '/v1/links', owner.token, { docName: doc })
    expect(link.status).toBe(201)
    const viewer = (await call(relay, 'GET', `/v1/links/resolve/${link.body.token}`)).body.viewerToken as string
    for (const rest of ['', `/${version!.id}`, `/${version!.id}/diff/${version!.id}`]) {
      expect((await call(relay, 'GET', path(doc, rest), other.token)).status).toBe(403)
      expect((await call(relay, 'GET', path(doc, rest), viewer)).status).toBe(401)
      expect((await call(relay, 'GET', path(doc, rest), link.body.token)).status).toBe(401)
      expect((await call(relay, 'GET', path(doc, rest))).status).toBe(401)
    }
    expect((await call(relay, 'PUT', path(doc, `/${version!.id}/name`), other.token, { name: 'mine now' })).status).toBe(403)
    expect((await call(relay, 'POST', path(doc), other.token, { name: 'mine now' })).status).toBe(403)
    expect((await call(relay, 'GET', path(docName(owner.id, 'workspace')), owner.token)).status).toBe(400)
    expect((await list(owner, doc))[0]!.name).toBeNull()
  })
})
