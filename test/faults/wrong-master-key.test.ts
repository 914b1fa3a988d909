/**
 * A relay on the files store started with a master key its documents were not sealed with —
 * a changed FERRY_MASTER_KEY, or a lost keys/master.key silently made anew — refuses to start
 * with a message saying what to do, instead of serving every document as empty. A data dir
 * from before the verifier existed is checked against one stored doc key.
 */
import { randomBytes } from 'node:crypto'
import { rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { processToken, spawnRelay, type RelayProcess } from '../helpers/relay-process.ts'
import { tempDataDir } from '../helpers/relay.ts'
import { rawClient, readStoredDoc, syncUrl } from '../helpers/sync-clients.ts'

const DOC = 'alice:environments'

async function store(relay: RelayProcess, token: string): Promise<void> {
  const writer = await rawClient(syncUrl(relay.wsUrl, DOC, token, true))
  await writer.next('sync-step1')
  const doc = new Y.Doc()
  doc.getMap('vars').set('v', 'kept')
  writer.send({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
  await writer.next('persisted')
  writer.close()
}

async function stop(relay: RelayProcess): Promise<void> {
  relay.child.kill('SIGTERM')
  await relay.exited
}

/** Starts the relay expecting it to refuse; resolves with what it printed. */
async function refused(dataDir: string, env: Record<string, string> = {}): Promise<string> {
  const error = await spawnRelay(dataDir, env).then(
    async (relay) => {
      await stop(relay)
      throw new Error('the relay started')
    },
    (err: Error) => err.message,
  )
  return error
}

async function readBack(relay: RelayProcess, token: string): Promise<string | undefined> {
  const doc = await readStoredDoc(relay.wsUrl, DOC, token)
  return doc.getMap('vars').get('v') as string | undefined
}

describe('a wrong master key', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('is refused when FERRY_MASTER_KEY changes or the generated key file is lost', async () => {
    const dataDir = tempDataDir()
    dirs.push(dataDir)
    const token = await processToken('alice', dataDir)
    const first = await spawnRelay(dataDir)
    await store(first, token)
    await stop(first)

    expect(await refused(dataDir, { FERRY_MASTER_KEY: randomBytes(32).toString('base64') })).toMatch(/different master key/)
    unlinkSync(join(dataDir, 'keys', 'master.key'))
    expect(await refused(dataDir)).toMatch(/different master key/)
  })

  it('checks a data dir from before the verifier against a stored doc key, then records it', async () => {
    const dataDir = tempDataDir()
    dirs.push(dataDir)
    const key = randomBytes(32).toString('base64')
    const token = await processToken('alice', dataDir)
    const first = await spawnRelay(dataDir, { FERRY_MASTER_KEY: key })
    await store(first, token)
    await stop(first)
    unlinkSync(join(dataDir, 'docs', 'master-key-verifier'))

    expect(await refused(dataDir, { FERRY_MASTER_KEY: randomBytes(32).toString('base64') })).toMatch(/different master key/)
    const again = await spawnRelay(dataDir, { FERRY_MASTER_KEY: key })
    expect(await readBack(again, token)).toBe('kept')
    await stop(again)
    expect(await refused(dataDir, { FERRY_MASTER_KEY: randomBytes(32).toString('base64') })).toMatch(/different master key/)
  })
})
