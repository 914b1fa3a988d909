import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Collection } from './collection.ts'
import { Environments } from './environments.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import { WorkspaceIndex } from './workspace.ts'

/** Syncs twice: a conflict is recorded by the losing device after it hears of the winner. */
const settle = (...docs: Y.Doc[]): void => {
  syncDocs(...docs)
  syncDocs(...docs)
}

/** Two replicas of one collection holding one request, in sync. */
function pair(): { a: Collection; b: Collection; id: string } {
  const a = new Collection(Object.assign(new Y.Doc(), { clientID: 1 }), { random: seededRandom(1) })
  const id = a.add({ kind: 'request', name: 'r', method: 'PUT', headers: [{ key: 'Accept', value: '*/*' }] })
  const b = new Collection(Object.assign(new Y.Doc(), { clientID: 2 }), { random: seededRandom(2) })
  syncDocs(a.doc, b.doc)
  return { a, b, id }
}

describe('conflicts on atomic fields', () => {
  it('the value that lost is recorded, seen on every device, and can be put back', () => {
    const { a, b, id } = pair()
    a.update(id, { method: 'PATCH' })
    b.update(id, { method: 'POST' })
    settle(a.doc, b.doc)
    const winner = a.get(id)!.kind === 'request' ? (a.get(id) as { method: string }).method : ''
    const loser = winner === 'POST' ? 'PATCH' : 'POST'
    expect(a.conflicts()).toEqual(b.conflicts())
    expect(a.conflicts()).toMatchObject([{ field: 'method', kind: 'value', mine: loser, theirs: winner, path: ['items', id, 'method'] }])
    expect(b.resolveConflict(a.conflicts()[0]!.id, 'mine')).toBe(true)
    syncDocs(a.doc, b.doc)
    for (const c of [a, b]) {
      expect(c.get(id)).toMatchObject({ method: loser })
      expect(c.conflicts()).toEqual([])
    }
  })

  it('no conflict when the later writer had seen the earlier value, or both chose the same', () => {
    const { a, b, id } = pair()
    a.update(id, { method: 'PATCH' })
    syncDocs(a.doc, b.doc)
    b.update(id, { method: 'POST' })
    b.update(id, { method: 'DELETE' })
    syncDocs(a.doc, b.doc)
    a.update(id, { bodyMode: 'raw' })
    b.update(id, { bodyMode: 'raw' })
    syncDocs(a.doc, b.doc)
    expect(a.get(id)).toMatchObject({ method: 'DELETE', body: { mode: 'raw' } })
    expect([...a.conflicts(), ...b.conflicts()]).toEqual([])
  })

  it('covers enabled flags, auth type, positions; texts beside them merge', () => {
    const { a, b, id } = pair()
    const folder = a.add({ kind: 'folder', name: 'f' })
    syncDocs(a.doc, b.doc)
    a.list(id, 'headers')!.update(0, { enabled: false, value: '*/* x' })
    b.list(id, 'headers')!.update(0, { enabled: true, key: 'Accept2' })
    b.list(id, 'headers')!.update(0, { enabled: false })
    b.list(id, 'headers')!.update(0, { enabled: true })
    a.update(id, { auth: { type: 'bearer', token: 'tok' } })
    b.update(id, { auth: { type: 'apikey', key: 'k', value: 'v', in: 'query' } })
    a.move(id, { parentId: folder })
    b.move(id, { parentId: null, index: 0 })
    settle(a.doc, b.doc)
    expect(a.conflicts()).toEqual(b.conflicts())
    const paths = a.conflicts().map((c) => c.path.join('/')).sort()
    expect(paths).toEqual([`items/${id}/auth`, `items/${id}/headers/0/enabled`, `items/${id}/position`])
    expect(a.get(id)).toMatchObject({ headers: [{ key: 'Accept2', value: '*/* x' }] })
    // Both auth types' texts are kept: switching back to the lost type finds its token.
    const auth = a.get(id)!.auth
    const other = auth.type === 'bearer' ? ({ type: 'apikey', key: 'k', value: 'v', in: 'query' } as const) : ({ type: 'bearer', token: 'tok' } as const)
    const conflict = a.conflicts().find((c) => c.field === 'auth')!
    a.resolveConflict(conflict.id, 'mine')
    expect(a.get(id)!.auth).toEqual(other)
  })

  it('a value its own device replaced before syncing is no lost value', () => {
    const { a, b, id } = pair()
    // B (the higher client id) wins; A changes its mind while apart, so its first value is gone
    // from A before anyone sees it (Yjs sends it without content).
    b.update(id, { method: 'PATCH' })
    a.update(id, { method: 'POST' })
    a.update(id, { method: 'DELETE' })
    settle(a.doc, b.doc)
    expect(b.get(id)).toMatchObject({ method: 'PATCH' })
    expect(b.conflicts()).toMatchObject([{ field: 'method', mine: 'DELETE', theirs: 'PATCH' }])
    expect(a.conflicts()).toEqual(b.conflicts())
  })

  it('a read-only replica records nothing', () => {
    const { a, id } = pair()
    const viewer = new Y.Doc()
    viewer.clientID = 3
    syncDocs(a.doc, viewer)
    const view = new Collection(viewer, { recordConflicts: false })
    const before = Y.encodeStateVector(viewer)
    a.update(id, { method: 'HEAD' })
    syncDocs(a.doc, viewer)
    expect(view.get(id)).toMatchObject({ method: 'HEAD' })
    expect(Y.encodeStateVector(viewer)).toEqual(Y.encodeStateVector(a.doc))
    expect(before).not.toEqual(Y.encodeStateVector(viewer))
  })
})

