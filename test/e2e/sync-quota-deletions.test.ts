/**
 * The storage quota counts every update, deletions included: an update of nothing but a
 * delete set naming items no doc holds (kept by Yjs as pending, and stored) used to pass
 * unchecked, so an account could fill the disk far past its quota with them.
 */
import { randomInt } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { CloseCode } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'
import { rawClient, syncUrl, updateFrame } from '../helpers/sync-clients.ts'

const KiB = 1024
let relay: TestRelay
afterAll(async () => {
  await relay?.close(true)
})

/** A Yjs v1 update with no structs and a delete set of `ranges` ranges of a made-up client. */
function deleteSetOnly(ranges: number): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, 0) // no struct clients
  encoding.writeVarUint(e, 1) // one delete-set client
  encoding.writeVarUint(e, randomInt(1, 2 ** 31)) // a client nobody has
  encoding.writeVarUint(e, ranges)
  for (let i = 0; i < ranges; i++) {
    encoding.writeVarUint(e, 100_000 + i * 2) // clock
    encoding.writeVarUint(e, 1) // length
  }
  return encoding.toUint8Array(e)
}

it('an account cannot store more than its quota with updates that are only delete sets', { timeout: 60_000 }, async () => {
  const quota = 64 * KiB
  relay = await startRelay({ ACCOUNT_QUOTA_BYTES: String(quota) })
  const token = await sessionToken(relay, 'mallory')
  const socket = await rawClient(syncUrl(relay.wsUrl, 'mallory:workspace', token, true))
  await socket.next('sync-step1')
  let closed: number | undefined
  for (let i = 0; i < 16 && closed === undefined; i++) {
    socket.send(updateFrame(deleteSetOnly(8_000))) // ~ 40 KiB each
    const outcome = await Promise.race([socket.closed, socket.next('persisted', 10_000)])
    if (typeof outcome === 'number') closed = outcome
  }
  expect(closed).toBe(CloseCode.QuotaExceeded)
  await relay.app.sync.flush()
  // What the store holds for the account: its log segments and snapshots (not key files or folders).
  const stored = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return sum + stored(path)
      return /^(log-\d+|snapshot)$/.test(entry.name) ? sum + statSync(path).size : sum
    }, 0)
  // Each stored record adds ~45 bytes of framing to the update it holds.
  expect(stored(join(relay.dataDir, 'docs'))).toBeLessThanOrEqual(quota + 1024)
})
