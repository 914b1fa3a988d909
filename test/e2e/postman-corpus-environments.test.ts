/**
 * The environment files of the issue 13 corpus (real files from insomnia-importers and
 * Newman, materialised from npm into `.cache/postman-corpus/`, see test/helpers/postman-corpus.ts):
 * each is read from its bytes as the demo reads a picked file (byte order marks, UTF-16),
 * stored the way an import stores it, and exported back — the same file but for the export
 * stamp (and a name when the file had none).
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeText, readPostmanFiles } from '../../packages/client/src/index.ts'
import { Environments, parsePostmanText, writePostmanScope } from '../../packages/schema/src/index.ts'
import { materialiseCorpus, readCorpusManifest, type MaterialisedEntry } from '../helpers/postman-corpus.ts'

const environmentsInCorpus = readCorpusManifest().files.filter((f) => f.kind === 'environment')
let files = new Map<string, MaterialisedEntry>()

beforeAll(async () => {
  files = new Map((await materialiseCorpus({ kinds: ['environment'] })).map((e) => [e.name, e]))
}, 300_000)

describe('the corpus environment files', () => {
  it('has some', () => {
    expect(environmentsInCorpus.length).toBeGreaterThan(0)
  })

  it.each(environmentsInCorpus.map((f) => [f.name, f.exercises]))('%s (%s): read, stored and exported unchanged', (name) => {
    const entry = files.get(name)!
    const bytes = readFileSync(entry.file)
    const read = readPostmanFiles([{ name: `${name}.postman_environment.json`, bytes }])
    if (!read.ok) throw new Error(read.error.message)
    expect(read.value.kinds).toEqual(['environment'])
    const [scope] = read.value.batch.environments
    expect(scope).toBeDefined()

    const envs = new Environments(new Y.Doc())
    const id = envs.add(scope!.name, undefined, scope!.postman === null ? {} : { postman: scope!.postman })
    for (const v of scope!.variables) envs.variables(id)!.add(v)
    const stored = envs.get(id)!
    const exported = writePostmanScope('environment', { id, name: stored.name, ...(stored.postman === undefined ? {} : { postman: stored.postman }), variables: stored.variables, exportedAt: 'at', exportedUsing: 'Ferry/test' })

    const original = parsePostmanText(decodeText(bytes)!)
    if (!original.ok) throw new Error(original.error.message)
    const file = original.value as Record<string, unknown>
    const expected: Record<string, unknown> = { ...file, _postman_exported_at: 'at', _postman_exported_using: 'Ferry/test' }
    expected.id ??= id
    expected.name ??= scope!.name
    expected._postman_variable_scope ??= 'environment'
    expect(exported).toEqual(expected)
    // Every value came through in clear, and none sits in the stored Postman fields.
    for (const v of scope!.variables) if (v.value.length > 3) expect(v.postman).not.toContain(JSON.stringify(v.value))
  })
})
