import { describe, expect, it } from 'vitest'
import oldDump from '../fixtures/postman-env/old-app.postman_dump.json'
import staging from '../fixtures/postman-env/staging.postman_environment.json'
import globals from '../fixtures/postman-env/workspace.postman_globals.json'
import { mergeBatches, parsePostmanText, readPostmanArchive, readPostmanJson, type PostmanBatch } from './files.ts'

function batchOf(json: unknown, name?: string): { kind: string; batch: PostmanBatch } {
  const result = readPostmanJson(json, name)
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

const collection = { info: { name: 'Pets', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [] }

describe('reading a Postman file', () => {
  it('parses JSON after a byte order mark, and says when a file is empty, cut short or not JSON', () => {
    expect(parsePostmanText('\uFEFF{"a":1}')).toEqual({ ok: true, value: { a: 1 } })
    const cases: [string, string, RegExp][] = [
      ['', 'empty', /is empty/],
      ['\uFEFF  \n', 'empty', /is empty/],
      [JSON.stringify(staging).slice(0, 120), 'truncated', /ends in the middle of its JSON/],
      ['{"values": [', 'truncated', /cut short/],
      ['{\n  "name": "x",\n  oops\n}', 'not_json', /is not JSON \(line 3, column 3\)/],
      ['name=Staging', 'not_json', /is not JSON/],
    ]
    for (const [text, code, message] of cases) {
      const result = parsePostmanText(text, '"env.json"')
      expect(result.ok, text).toBe(false)
      if (!result.ok) {
        expect(result.error.code, text).toBe(code)
        expect(result.error.message).toMatch(message)
        expect(result.error.message).toMatch(/^"env\.json"/)
      }
    }
  })

  it('tells collections, environments, globals and dumps apart', () => {
    expect(batchOf(collection).kind).toBe('collection')
    expect(batchOf(collection).batch.collections).toEqual([{ name: 'Pets', json: collection, source: 'This file' }])
    expect(batchOf(staging).kind).toBe('environment')
    expect(batchOf(globals).kind).toBe('globals')
    expect(batchOf([{ key: 'a', value: '1' }]).kind).toBe('globals')
    expect(batchOf(oldDump).kind).toBe('dump')
    // A file without a scope marker that has values (an environment inside a dump, other tools) is an environment.
    expect(batchOf({ name: 'Loose', values: [] }).kind).toBe('environment')
    // What the Postman API answers: { collection }, { environment }.
    expect(batchOf({ collection }).kind).toBe('collection')
    expect(batchOf({ environment: staging }).batch.environments[0]!.name).toBe('Staging')
    // A file without a name is named after the file.
    expect(batchOf({ values: [] }, 'qa.postman_environment.json').batch.environments[0]!.name).toBe('qa')
  })

  it('refuses v1 collections, unknown JSON and wrong types with a sentence that says what to do', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ id: 'x', name: 'Old', order: [], requests: [] }, 'v1_collection', /Collection v1, the format Postman used before 2016.*export it as Collection v2\.1/],
      [{ hello: 1 }, 'not_postman', /This is not a Postman collection, environment, globals or data dump file/],
      [42, 'not_postman', /holds 42/],
      [[], 'empty', /empty list/],
      [{ version: 2, collections: [] }, 'unsupported_version', /version 2; Ferry reads version 1/],
      [{ version: 1, collections: {} }, 'wrong_type', /"collections" is \{\}, not a list/],
      [{ version: 1, environments: [{ name: 'E', values: [{ key: 'k', enabled: 1 }] }] }, 'wrong_type', /environment 1: variable 1 \("k"\): "enabled" is 1/],
      [{ version: 1, headerPresets: [{ name: 'P', headers: [{ value: 'x' }] }] }, 'wrong_type', /header preset 1 \("P"\): header 1 has no text "key"/],
    ]
    for (const [json, code, message] of cases) {
      const result = readPostmanJson(json, 'in.json')
      expect(result.ok, JSON.stringify(json)).toBe(false)
      if (!result.ok) {
        expect(result.error.code).toBe(code)
        expect(result.error.message).toMatch(message)
      }
    }
  })

  it('reads an old app data dump: v2 collections, v1 ones reported by name, environments, globals (both places), header presets', () => {
    const { batch } = batchOf(oldDump, 'Backup.postman_dump.json')
    expect(batch.collections.map((c) => c.name)).toEqual(['Inventory'])
    expect(batch.notImported).toEqual([{ what: 'collection', name: 'Legacy Orders', reason: expect.stringMatching(/Collection v1/) }])
    expect(batch.environments.map((e) => [e.name, e.id, e.variables.map((v) => [v.key, v.secret])])).toEqual([
      ['Local', 'b2e9f4c7-0d3a-4b8e-8c61-9f2a7e5d1c30', [['host', false], ['password', true]]],
    ])
    // Kept for export: the old app's bookkeeping fields.
    expect(JSON.parse(batch.environments[0]!.postman!)).toMatchObject({ timestamp: 1467030123456, synced: false, values: [] })
    expect(batch.globals.map((g) => [g.name, g.variables.map((v) => v.key)])).toEqual([['My Workspace - globals', ['region']], ['Globals', ['tenant']]])
    expect(batch.headerPresets).toEqual([{
      name: 'JSON API',
      headers: [
        { key: 'Content-Type', value: 'application/json', enabled: true, kept: { description: '' } },
        { key: 'X-Client', value: 'postman', enabled: false, kept: { description: 'who calls' } },
      ],
      notKept: [],
    }])
  })

  it('leaves a second value of a variable (a current value) out of the doc and names it', () => {
    const file = { name: 'Prod', values: [{ key: 'token', value: 'initial', currentValue: 'live-secret-123', enabled: true }, { key: 'x', value: '1', currentValue: '' }] }
    const { batch } = batchOf(file)
    expect(batch.environments[0]!.variables[0]!.value).toBe('initial')
    expect(batch.environments[0]!.variables[0]!.postman).not.toContain('live-secret-123')
    expect(batch.environments[0]!.variables[1]!.postman).not.toContain('currentValue')
    expect(batch.notImported).toEqual([{ what: 'field', name: 'Prod / token / currentValue', reason: expect.stringMatching(/one value per variable/) }])
  })

  it('lists dump fields it does not keep, by name', () => {
    const { batch } = batchOf({ version: 1, collections: [], environments: [], history: [] })
    expect(batch.notImported).toEqual([{ what: 'field', name: 'history', reason: expect.any(String) }])
  })

  it("reads the zip Postman exports now: collection/ and environment/ folders, environments without a scope", () => {
    const env = { id: 'cf9c', name: 'Project Env', values: [{ key: 'token', value: 'qwer', enabled: true, type: 'secret' }] }
    const result = readPostmanArchive([
      { path: 'd7f1-export/', text: null },
      { path: 'd7f1-export/archive.json', text: JSON.stringify({ collection: { c1: true }, environment: { cf9c: true } }) },
      { path: 'd7f1-export/collection/c1.json', text: JSON.stringify(collection) },
      { path: 'd7f1-export/environment/cf9c.json', text: `\uFEFF${JSON.stringify(env)}` },
      { path: 'd7f1-export/globals/g.json', text: JSON.stringify({ values: [{ key: 'g', value: '1' }] }) },
      { path: '__MACOSX/d7f1-export/._c1.json', text: 'junk' },
      { path: 'd7f1-export/README.txt', text: 'hello' },
    ], 'export.zip')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.collections.map((c) => [c.name, c.source])).toEqual([['Pets', 'd7f1-export/collection/c1.json']])
    expect(result.value.environments.map((e) => [e.scope, e.name, e.variables[0]!.secret])).toEqual([['environment', 'Project Env', true]])
    expect(result.value.globals.map((g) => g.variables[0]!.key)).toEqual(['g'])
    expect(result.value.notImported).toEqual([{ what: 'file', name: 'd7f1-export/README.txt', reason: expect.any(String) }])
  })

  it('refuses a zip with a broken entry (naming it) or with nothing of Postman in it', () => {
    const broken = readPostmanArchive([
      { path: 'x/collection/c1.json', text: JSON.stringify(collection) },
      { path: 'x/environment/e.json', text: '{"name": "E", "values": [' },
    ], 'export.zip')
    expect(broken).toMatchObject({ ok: false, error: { code: 'truncated', message: expect.stringMatching(/^"export\.zip": x\/environment\/e\.json ends in the middle/) } })
    const wrong = readPostmanArchive([{ path: 'x/environment/e.json', text: '{"name": "E", "values": [{"key": 1}]}' }], 'export.zip')
    expect(wrong).toMatchObject({ ok: false, error: { code: 'wrong_type', message: expect.stringMatching(/x\/environment\/e\.json: variable 1 has the key 1/) } })
    const other = readPostmanArchive([{ path: 'photos/cat.jpg', text: null }], 'cats.zip')
    expect(other).toMatchObject({ ok: false, error: { code: 'not_postman', message: expect.stringMatching(/"cats\.zip" holds no Postman export/) } })
  })

  it('merges the batches of several files in order', () => {
    const merged = mergeBatches([batchOf(staging).batch, batchOf(globals).batch, batchOf(collection).batch])
    expect([merged.environments.length, merged.globals.length, merged.collections.length]).toEqual([1, 1, 1])
  })
})
