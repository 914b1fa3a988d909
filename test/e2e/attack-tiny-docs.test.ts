/**
 * Storage accounting attacked with many tiny docs and with deletes of collections never
 * written. The quota used to count record bytes only: 1,000 one-character docs fit a 64 KiB
 * quota and took 13 MB and 2,000 files, and deletes (unlimited, never counted) left a
 * tombstone directory each. Now each doc and tombstone counts `DOC_OVERHEAD_BYTES`, and deletes
 * are limited per account.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '@ferry/protocol'
import { DOC_OVERHEAD_BYTES } from '../../relay/src/storage/usage.ts'
import { call } from '../helpers/http.ts'
import { openRequest } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux, seed } = useMuxSuite()
const QUOTA = 256 * 1024
/** Docs and tombstones the quota holds, however small. */
const MOST = Math.floor(QUOTA / DOC_OVERHEAD_BYTES)
const quota = { ACCOUNT_QUOTA_BYTES: String(QUOTA), UNCONFIRMED_ACCOUNT_QUOTA_BYTES: String(QUOTA) }

/** Doc directories in the data dir (`docs/<id[0..2]>/<id>`), tombstones included. */
function docDirs(dataDir: string): number {
  const root = join(dataDir, 'docs')
  return readdirSync(root)
    .filter((prefix) => /^[0-9a-f]{2}$/.test(prefix))
    .reduce((sum, prefix) => sum + readdirSync(join(root, prefix)).length, 0)
}

const del = (relay: { url: string }, token: string, id: string) => call(relay, 'DELETE', `/v1/docs/${encodeURIComponent(col(id))}`, token)

describe('many tiny docs', () => {
  it('one character each: the quota bounds how many docs an account stores, the rest are refused (4507)', { timeout: 60_000 }, async () => {
    const { relay, token } = await relayWith(quota)
    const names = Array.from({ length: 3 * MOST }, (_, i) => col(`tiny${i}`))
    const client = await mux(relay, token)
    client.open(names.map((name) => openRequest(name)))
    await client.control('opened')
    let stored = 0
    let refused = 0
    for (const name of names) {
      client.send(name, updateFrame(Y.encodeStateAsUpdate(textDoc('x'))))
      const answer = await Promise.race([
        client.refused(name).then((refusal) => refusal.code),
        client.doc(name, 'persisted').then(() => client.doc(name, 'persisted')).then(() => 'stored' as const),
      ])
      if (answer === 'stored') stored++
      else if (answer === CloseCode.QuotaExceeded) refused++
    }
    expect(stored).toBeLessThanOrEqual(MOST)
    expect(stored).toBeGreaterThanOrEqual(MOST - 2)
    expect(refused).toBe(names.length - stored)
    await relay.app.sync.flush()
    expect(docDirs(relay.dataDir)).toBe(stored)
  })
})

describe('deleting collections never written', () => {
  it('makes tombstones only while the quota has room for them (507 past it); a stored collection is still deleted', { timeout: 60_000 }, async () => {
    const { relay, token } = await relayWith({ ...quota, DOC_DELETES_PER_MINUTE: '1000' })
    await seed(relay, token, col('kept'), textDoc('content'))
    const answers: number[] = []
    for (let i = 0; i < 2 * MOST; i++) answers.push((await del(relay, token, `never${i}`)).status)
    const made = answers.filter((status) => status === 204).length
    expect(made).toBe(MOST - 1)
    expect(answers.slice(made).every((status) => status === 507)).toBe(true)
    // Deleting what is stored frees its bytes and needs no room: always answered.
    expect((await del(relay, token, 'kept')).status).toBe(204)
    expect(docDirs(relay.dataDir)).toBe(MOST)
    // Deleting an already deleted collection again makes nothing new.
    expect((await del(relay, token, 'never0')).status).toBe(204)
  })

  it('is limited per account: past DOC_DELETES_PER_MINUTE, 429 with Retry-After; another account is not held up', { timeout: 60_000 }, async () => {
    const { relay, token } = await relayWith({ DOC_DELETES_PER_MINUTE: '10', UNCONFIRMED_ACCOUNT_QUOTA_BYTES: '0' })
    const answers: number[] = []
    for (let i = 0; i < 15; i++) answers.push((await del(relay, token, `never${i}`)).status)
    expect(answers).toEqual([...Array<number>(10).fill(204), ...Array<number>(5).fill(429)])
    const limited = await fetch(`${relay.url}/v1/docs/${encodeURIComponent(col('more'))}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    const bob = await sessionToken(relay, 'bob')
    expect((await call(relay, 'DELETE', `/v1/docs/${encodeURIComponent('bob:collection:c1')}`, bob)).status).toBe(204)
    expect(docDirs(relay.dataDir)).toBe(11)
  })
})