describe('conflicts elsewhere', () => {
  it('an encrypted variable value set on two devices keeps both ciphertexts to pick from', () => {
    const a = new Environments(Object.assign(new Y.Doc(), { clientID: 1 }))
    const env = a.add('Prod')
    const v = a.variables(env)!.add({ key: 'token', value: 'c0' })
    const b = new Environments(Object.assign(new Y.Doc(), { clientID: 2 }))
    syncDocs(a.doc, b.doc)
    a.variables(env)!.update(v, { value: 'cA' })
    b.variables(env)!.update(v, { value: 'cB' })
    settle(a.doc, b.doc)
    const [c] = a.conflicts()
    expect(a.conflicts()).toHaveLength(1)
    expect([c!.mine, c!.theirs].sort()).toEqual(['cA', 'cB'])
    expect(c!.path).toEqual(['environments', env, 'variables', v, 'value'])
    expect(a.variables(env)!.get(v)!.value).toBe(c!.theirs)
    b.resolveConflict(c!.id, 'mine')
    syncDocs(a.doc, b.doc)
    expect(a.variables(env)!.get(v)!.value).toBe(c!.mine)
  })

  it('the order of environments moved on two devices at once', () => {
    const a = new Environments(Object.assign(new Y.Doc(), { clientID: 1 }))
    const [x] = [a.add('x'), a.add('y'), a.add('z')]
    const b = new Environments(Object.assign(new Y.Doc(), { clientID: 2 }))
    syncDocs(a.doc, b.doc)
    a.move(x, 2)
    b.move(x, 1)
    settle(a.doc, b.doc)
    expect(a.conflicts()).toMatchObject([{ field: 'order', path: ['environments', x, 'order'] }])
  })

  it('collection order in the index', () => {
    const a = new WorkspaceIndex(Object.assign(new Y.Doc(), { clientID: 1 }))
    const [x] = [a.addCollection('x'), a.addCollection('y'), a.addCollection('z')]
    const b = new WorkspaceIndex(Object.assign(new Y.Doc(), { clientID: 2 }))
    syncDocs(a.doc, b.doc)
    a.moveCollection(x, 2)
    b.moveCollection(x, 1)
    settle(a.doc, b.doc)
    expect(a.conflicts()).toMatchObject([{ field: 'order' }])
  })
})

describe('deleting an item', () => {
  it('leaves none of its auth or v1 texts in the doc', () => {
    const { a, id } = pair()
    a.update(id, { auth: { type: 'bearer', token: 'sekrit-token' } })
    const legacy = a.add({ kind: 'request' })
    ;(a.doc.getMap('items').get(legacy) as Y.Map<unknown>).set('url', 'https://legacy.test/sekrit-url')
    a.text(legacy, 'url')!.insert(0, 'x')
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, Y.encodeStateAsUpdate(a.doc))
    const contents = (d: Y.Doc) => [...d.share.keys()].filter((k) => k.startsWith('v1:')).map((k) => d.getText(k).toString()).join('|')
    expect(contents(fresh)).toContain('sekrit-token')
    a.remove(id)
    a.remove(legacy)
    const after = new Y.Doc()
    Y.applyUpdate(after, Y.encodeStateAsUpdate(a.doc))
    expect(contents(after)).not.toContain('sekrit')
    expect(new TextDecoder().decode(Y.encodeStateAsUpdate(a.doc))).not.toContain('sekrit')
  })
})
