import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Environments } from '../environments.ts'
import staging from '../fixtures/postman-env/staging.postman_environment.json'
import globals from '../fixtures/postman-env/workspace.postman_globals.json'
import legacyGlobals from '../fixtures/postman-env/legacy.postman_globals.json'
import newman3 from '../fixtures/postman-env/newman3-globals.json'
import { postmanFileName, postmanIdOf, readPostmanScope, writePostmanScope, type PostmanScope, type PostmanScopeKind } from './environment.ts'
import { seededRandom } from '../test-random.ts'
import type { Problem } from '../validate.ts'

const STAMP = { exportedAt: '2025-01-02T03:04:05.000Z', exportedUsing: 'Ferry/0.1.0' }

function read(json: unknown, kind?: PostmanScopeKind): PostmanScope {
  const result = readPostmanScope(json, kind ? { kind } : {})
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

/** Stores a read scope in an `Environments` doc the way the client does (values in clear here), then exports it back. */
function roundTrip(json: unknown, kind?: PostmanScopeKind): Record<string, unknown> {
  const scope = read(json, kind)
  const envs = new Environments(new Y.Doc(), { random: seededRandom(7) })
  let set = envs.globals
  let name = scope.name
  let postman: string | undefined
  if (scope.scope === 'environment') {
    const id = envs.add(scope.name, undefined, scope.postman === null ? {} : { postman: scope.postman })
    set = envs.variables(id)!
    name = envs.get(id)!.name
    postman = envs.get(id)!.postman
  } else if (scope.postman !== null) {
    envs.setGlobalsPostman(scope.postman)
    postman = envs.globalsPostman()
  }
  for (const v of scope.variables) set.add(v)
  return writePostmanScope(scope.scope, { id: 'ferry-id', name, ...(postman === undefined ? {} : { postman }), variables: set.list(), ...STAMP })
}

const restamped = (json: Record<string, unknown>) => ({ ...json, _postman_exported_at: STAMP.exportedAt, _postman_exported_using: STAMP.exportedUsing })

describe('Postman environment and globals files', () => {
  it('reads an environment: keys, values in clear, enabled, and type "secret" as a secret', () => {
    const scope = read(staging)
    expect(scope).toMatchObject({ scope: 'environment', id: '5f1c2a9e-3b7d-4c61-9a0e-7d2b8c4f6a13', name: 'Staging' })
    expect(scope.variables.map(({ key, value, enabled, secret }) => ({ key, value, enabled, secret }))).toEqual([
      { key: 'baseUrl', value: 'https://staging.api.example.com', enabled: true, secret: false },
      { key: 'apiKey', value: 'sk_test_4f9a1c77e2b04d', enabled: true, secret: true },
      { key: 'legacyHost', value: 'http://10.0.0.12:8080', enabled: false, secret: false },
      { key: 'note', value: '', enabled: true, secret: false },
    ])
  })

  it('never puts a value into the stored Postman fields', () => {
    for (const file of [staging, globals, newman3, legacyGlobals]) {
      const scope = read(file)
      for (const v of scope.variables) {
        if (v.value !== '') expect(v.postman).not.toContain(v.value)
        expect(JSON.parse(v.postman)).not.toHaveProperty('value', v.value === '' ? 'anything' : v.value)
      }
    }
    expect(read(staging).postman).not.toContain('sk_test_4f9a1c77e2b04d')
  })

  it('exports an imported environment unchanged but for the export stamp, field order included', () => {
    const exported = roundTrip(staging)
    expect(exported).toEqual(restamped(staging))
    expect(JSON.stringify(exported, null, '\t')).toBe(JSON.stringify(restamped(staging), null, '\t'))
  })

  it('exports imported globals unchanged, a number value staying a number', () => {
    const exported = roundTrip(globals)
    expect(exported).toEqual(restamped(globals))
    expect(JSON.stringify(exported)).toBe(JSON.stringify(restamped(globals)))
    expect((exported.values as { value: unknown }[])[2]!.value).toBe(3)
  })

  it('reads old globals: a bare list (before 2016) and Newman 3 files with "name" for the key and "disabled"', () => {
    const legacy = read(legacyGlobals)
    expect(legacy).toMatchObject({ scope: 'globals', id: null, postman: null })
    expect(legacy.variables.map((v) => [v.key, v.value, v.enabled])).toEqual([['host', 'localhost:3000', true], ['debug', 'true', false]])
    const old = read(newman3, 'globals')
    expect(old.scope).toBe('globals')
    expect(old.variables.map((v) => [v.key, v.value, v.enabled])).toEqual([['runId', '42-a', true], ['lastStatus', '200', false]])
    const exported = roundTrip(newman3, 'globals')
    // Written in today's shape (a key, the scope), everything the file had kept.
    expect(exported.values).toEqual([
      { key: 'runId', id: 'runId', name: 'runId', value: '42-a', type: 'text' },
      { key: 'lastStatus', id: 'lastStatus', name: 'lastStatus', value: 200, type: 'number', disabled: true },
    ])
    expect(exported).toMatchObject({ _postman_variable_scope: 'globals', id: 'ferry-id', name: 'Globals' })
    expect(roundTrip(legacyGlobals).values).toEqual(legacyGlobals)
  })

  it('keeps values of every JSON type and fields Ferry does not model', () => {
    const file = {
      id: 'e1', name: 'Types', _postman_variable_scope: 'environment', owner: '12345', isPublic: false,
      values: [
        { key: 'n', value: 1.5, type: 'any', enabled: true },
        { key: 'b', value: false, type: 'any', enabled: true },
        { key: 'z', value: null, type: 'any', enabled: true },
        { key: 'o', value: { a: [1, 'two'] }, type: 'any', enabled: true },
        { key: 'd', value: 'x', type: 'default', enabled: true, description: { content: 'doc', type: 'text/markdown' }, id: 'var-1', system: false },
        { key: 'nothing' },
      ],
    }
    const exported = roundTrip(file)
    expect(exported).toEqual({ ...file, _postman_exported_at: STAMP.exportedAt, _postman_exported_using: STAMP.exportedUsing })
  })

  it("exports Ferry's own key, value, enabled and secret over what was imported", () => {
    const scope = read(staging)
    const variables = scope.variables.map((v) => ({ ...v }))
    variables[0]!.key = 'apiBase'
    variables[1]!.secret = false
    variables[2]!.enabled = true
    variables[3]!.secret = true
    variables[3]!.value = 'now set'
    const written = writePostmanScope('environment', { id: 'x', name: 'Renamed', postman: scope.postman!, variables, ...STAMP })
    expect(written).toMatchObject({ id: '5f1c2a9e-3b7d-4c61-9a0e-7d2b8c4f6a13', name: 'Renamed' })
    expect(written.values).toEqual([
      { key: 'apiBase', value: 'https://staging.api.example.com', type: 'default', enabled: true },
      { key: 'apiKey', value: 'sk_test_4f9a1c77e2b04d', type: 'default', enabled: true },
      { key: 'legacyHost', value: 'http://10.0.0.12:8080', type: 'default', enabled: true },
      { key: 'note', value: 'now set', type: 'secret', description: "Filled in by the login request's test script", enabled: true },
    ])
    // A JSON value edited into plain text is written as text.
    const typed = read({ values: [{ key: 'n', value: 3 }] })
    expect(writePostmanScope('environment', { id: 'x', name: 'n', variables: [{ ...typed.variables[0]!, value: 'three' }], ...STAMP }).values).toEqual([{ key: 'n', value: 'three' }])
    expect(writePostmanScope('environment', { id: 'x', name: 'n', variables: [{ ...typed.variables[0]!, value: '4' }], ...STAMP }).values).toEqual([{ key: 'n', value: 4 }])
  })

  it('writes variables made in Ferry as Postman does, with the scope and the export stamp', () => {
    const written = writePostmanScope('globals', {
      id: 'g-1', name: 'Globals', ...STAMP,
      variables: [{ key: 'a', value: '1', enabled: true, secret: false }, { key: 's', value: '', enabled: false, secret: true }],
    })
    expect(written).toEqual({
      id: 'g-1', name: 'Globals',
      values: [{ key: 'a', value: '1', type: 'default', enabled: true }, { key: 's', value: '', type: 'secret', enabled: false }],
      _postman_variable_scope: 'globals', _postman_exported_at: STAMP.exportedAt, _postman_exported_using: 'Ferry/0.1.0',
    })
    expect(Object.keys(written)).toEqual(['id', 'name', 'values', '_postman_variable_scope', '_postman_exported_at', '_postman_exported_using'])
  })

  it('refuses a file it cannot read whole, naming the variable and the problem', () => {
    const bad: [unknown, RegExp][] = [
      [{ name: 'E', values: [{ key: 'ok', value: '1' }, { key: 5, value: '2' }] }, /variable 2 has the key 5; a key must be text/],
      [{ name: 'E', values: [{ key: 'token', value: 'x', enabled: 'yes' }] }, /variable 1 \("token"\): "enabled" is "yes", not true or false/],
      [{ name: 'E', values: [{ key: 'token', value: 'x', type: 7 }] }, /"type" is 7, not text/],
      [{ name: 'E', values: [{ value: 'x' }] }, /variable 1 has no "key"/],
      [{ name: 'E', values: ['host=1'] }, /variable 1 is "host=1", not an object/],
      [{ name: 'E', values: { host: '1' } }, /no list of variables \("values" is \{"host":"1"\}\)/],
      [{ name: 'E' }, /"values" is missing/],
      [{ name: 7, values: [] }, /the name is 7, not text/],
      [{ id: 42, name: 'E', values: [] }, /the id is 42, not text/],
      [{ name: 'E', values: [], _postman_variable_scope: 'collection' }, /scope "collection"/],
      ['text', /not a Postman environment or globals file/],
    ]
    for (const [json, message] of bad) {
      const result = readPostmanScope(json)
      expect(result.ok, JSON.stringify(json)).toBe(false)
      if (!result.ok) expect(result.error.message).toMatch(message)
    }
  })

  it('names files like Postman and finds a stored Postman id', () => {
    expect(postmanFileName('environment', 'Staging / EU')).toBe('Staging _ EU.postman_environment.json')
    expect(postmanFileName('globals', '')).toBe('globals.postman_globals.json')
    expect(postmanIdOf(read(staging).postman!)).toBe('5f1c2a9e-3b7d-4c61-9a0e-7d2b8c4f6a13')
    expect(postmanIdOf(undefined)).toBeNull()
    expect(postmanIdOf('not json')).toBeNull()
  })
})

describe('Environments: the Postman fields', () => {
  it('stores them per variable, per environment and for the globals, and removes them on request', () => {
    const envs = new Environments(new Y.Doc(), { random: seededRandom(3) })
    const id = envs.add('Dev', undefined, { id: 'env-chosen-id', postman: '{"id":"p1"}' })
    expect(id).toBe('env-chosen-id')
    expect(envs.get(id)).toMatchObject({ name: 'Dev', postman: '{"id":"p1"}' })
    const vars = envs.variables(id)!
    const v = vars.add({ key: 'k', value: 'c', postman: '{"type":"any"}' }, undefined, 'var-chosen-id')
    expect(v).toBe('var-chosen-id')
    expect(vars.get(v)).toMatchObject({ key: 'k', postman: '{"type":"any"}' })
    vars.update(v, { postman: null })
    expect(vars.get(v)).not.toHaveProperty('postman')
    envs.setPostman(id, null)
    expect(envs.get(id)).not.toHaveProperty('postman')
    expect(envs.globalsPostman()).toBeUndefined()
    envs.setGlobalsPostman('{"name":"G"}')
    expect(envs.globalsPostman()).toBe('{"name":"G"}')
    // Variables and environments made without them read exactly as before.
    const plain = envs.globals.add({ key: 'a' })
    expect(envs.globals.get(plain)).toEqual({ id: plain, order: expect.any(String), key: 'a', value: '', enabled: true, secret: false })
  })

  it('skips a variable whose Postman fields are not a string, like any malformed field', () => {
    const problems: Problem[] = []
    const envs = new Environments(new Y.Doc(), { onProblem: (p) => problems.push(p) })
    const id = envs.globals.add({ key: 'k' })
    ;(envs.doc.getMap('globals').get(id) as Y.Map<unknown>).set('postman', 42)
    expect(envs.globals.list()).toEqual([])
    expect(problems).toEqual([expect.objectContaining({ code: 'malformed_item', message: 'field "postman" is not a string' })])
  })
})
