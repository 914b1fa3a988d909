import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { FRAGMENT_CHUNK_BYTES, FRAGMENT_OVERHEAD_BYTES, fragmentFrame, Reassembly } from './fragments.ts'
import { decodeMessage, encodeMessage, type FragmentMessage } from './messages.ts'

function bigUpdateFrame(bytes: number): Uint8Array {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, 'x'.repeat(bytes))
  return encodeMessage({ type: 'sync-update', update: Y.encodeStateAsUpdate(doc) })
}

function fragments(frames: Uint8Array[]): FragmentMessage[] {
  return frames.map((frame) => {
    const decoded = decodeMessage(frame)
    if (!decoded.ok || decoded.value.type !== 'fragment') throw new Error('not a fragment')
    return decoded.value
  })
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i])

const fragment = (over: Partial<FragmentMessage> = {}): FragmentMessage => ({
  type: 'fragment',
  id: 1,
  index: 0,
  count: 2,
  total: 4,
  chunk: new Uint8Array([1, 2]),
  ...over,
})

describe('fragment messages', () => {
  it('round-trip through the codec as type 101', () => {
    const message = fragment({ id: 300, index: 1, count: 3, total: 5, chunk: new Uint8Array([9, 8]) })
    const frame = encodeMessage(message)
    expect(frame[0]).toBe(101)
    expect(decodeMessage(frame)).toEqual({ ok: true, value: message })
  })

  it('reject inconsistent headers with bad-fragment and truncated ones with truncated, never throwing', () => {
    const cases: Array<[FragmentMessage, string]> = [
      [fragment({ count: 0 }), 'bad-fragment'],
      [fragment({ index: 2, count: 2 }), 'bad-fragment'],
      [fragment({ count: 5, total: 4 }), 'bad-fragment'],
      [fragment({ chunk: new Uint8Array(0) }), 'bad-fragment'],
      [fragment({ total: 1 }), 'bad-fragment'],
    ]
    for (const [message, code] of cases) {
      const result = decodeMessage(encodeMessage(message))
      expect(result.ok ? 'ok' : result.error.code, JSON.stringify({ ...message, chunk: [...message.chunk] })).toBe(code)
    }
    const whole = encodeMessage(fragment())
    for (let end = 1; end < whole.length; end++) {
      const result = decodeMessage(whole.subarray(0, end))
      expect(result.ok ? 'ok' : result.error.code).toBe('truncated')
    }
  })

  it('leave a frame that fits as it is, and split a larger one into chunks under the limit', () => {
    const small = encodeMessage({ type: 'sync-update', update: new Uint8Array([0, 0]) })
    expect(fragmentFrame(small, 1)).toEqual([small])
    const big = bigUpdateFrame(3 * FRAGMENT_CHUNK_BYTES + 10)
    const frames = fragmentFrame(big, 7)
    expect(frames).toHaveLength(4)
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(FRAGMENT_CHUNK_BYTES + FRAGMENT_OVERHEAD_BYTES)
    const parsed = fragments(frames)
    expect(parsed.map((f) => [f.id, f.index, f.count, f.total])).toEqual([0, 1, 2, 3].map((i) => [7, i, 4, big.length]))
  })
})

describe('reassembly', () => {
  it('gives back exactly the original frame once the last fragment arrived', () => {
    const big = bigUpdateFrame(300_000)
    const reassembly = new Reassembly(1024 * 1024)
    const parts = fragments(fragmentFrame(big, 3, 50_000))
    const results = parts.map((part) => reassembly.push(part))
    expect(results.slice(0, -1).every((r) => r.ok && r.value === null)).toBe(true)
    const last = results.at(-1)!
    expect(last.ok && sameBytes(last.value!, big)).toBe(true)
    expect(reassembly.inProgress).toBe(false)
    expect(reassembly.bufferedBytes).toBe(0)
    const decoded = decodeMessage(last.ok ? last.value! : new Uint8Array())
    expect(decoded.ok && decoded.value.type).toBe('sync-update')
  })

  it('refuses a frame declared over the cap at its first fragment, holding nothing', () => {
    const reassembly = new Reassembly(1000)
    const result = reassembly.push(fragment({ count: 2, total: 1001, chunk: new Uint8Array(500) }))
    expect(result.ok ? 'ok' : result.error.code).toBe('too-large')
    expect(reassembly.bufferedBytes).toBe(0)
  })

  it('never holds more than the declared total: extra bytes are an error', () => {
    const reassembly = new Reassembly(1000)
    expect(reassembly.push(fragment({ count: 3, total: 10, chunk: new Uint8Array(6) })).ok).toBe(true)
    const over = reassembly.push(fragment({ index: 1, count: 3, total: 10, chunk: new Uint8Array(6) }))
    expect(over.ok ? 'ok' : over.error.code).toBe('bad-length')
    expect(reassembly.bufferedBytes).toBe(0)
  })

  it('rejects gaps, repeats, mixed ids, short totals, interruptions and nested fragments', () => {
    const frame = bigUpdateFrame(1000)
    const [a, b, c] = fragments(fragmentFrame(frame, 5, Math.ceil(frame.length / 3)))
    const run = (steps: Array<FragmentMessage | 'other'>): string => {
      const reassembly = new Reassembly(10_000)
      for (const step of steps) {
        const result = step === 'other' ? reassembly.interrupt() : reassembly.push(step)
        if (!result.ok) return result.error.code
      }
      return 'ok'
    }
    expect(run([a!, b!, c!])).toBe('ok')
    expect(run([b!])).toBe('out-of-order')
    expect(run([a!, c!])).toBe('out-of-order')
    expect(run([a!, a!])).toBe('out-of-order')
    expect(run([a!, { ...b!, id: 6 }])).toBe('out-of-order')
    expect(run([a!, { ...b!, total: b!.total + 1 }])).toBe('out-of-order')
    expect(run([a!, 'other'])).toBe('interrupted')
    expect(run(['other', a!, b!, c!, 'other'])).toBe('ok')
    const short = fragment({ count: 2, total: 10, chunk: new Uint8Array(3) })
    expect(run([short, { ...short, index: 1 }])).toBe('bad-length')
    const nested = fragmentFrame(encodeMessage(fragment()), 9, 4)
    expect(run(fragments(nested))).toBe('bad-frame')
    const garbage = fragments(fragmentFrame(new Uint8Array(20).fill(250), 9, 10))
    expect(run(garbage)).toBe('bad-frame')
  })

  it('starts afresh after an error', () => {
    const reassembly = new Reassembly(100)
    expect(reassembly.push(fragment({ index: 1 })).ok).toBe(false)
    const small = encodeMessage({ type: 'sync-update', update: new Uint8Array([0, 0]) })
    const parts = fragments(fragmentFrame(small, 2, 2))
    const results = parts.map((p) => reassembly.push(p))
    const last = results.at(-1)!
    expect(last.ok && last.value).toEqual(small)
  })
})
