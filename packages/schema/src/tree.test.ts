import { describe, expect, it } from 'vitest'
import { resolveTree, type TreeEntry } from './tree.ts'

const folder = (id: string, parentId: string | null, order = 'a0'): TreeEntry => ({ id, parentId, order, isFolder: true })
const request = (id: string, parentId: string | null, order = 'a0'): TreeEntry => ({ id, parentId, order, isFolder: false })

const ids = (list: TreeEntry[] | undefined): string[] => (list ?? []).map((e) => e.id)

describe('resolveTree', () => {
  it('sorts children by order key, then id', () => {
    const t = resolveTree([request('b', null, 'a1'), request('c', null, 'a0'), request('a', null, 'a1')])
    expect(ids(t.children.get(null))).toEqual(['c', 'a', 'b'])
  })

  it('shows orphans (missing parent, or a request as parent) at the root', () => {
    const t = resolveTree([request('r', null), request('x', 'gone'), request('y', 'r')])
    expect(ids(t.children.get(null)).sort()).toEqual(['r', 'x', 'y'])
    expect(t.orphans.sort()).toEqual(['x', 'y'])
  })

  it('breaks a cycle at its smallest id, whatever order the entries come in', () => {
    const entries = [folder('m', 'k'), folder('k', 'z'), folder('z', 'm'), request('leaf', 'z')]
    for (const shuffled of [entries, [...entries].reverse(), [entries[2]!, entries[0]!, entries[3]!, entries[1]!]]) {
      const t = resolveTree(shuffled)
      expect(t.cycleBreaks).toEqual(['k'])
      expect(ids(t.children.get(null))).toEqual(['k'])
      expect(ids(t.children.get('k'))).toEqual(['m'])
      expect(ids(t.children.get('m'))).toEqual(['z'])
      expect(ids(t.children.get('z'))).toEqual(['leaf'])
    }
  })

  it('breaks a self-parented folder', () => {
    const t = resolveTree([folder('a', 'a')])
    expect(ids(t.children.get(null))).toEqual(['a'])
  })

  it('handles a chain 30,000 deep without recursion', () => {
    const entries = Array.from({ length: 30_000 }, (_, i) => folder(`f${i}`, i === 0 ? null : `f${i - 1}`))
    const t = resolveTree(entries)
    expect(t.parentOf.get('f29999')).toBe('f29998')
  })
})
