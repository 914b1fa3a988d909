import * as syncProtocol from 'y-protocols/sync'
import * as authProtocol from 'y-protocols/auth'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage, type Message } from './messages.ts'

function stockSync(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('messages', () => {
  const doc = new Y.Doc()
  doc.getMap('m').set('k', 'v')

  it('decodes what the stock y-protocols encoders write', () => {
    const step1 = decodeMessage(stockSync((e) => syncProtocol.writeSyncStep1(e, doc)))
    expect(step1).toEqual({ ok: true, value: { type: 'sync-step1', stateVector: Y.encodeStateVector(doc) } })
    const update = Y.encodeStateAsUpdate(doc)
    expect(decodeMessage(stockSync((e) => syncProtocol.writeUpdate(e, update)))).toEqual({
      ok: true,
      value: { type: 'sync-update', update },
    })
    const auth = encoding.createEncoder()
    encoding.writeVarUint(auth, 2)
    authProtocol.writePermissionDenied(auth, 'read-only link')
    expect(decodeMessage(encoding.toUint8Array(auth))).toEqual({ ok: true, value: { type: 'auth-denied', reason: 'read-only link' } })
  })

  it('writes the bytes the stock y-protocols encoders write, for payloads of any length', () => {
    // Lengths around lib0's first chunk (100 bytes) and its var-uint steps (128, 16,384).
    for (const length of [0, 1, 96, 97, 98, 100, 127, 128, 129, 5_000, 16_383, 16_384, 300_000]) {
      const update = Uint8Array.from({ length }, (_, i) => (i * 31 + length) % 256)
      const stockStep2 = stockSync((e) => {
        encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2)
        encoding.writeVarUint8Array(e, update)
      })
      expect(encodeMessage({ type: 'sync-step2', update })).toEqual(stockStep2)
      expect(encodeMessage({ type: 'sync-update', update })).toEqual(stockSync((e) => syncProtocol.writeUpdate(e, update)))
    }
  })

  it('round-trips every message type', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const messages: Message[] = [
      { type: 'sync-step1', stateVector: bytes },
      { type: 'sync-step2', update: bytes },
      { type: 'sync-update', update: bytes },
      { type: 'awareness', update: bytes },
      { type: 'auth-denied', reason: 'nope ✋' },
      { type: 'query-awareness' },
      { type: 'persisted', stateVector: bytes },
    ]
    for (const message of messages) expect(decodeMessage(encodeMessage(message))).toEqual({ ok: true, value: message })
  })

  it('encodes persisted as type 100 followed by the state vector', () => {
    expect([...encodeMessage({ type: 'persisted', stateVector: new Uint8Array([7]) })]).toEqual([100, 1, 7])
  })

  it('rejects malformed frames with a code instead of throwing', () => {
    const cases: Array<[number[], string]> = [
      [[], 'empty'],
      [[0], 'truncated'],
      [[0, 2, 5, 1], 'truncated'],
      [[0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 'truncated'],
      [[0, 7, 0], 'unknown-type'],
      [[9], 'unknown-type'],
      [[0x80], 'truncated'],
      [[1, 1, 1, 1], 'trailing-bytes'],
      [[2, 0, 1, 0xff], 'bad-text'],
    ]
    for (const [bytes, code] of cases) {
      const result = decodeMessage(new Uint8Array(bytes))
      expect(result.ok ? 'ok' : result.error.code, `${bytes}`).toBe(code)
    }
  })

  it('never reads past the frame into the rest of its buffer', () => {
    const backing = new Uint8Array([0, 2, 4, 1, 2, 3, 4])
    expect(decodeMessage(backing.subarray(0, 5)).ok).toBe(false)
  })
})
