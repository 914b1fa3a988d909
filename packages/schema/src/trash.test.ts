import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Environments } from './environments.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import type { Problem } from './validate.ts'
import { WorkspaceIndex } from './workspace.ts'

const index = (seed: number, problems: Problem[] = []): WorkspaceIndex =>
  new WorkspaceIndex(Object.assign(new Y.Doc(), { clientID: seed }), { random: seededRandom(seed), onProblem: (p) => problems.push(p) })
const envs = (seed: number): Environments => new Environments(Object.assign(new Y.Doc(), { clientID: seed }), { random: seededRandom(seed) })

/** Syncs twice: a conflict is recorded by the losing device after it hears of the winner. */
const settle = (...docs: Y.Doc[]): void => {
  syncDocs(...docs)
  syncDocs(...docs)
}

const names = (list: { name: string }[]): string[] => list.map((e) => e.name)

/** Two devices of one account (seeds `seed`, `seed + 1`) that both hold collection `name`. */
function twoDevices(seed: number, name: string): { x: WorkspaceIndex; y: WorkspaceIndex; id: string } {
  const x = index(seed)
  const y = index(seed + 1)
  const id = x.addCollection(name)
  syncDocs(x.doc, y.doc)
  return { x, y, id }
}

describe('the trash of the workspace index', () => {
  it('hides a trashed collection from the list, lists it in the trash, and restores it at its place', () => {
    const w = index(1)
    const [a, b, c] = [w.addCollection('A'), w.addCollection('B'), w.addCollection('C')]
    expect(w.trashCollection(b, 1_000, 'Laptop')).toBe(true)
    expect(names(w.collections())).toEqual(['A', 'C'])
    expect(w.trashedCollections()).toEqual([expect.objectContaining({ id: b, name: 'B', trashedAt: 1_000, trashedBy: 'Laptop' })])
    expect(names(w.allCollections())).toEqual(['A', 'B', 'C'])
    // Trashing again keeps the first mark (the retention counts from the first delete).
    w.trashCollection(b, 5_000)
    expect(w.trashedCollections()[0]!.trashedAt).toBe(1_000)
    // Places count among the live collections: "second" is after A, wherever B sits.
    w.moveCollection(c, 0)
    w.addCollection('D', undefined, 1)
    expect(names(w.collections())).toEqual(['C', 'D', 'A'])
    expect(w.restoreCollection(b)).toBe(true)
    expect(w.trashedCollections()).toEqual([])
    expect(w.collections().map((e) => e.id)).toContain(b)
    expect(w.removeCollection(a)).toBe(true)
    expect(w.restoreCollection(a)).toBe(false)
    expect(w.trashCollection(a, 1)).toBe(false)
  })

  it('reads entries written before the trash as live, and a malformed mark as live with a problem', () => {
    const problems: Problem[] = []
    const w = index(2, problems)
    const id = w.addCollection('Old')
    expect(w.doc.getMap('collections').get(id)).toBeInstanceOf(Y.Map)
    expect((w.doc.getMap('collections').get(id) as Y.Map<unknown>).has('trashed')).toBe(false)
    expect(names(w.collections())).toEqual(['Old'])
    ;(w.doc.getMap('collections').get(id) as Y.Map<unknown>).set('trashed', { at: 'yesterday' })
    expect(names(w.collections())).toEqual(['Old'])
    expect(w.trashedCollections()).toEqual([])
    // Reported by each read, like every malformed field.
    expect(new Set(problems.map((p) => `${p.code} ${p.path}`))).toEqual(new Set([`malformed_item collections/${id}/trashed`]))
    expect(() => w.trashCollection(id, Number.NaN)).toThrow(RangeError)
  })

  it('syncs trash and restore to another device', () => {
    const { x, y, id } = twoDevices(3, 'Shared')
    x.trashCollection(id, 42)
    syncDocs(x.doc, y.doc)
    expect(y.collections()).toEqual([])
    expect(y.trashedCollections()).toMatchObject([{ id, trashedAt: 42 }])
    y.restoreCollection(id)
    syncDocs(x.doc, y.doc)
    expect(names(x.collections())).toEqual(['Shared'])
  })

  it('keeps a rename made offline while the collection was trashed elsewhere', () => {
    const { x, y, id } = twoDevices(5, 'Users')
    x.trashCollection(id, 7)
    y.renameCollection(id, 'Users v2')
    syncDocs(x.doc, y.doc)
    expect(x.trashedCollections()).toMatchObject([{ id, name: 'Users v2' }])
    x.restoreCollection(id)
    syncDocs(x.doc, y.doc)
    expect(names(y.collections())).toEqual(['Users v2'])
  })

  it('concurrent trash and restore: one wins on every device, the other is recorded as a conflict', () => {
    const { x, y, id } = twoDevices(7, 'Contested')
    // x trashes and restores (say, Undo); y, not having heard, trashes.
    x.trashCollection(id, 10)
    x.restoreCollection(id)
    y.trashCollection(id, 20)
    settle(x.doc, y.doc)
    const trashed = x.trashedCollections().length === 1
    expect(y.trashedCollections().length === 1).toBe(trashed)
    expect(x.conflicts()).toEqual(y.conflicts())
    expect(x.conflicts()).toMatchObject([{ path: ['collections', id, 'trashed'], mine: trashed ? null : { at: 20 }, theirs: trashed ? { at: 20 } : null }])
    // Putting the lost value back undoes the winner.
    x.resolveConflict(x.conflicts()[0]!.id, 'mine')
    syncDocs(x.doc, y.doc)
    expect(y.trashedCollections().length).toBe(trashed ? 0 : 1)
  })

  it('two devices trashing at different moments do not conflict', () => {
    const { x, y, id } = twoDevices(9, 'Twice')
    x.trashCollection(id, 1)
    y.trashCollection(id, 2)
    settle(x.doc, y.doc)
    expect(x.trashedCollections()).toHaveLength(1)
    expect([...x.conflicts(), ...y.conflicts()]).toEqual([])
  })

  it('keeps the retention a setting with a default of 30 days', () => {
    const w = index(11)
    expect(w.settings().trashRetentionDays).toBe(30)
    w.setSetting('trashRetentionDays', 7)
    expect(w.settings().trashRetentionDays).toBe(7)
    expect(() => w.setSetting('trashRetentionDays', 0)).toThrow()
  })
})

