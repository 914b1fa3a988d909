import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Environments } from './environments.ts'
import { seededRandom } from './test-random.ts'
import { syncDocs } from './test-sync.ts'
import type { Problem } from './validate.ts'

const envs = (seed: number, problems: Problem[] = []): Environments => {
  const doc = new Y.Doc()
  doc.clientID = seed
  return new Environments(doc, { random: seededRandom(seed), onProblem: (p) => problems.push(p) })
}

describe('Environments', () => {
  it('keeps environments with variables (key, opaque value, enabled, secret)', () => {
    const e = envs(1)
    const dev = e.add('Dev')
    const prod = e.add('Prod', 0)
    const vars = e.variables(dev)!
    const host = vars.add({ key: 'host', value: 'ciphertext-1' })
    const token = vars.add({ key: 'token', value: 'ciphertext-2', secret: true }, 0)
    vars.update(host, { enabled: false })
    e.rename(dev, 'Development')
    expect(e.list().map((x) => x.name)).toEqual(['Prod', 'Development'])
    expect(e.get(dev)!.variables).toMatchObject([
      { id: token, key: 'token', value: 'ciphertext-2', enabled: true, secret: true },
      { id: host, key: 'host', value: 'ciphertext-1', enabled: false, secret: false },
    ])
    vars.move(host, 0)
    expect(vars.list().map((v) => v.key)).toEqual(['host', 'token'])
    expect(vars.remove(token)).toBe(true)
    expect(e.remove(prod)).toBe(true)
    expect(e.list().map((x) => x.id)).toEqual([dev])
  })

  it('has globals without anyone creating them, and merges globals set on two offline devices', () => {
    const x = envs(2)
    const y = envs(3)
    x.globals.add({ key: 'a', value: '1' })
    y.globals.add({ key: 'b', value: '2' })
    syncDocs(x.doc, y.doc)
    expect(x.globals.list()).toEqual(y.globals.list())
    expect(x.globals.list().map((v) => v.key).sort()).toEqual(['a', 'b'])
  })

  it('merges concurrent edits of different fields of one variable', () => {
    const x = envs(4)
    const y = envs(5)
    const id = x.globals.add({ key: 'k', value: 'v' })
    syncDocs(x.doc, y.doc)
    x.globals.update(id, { key: 'renamed' })
    y.globals.update(id, { value: 'new value', secret: true })
    syncDocs(x.doc, y.doc)
    expect(x.globals.get(id)).toMatchObject({ key: 'renamed', value: 'new value', secret: true })
  })

  it('skips a malformed variable but keeps its environment', () => {
    const problems: Problem[] = []
    const e = envs(6, problems)
    const id = e.add('Dev')
    const vars = e.variables(id)!
    const good = vars.add({ key: 'ok' })
    const bad = vars.add({ key: 'bad' })
    ;((e.doc.getMap('environments').get(id) as Y.Map<unknown>).get('variables') as Y.Map<Y.Map<unknown>>).get(bad)!.set('secret', 'maybe')
    expect(e.get(id)!.variables.map((v) => v.id)).toEqual([good])
    expect(problems).toEqual([expect.objectContaining({ code: 'malformed_item', path: `environments/${id}/variables/${bad}` })])
  })
})
