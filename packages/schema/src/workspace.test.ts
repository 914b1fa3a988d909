import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SchemaError } from './errors.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import type { Problem } from './validate.ts'
import { WorkspaceIndex } from './workspace.ts'

const index = (seed: number, problems: Problem[] = []): WorkspaceIndex => {
  const doc = new Y.Doc()
  doc.clientID = seed
  return new WorkspaceIndex(doc, { random: seededRandom(seed), onProblem: (p) => problems.push(p) })
}

describe('WorkspaceIndex', () => {
  it('lists, renames, reorders and removes collections', () => {
    const w = index(1)
    const a = w.addCollection('Alpha')
    const b = w.addCollection('Beta', 'given-id')
    expect(b).toBe('given-id')
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
    w.renameCollection(a, 'Alpha 2')
    w.moveCollection(b, 0)
    expect(w.collections().map((c) => [c.id, c.name])).toEqual([[b, 'Beta'], [a, 'Alpha 2']])
    expect(w.removeCollection(a)).toBe(true)
    expect(w.removeCollection(a)).toBe(false)
    expect(w.renameCollection(a, 'x')).toBe(false)
    expect(w.collections().map((c) => c.id)).toEqual([b])
  })

  it('keeps collections both devices added offline', () => {
    const x = index(2)
    const y = index(3)
    x.addCollection('from x')
    y.addCollection('from y')
    syncDocs(x.doc, y.doc)
    expect(x.collections()).toEqual(y.collections())
    expect(x.collections().map((c) => c.name).sort()).toEqual(['from x', 'from y'])
  })

  it('keeps header presets as named, editable header lists', () => {
    const w = index(4)
    const id = w.addHeaderPreset('JSON', [{ key: 'Accept', value: 'application/json' }])
    w.presetHeaders(id)!.insert({ key: 'Content-Type', value: 'application/json', enabled: false })
    w.renameHeaderPreset(id, 'JSON API')
    expect(w.headerPresets()).toMatchObject([
      { id, name: 'JSON API', headers: [{ key: 'Accept', value: 'application/json', enabled: true }, { key: 'Content-Type', value: 'application/json', enabled: false }] },
    ])
    expect(w.removeHeaderPreset(id)).toBe(true)
    expect(w.presetHeaders(id)).toBeUndefined()
  })

  it('reads settings with defaults, refuses invalid writes and falls back on invalid stored values', () => {
    const problems: Problem[] = []
    const w = index(5, problems)
    expect(w.settings().historyLimit).toBe(5000)
    w.setSetting('historyLimit', 200)
    expect(w.settings().historyLimit).toBe(200)
    expect(() => w.setSetting('historyLimit', -1)).toThrow(SchemaError)
    w.doc.getMap('settings').set('followRedirects', 'yes')
    expect(w.settings().followRedirects).toBe(true)
    expect(problems).toEqual([expect.objectContaining({ code: 'malformed_setting', path: 'settings/followRedirects' })])
  })

  it('skips and reports malformed entries a peer wrote', () => {
    const problems: Problem[] = []
    const w = index(6, problems)
    const ok = w.addCollection('ok')
    const collections = w.doc.getMap('collections')
    collections.set('not-a-map', 5)
    const noName = new Y.Map()
    collections.set('no-name', noName)
    noName.set('order', 'a5')
    const badOrder = new Y.Map()
    collections.set('bad-order', badOrder)
    badOrder.set('name', 'x')
    badOrder.set('order', '!!')
    expect(w.collections().map((c) => c.id)).toEqual([ok])
    expect(problems.map((p) => p.path).sort()).toEqual(['collections/bad-order', 'collections/no-name', 'collections/not-a-map'])
  })
})
