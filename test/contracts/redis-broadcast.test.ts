/**
 * `RedisBroadcast` against a real Redis: the Broadcast contract, plus what only a shared
 * channel can bring — strangers' messages. Garbage on a doc or control channel is logged and
 * dropped while delivery goes on; another prefix (deployment) is never heard.
 */
import { Writable } from 'node:stream'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import { docName } from '@ferry/protocol'
import { RedisBroadcast } from '../../relay/src/sync/redis-broadcast.ts'
import { skipRedis, testRedis, TEST_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.ts'
import { broadcastContract, listen, MARKER, untilMarker } from './broadcast.contract.ts'

/** A logger whose warnings land in `lines`. */
function capturingLog(): { log: FastifyBaseLogger; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write: (chunk, _encoding, done) => { lines.push(String(chunk)); done() } })
  return { log: pino({ level: 'warn' }, stream), lines }
}

async function openEndpoints(prefix: string, count: number, log = capturingLog().log): Promise<RedisBroadcast[]> {
  return Promise.all(Array.from({ length: count }, () => RedisBroadcast.open(TEST_REDIS_URL, prefix, log)))
}

describe.skipIf(skipRedis)('RedisBroadcast', () => {
  broadcastContract('redis', async () => {
    const prefix = uniqueRedisPrefix()
    const endpoints: RedisBroadcast[] = []
    return {
      async connect(count) {
        const created = await openEndpoints(prefix, count)
        endpoints.push(...created)
        return created
      },
      cleanup: async () => void (await Promise.all(endpoints.map((e) => e.close()))),
    }
  })

  const doc = docName('alice', 'workspace')
  const opened: RedisBroadcast[] = []
  const raw = testRedis()
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((e) => e.close()))
  })
  afterAll(async () => {
    await raw.quit()
  })

  it('logs and drops garbage on its channels, and delivery goes on', async () => {
    const prefix = uniqueRedisPrefix()
    const { log, lines } = capturingLog()
    const [a, b] = await openEndpoints(prefix, 2, log) as [RedisBroadcast, RedisBroadcast]
    opened.push(a, b)
    const heard = await listen(b, doc)
    const revoked: string[] = []
    b.onControl((message) => revoked.push(message.kind === 'revoke' ? message.grantId : message.kind === 'delete' || message.kind === 'close-viewers' ? message.doc : message.kind === 'delete-owned' ? message.owner : message.userId))
    const channel = `${prefix}doc:${doc}`
    for (const garbage of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(33, 1), Buffer.concat([Buffer.of(9), Buffer.alloc(40, 7)])]) {
      await raw.publish(channel, garbage)
    }
    for (const garbage of ['{', '[]', '{"kind":"revoke"}', '{"from":"x","kind":"revoke","grantId":42}']) {
      await raw.publish(`${prefix}control`, garbage)
    }
    a.publish(doc, new Uint8Array([1]))
    a.publish(doc, new Uint8Array(MARKER))
    a.publishControl({ kind: 'revoke', grantId: 'link:after-garbage' })
    await untilMarker(heard)
    expect(heard.frames.map((f) => f.bytes)).toEqual([[1], MARKER])
    await vi.waitFor(() => expect(revoked).toEqual(['link:after-garbage']), 5_000)
    // Every endpoint on the channel drops each piece of garbage: 4 + 4, twice over for the control channel.
    expect(lines.filter((l) => l.includes('malformed broadcast message'))).toHaveLength(4)
    expect(lines.filter((l) => l.includes('malformed control message'))).toHaveLength(8)
  })

  it('never hears another prefix (another deployment on the same Redis)', async () => {
    const ours = uniqueRedisPrefix()
    const [a] = await openEndpoints(uniqueRedisPrefix(), 1) as [RedisBroadcast]
    const [b, c] = await openEndpoints(ours, 2) as [RedisBroadcast, RedisBroadcast]
    opened.push(a, b, c)
    const heard = await listen(b, doc)
    a.publish(doc, new Uint8Array([1]))
    c.publish(doc, new Uint8Array(MARKER))
    await untilMarker(heard)
    expect(heard.frames.map((f) => f.bytes)).toEqual([MARKER])
  })

  it('after losing its subscriber connection, re-subscribes, says so (rooms ask again), and hears again', async () => {
    const prefix = uniqueRedisPrefix()
    const [a, b] = await openEndpoints(prefix, 2) as [RedisBroadcast, RedisBroadcast]
    opened.push(a, b)
    const heard = await listen(b, doc)
    let resumed = 0
    b.onResume(() => resumed++)
    const clients = String(await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
    const line = clients.split('\n').find((l) => l.includes(`name=${prefix}subscribe-${b.id.slice(0, 8)}`))
    const clientId = /\bid=(\d+)/.exec(line ?? '')?.[1]
    expect(clientId).toBeDefined()
    await raw.client('KILL', 'ID', clientId!)
    await vi.waitFor(() => expect(resumed).toBe(1), 10_000)
    a.publish(doc, new Uint8Array(MARKER))
    await untilMarker(heard)
  })

  it('refuses to open when Redis does not answer, and its ping fails once closed', async () => {
    await expect(RedisBroadcast.open('redis://127.0.0.1:1', 'x:', capturingLog().log)).rejects.toThrow(/not reachable/)
    const [a] = await openEndpoints(uniqueRedisPrefix(), 1) as [RedisBroadcast]
    await a.close()
    await expect(a.ping()).rejects.toThrow(/closed/)
  })
})
