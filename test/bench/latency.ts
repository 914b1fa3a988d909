/**
 * Latency probes shared by the sync benchmarks: `persisted` round trips from one `ack=1`
 * socket (or one doc on a `/v1/mux` socket, as Ferry's client sends), plain round trips to the
 * same server (the floor an ack sits on), and a bare fdatasync on the same disk.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { encodeMessage, MessageType } from '@ferry/protocol'
import { muxClient, muxUrl, openRequest } from '../helpers/mux-client.ts'
import type { ServerHandle } from './fanout.ts'

export const LATENCY_SAMPLES = 300

export function openRaw(url: string): Promise<{ ws: WebSocket; next(type: number): Promise<Uint8Array> }> {
  const ws = new WebSocket(url)
  const received: Uint8Array[] = []
  const waiting: Array<{ type: number; resolve: (m: Uint8Array) => void }> = []
  const deliver = () => {
    for (let w = 0; w < waiting.length; w++) {
      const i = received.findIndex((m) => m[0] === waiting[w]!.type)
      if (i < 0) continue
      waiting.splice(w--, 1)[0]!.resolve(received.splice(i, 1)[0]!)
    }
  }
  ws.on('message', (data: Buffer) => {
    received.push(new Uint8Array(data))
    deliver()
  })
  const next = (type: number) =>
    new Promise<Uint8Array>((resolve) => {
      waiting.push({ type, resolve })
      deliver()
    })
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    ws.once('open', () => resolve({ ws, next }))
  })
}

/**
 * Update → `persisted` round trips from one `ack=1` socket. Back to back (`pauseMs` 0) every
 * update lands inside the previous commit's GROUP_COMMIT_MS window (2 ms) and waits for it;
 * paced like typing, each is committed at once.
 */
export async function persistedLatency(server: ServerHandle, pauseMs: number): Promise<number[]> {
  const client = await openRaw(`ws://127.0.0.1:${server.port}/v1/sync/bench:history?token=${server.token}&ack=1`)
  const samples = await ackLatency(pauseMs, (update) => {
    const acked = client.next(MessageType.Persisted)
    client.ws.send(encodeMessage({ type: 'sync-update', update }))
    return acked
  })
  client.ws.close()
  return samples
}

/** As `persistedLatency`, for one doc of a `/v1/mux` socket (the acks of Ferry's own client). */
export async function persistedLatencyMux(server: ServerHandle, pauseMs: number): Promise<number[]> {
  const name = 'bench:history'
  const client = await muxClient(muxUrl(`ws://127.0.0.1:${server.port}`, server.token))
  client.open([openRequest(name)])
  await client.control('opened')
  // The answer to the open ends with the relay's own `persisted`: not an ack of ours.
  await client.doc(name, 'persisted')
  const samples = await ackLatency(pauseMs, (update) => {
    const acked = client.doc(name, 'persisted')
    client.send(name, { type: 'sync-update', update })
    return acked
  })
  client.end()
  return samples
}

/**
 * `LATENCY_SAMPLES` edits of one small map, each timed from `send` (which starts waiting for
 * the ack before it sends, so none is missed) until the ack; `pauseMs` apart.
 */
async function ackLatency(pauseMs: number, send: (update: Uint8Array) => Promise<unknown>): Promise<number[]> {
  const doc = new Y.Doc()
  const samples: number[] = []
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    let update: Uint8Array = new Uint8Array()
    doc.once('update', (u: Uint8Array) => (update = u))
    doc.getMap('m').set('k', i)
    const start = performance.now()
    await send(update)
    samples.push(performance.now() - start)
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
  return samples
}

/**
 * The floor a durable ack sits on: a round trip to the same Ferry server that stores nothing
 * (sync step 1 answered by step 2 on the same small doc), paced like `persistedLatency`.
 */
export async function roundTripLatency(server: ServerHandle, pauseMs: number): Promise<number[]> {
  const client = await openRaw(`ws://127.0.0.1:${server.port}/v1/sync/bench:history?token=${server.token}`)
  await client.next(MessageType.Sync) // the server's own sync step 1
  const samples: number[] = []
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now()
    const answered = client.next(MessageType.Sync)
    client.ws.send(encodeMessage({ type: 'sync-step1', stateVector: new Uint8Array([0]) }))
    await answered
    samples.push(performance.now() - start)
    await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
  client.ws.close()
  return samples
}

export function fdatasyncLatency(dir: string): number[] {
  const fd = openSync(join(dir, 'fdatasync-probe'), 'a')
  const record = Buffer.alloc(64, 1)
  const samples: number[] = []
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now()
    writeSync(fd, record)
    fdatasyncSync(fd)
    samples.push(performance.now() - start)
  }
  closeSync(fd)
  return samples
}
