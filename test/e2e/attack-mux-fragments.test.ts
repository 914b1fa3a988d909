/**
 * Mux attack review: fragments of one byte. Reassembly bounds the bytes of a fragmented message
 * by its declared total (at most `MAX_REASSEMBLED_BYTES`), but kept every chunk as its own copy:
 * a chunk of one byte cost about 220 bytes of relay heap, so the default 64 MiB cap let one
 * socket pin about 14 GB (1 MB of one-byte chunks held 219 MB after GC). Chunks now go into one
 * buffer that grows up to the declared total, so what a sender pins is what it declared.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeDocFrame, encodeMessage } from '@ferry/protocol'
import { openRequest } from '../helpers/mux-client.ts'
import { col, textDoc, useMuxSuite } from '../helpers/mux-suite.ts'
import { covers, updateFrame } from '../helpers/sync-clients.ts'

const { relayWith, mux } = useMuxSuite()

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

it('one-byte fragments pin about what they declare, not 200× more; the message still arrives whole', async () => {
  const { relay, token } = await relayWith()
  const name = col('tiny-fragments')
  const client = await mux(relay, token)
  client.open([openRequest(name)])
  await client.control('opened')
  await client.doc(name, 'persisted') // the open's answer

  const ydoc = textDoc('x'.repeat(300_000))
  const frame = updateFrame(Y.encodeStateAsUpdate(ydoc))
  const sent = 200_000
  expect(frame.length).toBeGreaterThan(sent)
  const before = heapAfterGc()
  for (let index = 0; index < sent; index++) {
    const chunk = frame.subarray(index, index + 1)
    client.ws.send(encodeDocFrame(name, encodeMessage({ type: 'fragment', id: 1, index, count: frame.length, total: frame.length, chunk })))
    if (index % 20_000 === 0) await new Promise((resolve) => setTimeout(resolve, 0))
  }
  while (relay.app.sync.reassemblingBytes < sent) await new Promise((resolve) => setTimeout(resolve, 50))
  const pinned = heapAfterGc() - before
  // 200 KB of chunks: at most the declared total (~300 KB) plus slack, where each chunk cost ~220 bytes (~44 MB).
  expect(pinned).toBeLessThan(8 * 1024 * 1024)

  // The rest in one-byte fragments too: the update is applied and acknowledged.
  for (let index = sent; index < frame.length; index++) {
    client.ws.send(encodeDocFrame(name, encodeMessage({ type: 'fragment', id: 1, index, count: frame.length, total: frame.length, chunk: frame.subarray(index, index + 1) })))
  }
  const ack = await client.doc(name, 'persisted', 30_000)
  expect(covers(ack.stateVector, Y.encodeStateVector(ydoc))).toBe(true)
}, 120_000)
