/**
 * Attack review of the account backup (issue 15): a restore running while the relay shuts
 * down. The relay refuses new sockets once it is shutting down, but `POST /v1/backup` kept
 * merging doc after doc into rooms it had already closed, so the shutdown waited for the whole
 * restore (73 s for 300 collections, measured; 4 s without the shutdown) — longer than a
 * deploy waits before killing the process. Now the docs not yet merged are refused ("the relay
 * is shutting down", to restore again), the answer comes at once, and every doc it reports
 * restored is there after the restart: acknowledged means stored. On files and PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { docName, encodeBackup, type BackupDoc, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { RELAY_BACKENDS } from '../helpers/postgres.ts'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { stopRelay } from '../helpers/restart-relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

const COLLECTIONS = 300

/** A file of another account with `COLLECTIONS` collections of one request each. */
function bigFile(): string {
  const index = new Y.Doc()
  const workspace = new WorkspaceIndex(index)
  const docs: BackupDoc[] = []
  for (let i = 0; i < COLLECTIONS; i++) {
    const id = `c${i}`
    workspace.addCollection(`Collection ${i}`, id)
    const doc = new Y.Doc()
    new Collection(doc).add({ kind: 'request', name: `Request ${i}`, method: 'GET', url: `https://api.example.com/${i}` })
    docs.push({ kind: 'collection', id, update: Y.encodeStateAsUpdate(doc) })
  }
  return encodeBackup({
    createdAt: new Date().toISOString(),
    source: { relay: null, accountId: 'someone-else' as UserId, email: null },
    profile: null,
    vault: null,
    docs: [{ kind: 'workspace', id: null, update: Y.encodeStateAsUpdate(index) }, ...docs],
  })
}

describe.each(RELAY_BACKENDS)('a restore during a shutdown on $name', (backend) => {
  const relays: TestRelay[] = []
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.close(true)
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  it.skipIf(backend.skip)('is answered at once with what was stored, the rest refused; what it reported restored survives the restart', async () => {
    const setup = await backend.env()
    cleanups.push(setup.cleanup)
    const relay = await startRelay(setup.env)
    const id = randomBytes(12).toString('base64url') as UserId
    await relay.stores.users.createUser({ id, email: `${id}@example.test`, name: 'Ada', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
    const token = await sessionToken(relay, id)

    // The shutdown starts once the first doc (the index) is stored, hundreds of docs before the end.
    let stopping: Promise<() => Promise<TestRelay>> | null = null
    const apply = relay.app.sync.applyUpdate.bind(relay.app.sync)
    relay.app.sync.applyUpdate = async (name, update) => {
      const outcome = await apply(name, update)
      stopping ??= stopRelay(relay, setup.env)
      return outcome
    }
    const response = await fetch(`${relay.url}/v1/backup`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: bigFile() })
    expect(response.status).toBe(200)
    const answer = (await response.json()) as { restored: { kind: string; id?: string }[]; skipped: { reason: string; message: string }[] }
    const restart = await stopping!

    expect(answer.restored.length).toBeGreaterThan(0)
    expect(answer.skipped.length).toBeGreaterThan(0)
    expect(answer.restored.length + answer.skipped.length).toBe(COLLECTIONS + 1)
    for (const skipped of answer.skipped) expect(skipped).toMatchObject({ reason: 'refused', message: 'The relay refused it: the relay is shutting down.' })

    const again = await restart()
    relays.push(again)
    for (const doc of answer.restored) {
      const stored = await again.stores.docs.load(doc.id === undefined ? docName(id, 'workspace') : docName(id, 'collection', doc.id))
      expect([doc, stored.seq > 0 || stored.snapshot !== null]).toEqual([doc, true])
    }
  })
})
