import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { encodeMessage, type Message } from './messages.ts'
import { decodeMuxFrame, encodeControl, encodeDocFrame, encodeDocMessage, retryAfterSeconds, MAX_DOCS_PER_CONTROL } from './mux.ts'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)

describe('multiplexed frames', () => {
  it('round-trips every control message', () => {
    const messages = [
      { type: 'open', docs: [{ docName: 'u:index', stateVector: bytes(0), deleteSetHash: new Uint8Array(32).fill(7) }, { docName: 'u:collection:x', stateVector: bytes(), deleteSetHash: bytes() }] },
      { type: 'close', docs: ['u:collection:x'] },
      { type: 'opened', docs: ['u:index', 'u:environments'] },
      { type: 'refused', docName: 'u:collection:gone', code: 4410, reason: 'deleted' },
    ] as const
    for (const m of messages) expect(decodeMuxFrame(encodeControl(m))).toEqual({ ok: true, value: { channel: 'control', message: m } })
  })

  it('carries a doc message after its doc name', () => {
    const inner = encodeMessage({ type: 'sync-update', update: bytes(1, 2, 3) })
    const frame = decodeMuxFrame(encodeDocFrame('u:index', inner))
    expect(frame).toEqual({ ok: true, value: { channel: 'doc', docName: 'u:index', message: { type: 'sync-update', update: bytes(1, 2, 3) } } })
  })

  it('writes a doc frame as the doc name followed by the message, byte for byte, at any size', () => {
    for (const length of [0, 1, 90, 100, 128, 20_000]) {
      const message = Uint8Array.from({ length }, (_, i) => (i * 7) % 256)
      const stock = encoding.createEncoder()
      encoding.writeVarString(stock, 'u:collection:ü')
      encoding.writeUint8Array(stock, message)
      expect(encodeDocFrame('u:collection:ü', message)).toEqual(encoding.toUint8Array(stock))
    }
  })

  it('encodes a doc message in one step exactly as the message framed', () => {
    const payload = Uint8Array.from({ length: 20_000 }, (_, i) => i % 251)
    const messages: Message[] = [
      { type: 'sync-step1', stateVector: payload.subarray(0, 5) },
      { type: 'sync-step2', update: payload },
      { type: 'sync-update', update: payload.subarray(0, 99) },
      { type: 'persisted', stateVector: new Uint8Array() },
      { type: 'query-awareness' },
      { type: 'auth-denied', reason: 'read-only' },
    ]
    for (const message of messages) expect(encodeDocMessage('u:collection:c1', message)).toEqual(encodeDocFrame('u:collection:c1', encodeMessage(message)))
  })

  it('refuses malformed frames with a code, never throwing', () => {
    expect(decodeMuxFrame(bytes())).toMatchObject({ ok: false, error: { code: 'empty' } })
    expect(decodeMuxFrame(bytes(5, 0x61))).toMatchObject({ ok: false, error: { code: 'truncated' } })
    expect(decodeMuxFrame(bytes(0, 9))).toMatchObject({ ok: false, error: { code: 'unknown-type' } })
    expect(decodeMuxFrame(bytes(2, 0xff, 0xfe, 0))).toMatchObject({ ok: false, error: { code: 'bad-text' } })
    expect(decodeMuxFrame(new Uint8Array([...encodeControl({ type: 'close', docs: [] }), 1]))).toMatchObject({ ok: false, error: { code: 'trailing-bytes' } })
    const tooMany = encoding.createEncoder()
    encoding.writeVarString(tooMany, '')
    encoding.writeVarUint(tooMany, 1)
    encoding.writeVarUint(tooMany, MAX_DOCS_PER_CONTROL + 1)
    expect(decodeMuxFrame(encoding.toUint8Array(tooMany)).ok).toBe(false)
    for (let i = 0; i < 500; i++) {
      const random = new Uint8Array(1 + Math.floor(Math.random() * 40)).map(() => Math.floor(Math.random() * 256))
      expect(() => decodeMuxFrame(random)).not.toThrow()
    }
  })

  it('reads a retry-after from a close reason', () => {
    expect(retryAfterSeconds('too many connections; retry-after=7')).toBe(7)
    expect(retryAfterSeconds('too many connections')).toBeUndefined()
    // A relay naming days does not park the client that long.
    expect(retryAfterSeconds('busy; retry-after=999999')).toBe(3_600)
  })
})
