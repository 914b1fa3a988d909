import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection, Environments, WorkspaceIndex } from '@ferry/schema'
import { requestConflicts } from './collection-conflicts.ts'
import { environmentConflicts } from './environment-conflicts.ts'
import { indexConflicts } from './index-conflicts.ts'
import { plainValues } from './variable-values.ts'
import type { Workspace } from '@ferry/client'

/** Exchanges every missing update between the docs, twice (a loss is recorded once the loser hears of the winner). */
function settle(...docs: Y.Doc[]): void {
  for (let round = 0; round < 2; round++) {
    for (const from of docs) for (const to of docs) if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'sync')
  }
}

const docs = (): [Y.Doc, Y.Doc] => [Object.assign(new Y.Doc(), { clientID: 1 }), Object.assign(new Y.Doc(), { clientID: 2 })]

describe('conflict notices are placed by the record’s path', () => {
  it('a request’s method and a header row’s enabled flag show on that request only', () => {
    const [da, db] = docs()
    const a = new Collection(da)
    const id = a.add({ kind: 'request', name: 'r', method: 'PUT', headers: [{ key: 'A', value: '1' }, { key: 'B', value: '2' }] })
    const other = a.add({ kind: 'request', name: 'o', method: 'GET' })
    const b = new Collection(db)
    settle(da, db)
    a.update(id, { method: 'PATCH' })
    b.update(id, { method: 'POST' })
    a.list(id, 'headers')!.update(1, { enabled: false })
    b.list(id, 'headers')!.update(1, { enabled: false })
    b.list(id, 'headers')!.update(1, { enabled: true })
    settle(da, db)
    expect(requestConflicts(a, id).map((n) => n.what).sort()).toEqual(['Method', 'Row 2 of Headers enabled'])
    expect(requestConflicts(a, other)).toEqual([])
  })

  it('a variable’s enabled and secret flags and its place show in its environment’s editor, not elsewhere', async () => {
    const [da, db] = docs()
    const a = new Environments(da)
    const env = a.add('Prod')
    const other = a.add('Dev')
    const v = a.variables(env)!.add({ key: 'host' })
    a.variables(env)!.add({ key: 'port' })
    const b = new Environments(db)
    settle(da, db)
    a.variables(env)!.update(v, { enabled: false, secret: true })
    b.variables(env)!.update(v, { enabled: true, secret: false })
    b.variables(env)!.update(v, { enabled: false, secret: true })
    b.variables(env)!.update(v, { enabled: true, secret: false })
    a.variables(env)!.move(v, 1)
    b.variables(env)!.move(v, 2)
    settle(da, db)
    const values = plainValues({} as Workspace, a)
    const whats = (await environmentConflicts(values, env)).map((n) => n.what).sort()
    expect(whats).toEqual(['Enabled flag of host', 'Place of host', 'Secret mark of host'])
    expect(await environmentConflicts(values, other)).toEqual([])
    expect(await environmentConflicts(values, null)).toEqual([])
  })

  it('a global variable’s flag shows in the globals', async () => {
    const [da, db] = docs()
    const a = new Environments(da)
    const env = a.add('Prod')
    const g = a.globals.add({ key: 'token' })
    const b = new Environments(db)
    settle(da, db)
    a.globals.update(g, { enabled: false })
    b.globals.update(g, { enabled: false })
    b.globals.update(g, { enabled: true })
    settle(da, db)
    const values = plainValues({} as Workspace, a)
    expect((await environmentConflicts(values, null)).map((n) => n.what)).toEqual(['Enabled flag of token'])
    expect(await environmentConflicts(values, env)).toEqual([])
  })

  it('an environment’s own place shows in that environment’s editor', async () => {
    const [da, db] = docs()
    const a = new Environments(da)
    const env = a.add('Prod')
    a.add('Dev')
    a.add('Test')
    const b = new Environments(db)
    settle(da, db)
    a.move(env, 1)
    b.move(env, 2)
    settle(da, db)
    const values = plainValues({} as Workspace, a)
    expect((await environmentConflicts(values, env)).map((n) => n.what)).toEqual(['Place of this environment'])
  })

  it('a collection’s place in the index', () => {
    const [da, db] = docs()
    const a = new WorkspaceIndex(da)
    const id = a.addCollection('Users')
    a.addCollection('Pets')
    a.addCollection('Orders')
    const b = new WorkspaceIndex(db)
    settle(da, db)
    a.moveCollection(id, 1)
    b.moveCollection(id, 2)
    settle(da, db)
    const [notice] = indexConflicts(a)
    expect(notice?.what).toBe('Place of the collection Users')
    expect([notice?.mine, notice?.theirs].sort()).toEqual(['2nd', '3rd'])
  })
})
