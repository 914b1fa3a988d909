import { describe, expect, it } from 'vitest'
import { compareOrder, isOrderKey, keyAt, keyBetween } from './order.ts'
import { createId } from './random.ts'
import { seededRandom } from './test-random.ts'

describe('keyBetween', () => {
  const random = seededRandom(1)

  it('produces valid keys strictly between its bounds', () => {
    const first = keyBetween(null, null, random)
    const after = keyBetween(first, null, random)
    const before = keyBetween(null, first, random)
    const middle = keyBetween(before, first, random)
    for (const key of [first, after, before, middle]) expect(isOrderKey(key)).toBe(true)
    expect(before < middle && middle < first && first < after).toBe(true)
  })

  it('keeps keys short when appending or prepending thousands of times', () => {
    let last: string | null = null
    let first: string | null = null
    for (let i = 0; i < 5000; i++) last = keyBetween(last, null, random)
    for (let i = 0; i < 5000; i++) first = keyBetween(null, first, random)
    expect(last!.length).toBeLessThanOrEqual(8)
    expect(first!.length).toBeLessThanOrEqual(8)
  })

  it('stays ordered under many random insertions into a shrinking gap', () => {
    const keys: string[] = []
    const rnd = seededRandom(7)
    const pick = (n: number): number => rnd(new Uint8Array(1))[0]! % (n + 1)
    for (let i = 0; i < 2000; i++) {
      const at = pick(keys.length)
      const key = keyBetween(keys[at - 1] ?? null, keys[at] ?? null, random)
      keys.splice(at, 0, key)
    }
    expect([...keys].sort()).toEqual(keys)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.every(isOrderKey)).toBe(true)
  })

  it('gives two replicas inserting at the same spot different keys, both in the gap', () => {
    const a = keyBetween(null, null, random)
    const b = keyBetween(a, null, random)
    const x = keyBetween(a, b, seededRandom(100))
    const y = keyBetween(a, b, seededRandom(200))
    expect(x).not.toBe(y)
    for (const key of [x, y]) expect(a < key && key < b).toBe(true)
    // Later inserts between the two concurrent keys still work.
    const [lo, hi] = x < y ? [x, y] : [y, x]
    const z = keyBetween(lo, hi, random)
    expect(lo < z && z < hi).toBe(true)
  })

  it('rejects malformed or unordered bounds with a RangeError', () => {
    expect(() => keyBetween('a1', 'a0', random)).toThrow(RangeError)
    expect(() => keyBetween('not a key!', null, random)).toThrow(RangeError)
  })

  it('crosses integer-length boundaries in both directions', () => {
    expect(keyBetween('az', null, random).startsWith('b00')).toBe(true)
    expect(keyBetween(null, 'a0', random).startsWith('Zz')).toBe(true)
    expect(keyBetween(null, 'Z0', random).startsWith('Yzz')).toBe(true)
    expect(keyBetween('Yzz', null, random).startsWith('Z0')).toBe(true)
  })
})

describe('isOrderKey', () => {
  it('accepts generated keys and rejects what a peer should never write', () => {
    expect(isOrderKey('a0')).toBe(true)
    expect(isOrderKey('a0V')).toBe(true)
    for (const bad of ['', 'a', 'a00', 'b0', '0a', 'a0-', 42, null, 'a'.repeat(2000)]) expect(isOrderKey(bad)).toBe(false)
  })
})

describe('keyAt', () => {
  it('places at an index among sorted siblings, and after a run of equal keys', () => {
    const random = seededRandom(3)
    const siblings = [{ order: 'a0' }, { order: 'a1' }, { order: 'a1' }, { order: 'a3' }]
    const k = keyAt(siblings, 2, random)
    expect(k > 'a1' && k < 'a3').toBe(true)
    expect(keyAt(siblings, 99, random) > 'a3').toBe(true)
    expect(keyAt(siblings, 0, random) < 'a0').toBe(true)
  })
})

describe('compareOrder', () => {
  it('breaks equal keys by id', () => {
    const items = [{ order: 'a1', id: 'b' }, { order: 'a1', id: 'a' }, { order: 'a0', id: 'z' }]
    expect(items.sort(compareOrder).map((i) => i.id)).toEqual(['z', 'a', 'b'])
  })
})

describe('createId', () => {
  it('is 22 base64url characters and differs each call', () => {
    const a = createId()
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(createId()).not.toBe(a)
  })
})