describe('the trash of environments', () => {
  it('hides a trashed environment, keeps its variables editable, and restores it with the edits', () => {
    const x = envs(20)
    const y = envs(21)
    const [dev, prod] = [x.add('Dev'), x.add('Prod')]
    const host = x.variables(prod)!.add({ key: 'host', value: 'sealed-1' })
    syncDocs(x.doc, y.doc)
    // y is offline: it edits a variable of Prod while x trashes Prod.
    y.variables(prod)!.update(host, { key: 'hostname', enabled: false })
    y.variables(prod)!.add({ key: 'port', value: 'sealed-2' })
    expect(x.trash(prod, 3_000, 'Phone')).toBe(true)
    expect(x.list().map((e) => e.id)).toEqual([dev])
    expect(x.get(prod)).toBeUndefined()
    syncDocs(x.doc, y.doc)
    expect(y.list().map((e) => e.id)).toEqual([dev])
    expect(x.trashed()).toMatchObject([{ id: prod, name: 'Prod', trashedAt: 3_000, trashedBy: 'Phone', variables: [{ key: 'hostname', enabled: false }, { key: 'port' }] }])
    expect(y.restore(prod)).toBe(true)
    syncDocs(x.doc, y.doc)
    expect(x.get(prod)!.variables.map((v) => v.key)).toEqual(['hostname', 'port'])
    expect(x.trashed()).toEqual([])
    expect(x.remove(dev)).toBe(true)
    expect(x.restore(dev)).toBe(false)
  })

  it('records a concurrent trash and restore of an environment as a conflict', () => {
    const x = envs(22)
    const y = envs(23)
    const id = x.add('Staging')
    syncDocs(x.doc, y.doc)
    x.trash(id, 1)
    x.restore(id)
    y.trash(id, 2)
    settle(x.doc, y.doc)
    expect(x.list().length).toBe(y.list().length)
    expect(x.conflicts()).toMatchObject([{ path: ['environments', id, 'trashed'] }])
  })
})
