import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MasterKey } from './keys.ts'

describe('MasterKey.docId', () => {
  it('names a doc the same every time, also after more docs than it remembers, and differently under another key', () => {
    const key = randomBytes(32)
    const master = new MasterKey(key)
    const first = master.docId('alice:collection:1')
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    const others = Array.from({ length: 10_000 }, (_, i) => master.docId(`alice:collection:x${i}`))
    expect(new Set(others).size).toBe(others.length)
    expect(master.docId('alice:collection:1')).toBe(first)
    expect(new MasterKey(key).docId('alice:collection:1')).toBe(first)
    expect(new MasterKey(randomBytes(32)).docId('alice:collection:1')).not.toBe(first)
    expect(master.docId('alice:collection:x9999')).toBe(others[9_999])
  })
})
