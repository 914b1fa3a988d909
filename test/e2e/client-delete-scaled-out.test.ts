/**
 * Deleting a collection with two relays on PostgreSQL and Redis: deleted through one relay,
 * it closes with 4410 on a device connected to the other one, a device that edited it offline
 * through that other relay cannot bring it back, and the database keeps nothing of it but the
 * tombstone row (no key, no record, no snapshot).
 */
import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { CloseCode, docName } from '@ferry/protocol'
import { loadMasterKey, MasterKey } from '../../relay/src/storage/keys.ts'
import { inSync, PASSWORD, signUp } from '../helpers/client-app.ts'
import { createDevice } from '../helpers/client-devices.ts'
import { call } from '../helpers/http.ts'
import { skipScaledOut, useScaledOut } from '../helpers/scaled-out.ts'
import { readDoc } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

describe.skipIf(skipScaledOut)('deleting a collection on two relays (PostgreSQL + Redis)', { timeout: 90_000 }, () => {
  const scaled = useScaledOut()
  const { relay, client } = scaled

  it('reaches devices on the other relay, keeps offline edits out, and leaves only a tombstone row', async () => {
    const [a, b] = [await relay(), await relay()]
    const email = await signUp(a, 'hana')
    const laptop = await client(a, createDevice('laptop'))
    const { id: userId } = await laptop.signIn(email, PASSWORD)
    const keep = await laptop.workspace.createCollection('Keep')
    const drop = await laptop.workspace.createCollection('Drop')
    ;(await laptop.workspace.collection(drop)).add({ kind: 'request', name: 'doomed' })
    await inSync(laptop)
    const doc = docName(userId, 'collection', drop)
    const devices = [createDevice('phone'), createDevice('tablet')] as const
    const [phone, tablet] = [await client(b, devices[0]), await client(b, devices[1])]
    for (const app of [phone, tablet]) {
      await app.signIn(email, PASSWORD)
      await vi.waitFor(async () => expect((await app.workspace.collection(drop)).tree()).toHaveLength(1), { timeout: 10_000 })
      await inSync(app)
    }
    await tablet.setSyncEnabled(false)
    ;(await tablet.workspace.collection(drop)).add({ kind: 'request', name: 'edited offline' })

    // Through relay a alone: the phone on relay b hears of it only by its socket's 4410.
    expect((await call(a, 'DELETE', `/v1/docs/${doc}`, await sessionToken(a, userId))).status).toBe(204)
    await vi.waitFor(() => expect(phone.workspace.index.collections().map((c) => c.id)).toEqual([keep]), { timeout: 10_000 })
    await vi.waitFor(async () => expect(await devices[0].storedDocs(userId)).not.toContain(doc), { timeout: 10_000 })
    await tablet.setSyncEnabled(true)
    await vi.waitFor(async () => expect(await devices[1].storedDocs(userId)).not.toContain(doc), { timeout: 10_000 })
    await vi.waitFor(() => expect(tablet.workspace.index.collections().map((c) => c.id)).toEqual([keep]), { timeout: 10_000 })
    await inSync(tablet)

    const fresh = await relay()
    expect(await readDoc(fresh.wsUrl, doc, await sessionToken(fresh, userId))).toBe(CloseCode.Gone)
    expect(await readDoc(b.wsUrl, doc, await sessionToken(b, userId))).toBe(CloseCode.Gone)
    const id = Buffer.from(new MasterKey(loadMasterKey(a.config)).docId(doc), 'hex')
    const db = new pg.Client({ connectionString: scaled.schema.url })
    await db.connect()
    try {
      const count = async (table: string) => (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE doc_id = $1`, [id])).rows[0].n
      expect(await count('ferry_doc_records')).toBe(0)
      expect(await count('ferry_doc_snapshots')).toBe(0)
      expect((await db.query('SELECT data_key, deleted_at IS NOT NULL AS gone FROM ferry_docs WHERE doc_id = $1', [id])).rows).toEqual([
        { data_key: null, gone: true },
      ])
    } finally {
      await db.end()
    }
  })
})
