import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import type { FolderNode } from './model.ts'
import { seededRandom } from './test-random.ts'
import type { Problem } from './validate.ts'

/** What a buggy or hostile peer might write straight into the doc. */
function hostile(): { c: Collection; problems: Problem[]; good: string; folder: string; child: string } {
  const problems: Problem[] = []
  const c = new Collection(new Y.Doc(), { random: seededRandom(9), onProblem: (p) => problems.push(p) })
  const good = c.add({ kind: 'request', name: 'good', headers: [{ key: 'A', value: '1' }] })
  const folder = c.add({ kind: 'folder', name: 'folder' })
  const child = c.add({ kind: 'request', name: 'child' }, { parentId: folder })
  return { c, problems, good, folder, child }
}

const raw = (c: Collection, id: string): Y.Map<unknown> => c.doc.getMap('items').get(id) as Y.Map<unknown>

describe('Collection reads of malformed content', () => {
  it.each([
    ['a non-map entry', (c: Collection, id: string) => c.doc.getMap('items').set(id, { kind: 'request' })],
    ['a wrong kind', (c: Collection, id: string) => raw(c, id).set('kind', 'script')],
    ['a method of the wrong type', (c: Collection, id: string) => raw(c, id).set('method', 42)],
    ['a missing name', (c: Collection, id: string) => raw(c, id).delete('name')],
    ['a string where the body text should be', (c: Collection, id: string) => raw(c, id).set('bodyRaw', 'plain')],
    ['a broken position', (c: Collection, id: string) => raw(c, id).set('position', { parentId: 7, order: 'a0' })],
    ['an invalid order key', (c: Collection, id: string) => raw(c, id).set('position', { parentId: null, order: '' })],
    ['unknown auth', (c: Collection, id: string) => raw(c, id).set('auth', { type: 'oauth9' })],
    ['an unknown body mode', (c: Collection, id: string) => raw(c, id).set('bodyMode', 'graphql')],
  ])('skips and reports %s without throwing', (_, corrupt) => {
    const { c, problems, good, folder, child } = hostile()
    const victim = c.add({ kind: 'request', name: 'victim' })
    corrupt(c, victim)
    const tree = c.tree()
    expect(problems).toEqual([expect.objectContaining({ code: 'malformed_item', path: `items/${victim}` })])
    expect(tree.map((n) => n.id)).toEqual([good, folder])
    expect((tree[1] as FolderNode).children.map((n) => n.id)).toEqual([child])
  })

  it('skips one malformed header row and keeps the request', () => {
    const { c, problems, good } = hostile()
    const headers = raw(c, good).get('headers') as Y.Array<unknown>
    headers.push(['not a row'])
    const row = new Y.Map()
    headers.push([row])
    row.set('key', 'B')
    expect(c.get(good)).toMatchObject({ headers: [{ key: 'A', value: '1', enabled: true }] })
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['malformed_row', `items/${good}/headers/1`],
      ['malformed_row', `items/${good}/headers/2`],
    ])
    expect(c.list(good, 'headers')!.rows().map((r) => r.index)).toEqual([0])
  })

  it('shows the children of a malformed folder at the root', () => {
    const { c, problems, good, folder, child } = hostile()
    raw(c, folder).set('name', null)
    expect(c.tree().map((n) => n.id).sort()).toEqual([good, child].sort())
    expect(problems.map((p) => p.code).sort()).toEqual(['malformed_item', 'orphan_rehomed'])
  })

  it('treats malformed collection auth as none', () => {
    const { c, problems } = hostile()
    c.doc.getMap('meta').set('auth', 'bearer xyz')
    expect(c.auth()).toEqual({ type: 'none' })
    expect(problems).toHaveLength(1)
  })

  it('lets the user delete a malformed item', () => {
    const { c, good } = hostile()
    raw(c, good).set('kind', 1)
    expect(c.remove(good)).toEqual([good])
    expect(c.doc.getMap('items').has(good)).toBe(false)
  })
})
