/**
 * Issue 13 ("Postman, losslessly"): every collection of the corpus — real collections written
 * by others, pinned in packages/schema/src/fixtures/postman/corpus.json and materialised from
 * the npm registry into .cache/postman-corpus/ (test/helpers/postman-corpus.ts) — is imported
 * into a fresh Y.Doc, synced to a second doc as a Yjs update, exported from there, validated
 * against the official Postman Collection v2.1.0 schema with ajv, and compared with the
 * original after both are normalised by the official `postman-collection` SDK: 0 lost and
 * 0 changed per file (test/helpers/postman-compare.ts). The raw JSON comparison is reported,
 * not asserted (a v2.0 file is written back as v2.1).
 *
 * The corpus needs the npm registry on the first run (then it is cached); without it the
 * suite fails in beforeAll with a message saying so — it never skips.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Collection, type TreeNode } from '@ferry/schema'
import {
  collectionSchema,
  compareRoundTrip,
  describeDiff,
  diff,
  emptyDiff,
  exportOf,
  formatOf,
  isObject,
  parseCollectionText,
  roundTrip,
  toJson,
  type Json,
  type JsonObject,
  type SchemaCheck,
} from '../helpers/postman-compare.ts'
import { CORPUS_CACHE, materialiseCorpus, readCorpusManifest, type MaterialisedEntry } from '../helpers/postman-corpus.ts'

const manifest = readCorpusManifest()
const collections = manifest.files.filter((f) => f.kind === 'collection')

let files = new Map<string, MaterialisedEntry>()
let schemaV21: SchemaCheck
let schemaV20: SchemaCheck

const load = (name: string): unknown => {
  const entry = files.get(name)
  if (!entry) throw new Error(`corpus entry ${name} was not materialised`)
  return parseCollectionText(readFileSync(entry.file, 'utf8'))
}

beforeAll(async () => {
  const entries = await materialiseCorpus({ kinds: ['collection', 'schema'] })
  files = new Map(entries.map((e) => [e.name, e]))
  const schema = (name: string): SchemaCheck => collectionSchema(JSON.parse(readFileSync(files.get(name)!.file, 'utf8')), Infinity)
  schemaV21 = schema('postman-collection-v2.1.0-schema')
  schemaV20 = schema('postman-collection-v2.0.0-schema')
}, 300_000)

interface Result {
  fixture: string
  format: string
  imported: string
  originalSchemaErrors: number
  exportSchemaErrors: number
  lost: number
  changed: number
  added: number
  rawLost: number
  rawChanged: number
  rawAdded: number
}
const results: Result[] = []

/** At most `n` lines of a listing (the assertion still fails on any line). */
const first = (lines: string[], n = 40): string[] => (lines.length > n ? [...lines.slice(0, n), `… and ${lines.length - n} more`] : lines)

describe('Postman corpus: import → sync → export is lossless (issue 13)', () => {
  it('the corpus has at least 15 collections, each named once', () => {
    expect(collections.length).toBeGreaterThanOrEqual(15)
    expect(new Set(manifest.files.map((f) => f.name)).size).toBe(manifest.files.length)
  })

  for (const entry of collections) {
    it(`${entry.name} (${entry.package}@${entry.version} ${entry.path})`, () => {
      const original = load(entry.name)
      const format = formatOf(original)
      const result = roundTrip(original)
      const row: Result = { fixture: entry.name, format, imported: result.ok ? 'ok' : result.error, originalSchemaErrors: 0, exportSchemaErrors: 0, lost: 0, changed: 0, added: 0, rawLost: 0, rawChanged: 0, rawAdded: 0 }
      results.push(row)
      expect(result.ok ? 'imported' : result.error, 'import').toBe('imported')
      if (!result.ok) return

      // The export must be valid v2.1. A file that is itself invalid (a body mode or variable
      // type outside the schema's lists) cannot be exported both losslessly and valid: its
      // export may carry the original's own errors, and no other.
      const originalOwn = (format === 'v2.0.0' ? schemaV20 : schemaV21)(original)
      const originalAsV21 = schemaV21(original)
      const exportErrors = schemaV21(result.exported)
      row.originalSchemaErrors = originalOwn.length
      row.exportSchemaErrors = exportErrors.length
      if (originalOwn.length === 0) expect.soft(exportErrors, 'export valid against the v2.1.0 schema').toEqual([])
      else expect.soft(exportErrors.filter((e) => !originalAsV21.includes(e)), 'schema errors the original does not have').toEqual([])

      const comparison = compareRoundTrip(original, result.exported)
      const listing = describeDiff(comparison)
      Object.assign(row, {
        lost: comparison.sdk.lost.length,
        changed: comparison.sdk.changed.length,
        added: comparison.sdk.added.length,
        rawLost: comparison.raw.lost.length,
        rawChanged: comparison.raw.changed.length,
        rawAdded: comparison.raw.added.length,
      })
      expect.soft(first(listing.lost), 'lost (SDK-normalised)').toEqual([])
      expect.soft(first(listing.changed), 'changed (SDK-normalised)').toEqual([])
    })
  }

  afterAll(() => {
    if (results.length === 0) return
    const lines = [
      '| fixture | format | import | schema errors original/export | lost | changed | added | raw lost/changed/added |',
      '| --- | --- | --- | --- | ---: | ---: | ---: | --- |',
      ...results.map((r) => `| ${r.fixture} | ${r.format} | ${r.imported} | ${r.originalSchemaErrors}/${r.exportSchemaErrors} | ${r.lost} | ${r.changed} | ${r.added} | ${r.rawLost}/${r.rawChanged}/${r.rawAdded} |`),
    ]
    const sum = (f: (r: Result) => number): number => results.reduce((n, r) => n + f(r), 0)
    lines.push(`| **total ${results.length}** | | ${results.filter((r) => r.imported === 'ok').length} ok | | ${sum((r) => r.lost)} | ${sum((r) => r.changed)} | ${sum((r) => r.added)} | ${sum((r) => r.rawLost)}/${sum((r) => r.rawChanged)}/${sum((r) => r.rawAdded)} |`)
    writeFileSync(join(CORPUS_CACHE, 'roundtrip-results.json'), JSON.stringify(results, null, 2))
    console.log(`Postman corpus round trip (also in .cache/postman-corpus/roundtrip-results.json):\n${lines.join('\n')}`)
  })
})

// ---------- an edit after import ----------

/** Index path (`[2, 0]`) and item of the first request inside a folder with a header row. */
function requestWithHeader(collection: unknown): { indexes: number[]; header: number } | undefined {
  if (!isObject(collection) || !Array.isArray(collection['item'])) return undefined
  const stack: { items: Json[]; indexes: number[] }[] = [{ items: collection['item'], indexes: [] }]
  while (stack.length > 0) {
    const { items, indexes } = stack.shift()!
    for (const [i, item] of items.entries()) {
      if (!isObject(item)) continue
      if (Array.isArray(item['item'])) stack.push({ items: item['item'], indexes: [...indexes, i] })
      else if (indexes.length > 0 && isObject(item['request']) && Array.isArray(item['request']['header'])) {
        const header = item['request']['header'].findIndex((h) => isObject(h) && typeof h['key'] === 'string' && typeof h['value'] === 'string')
        if (header !== -1) return { indexes: [...indexes, i], header }
      }
    }
  }
  return undefined
}

const itemPath = (indexes: number[]): string => `$${indexes.map((i) => `.item[${i}]`).join('')}`

function nodeAt(tree: TreeNode[], indexes: number[]): TreeNode {
  let nodes = tree
  let node: TreeNode | undefined
  for (const i of indexes) {
    node = nodes[i]
    if (!node) throw new Error(`no item at ${indexes.join('/')}`)
    nodes = node.kind === 'folder' ? node.children : []
  }
  return node!
}

describe('Postman corpus: an edit after import shows in the export, and nothing else changes', () => {
  const NEW_NAME = 'Renamed after import'
  const NEW_VALUE = 'changed-after-import'

  /** The first corpus collection with a request in a folder that has a header (manifest order). */
  function pick(): { name: string; original: unknown; indexes: number[]; header: number } {
    for (const entry of collections) {
      const original = load(entry.name)
      const found = requestWithHeader(original)
      if (found && formatOf(original) === 'v2.1.0') return { name: entry.name, original, ...found }
    }
    throw new Error('no corpus collection has a request in a folder with a header')
  }

  /** Renames the request and sets its header's value on the synced copy, then syncs that to a third doc. */
  function editAndSync(original: unknown, indexes: number[], header: number): { before: Json; after: Json } {
    const result = roundTrip(original)
    if (!result.ok) throw new Error(result.error)
    const node = nodeAt(result.collection.tree(), indexes)
    const headers = result.collection.list(node.id, 'headers')
    const originalHeader = (at(original, indexes) as JsonObject & { request: { header: JsonObject[] } }).request.header[header]!
    expect(headers?.rows()[header]?.key, 'the header row the file has at that index').toBe(originalHeader['key'])
    expect(result.collection.update(node.id, { name: NEW_NAME })).toBe(true)
    expect(headers!.update(header, { value: NEW_VALUE })).toBe(true)
    const third = new Collection(new Y.Doc())
    Y.applyUpdate(third.doc, Y.encodeStateAsUpdate(result.collection.doc))
    return { before: result.exported, after: exportOf(third, result.name) }
  }

  /** The item at `indexes` in `collection` itself (not a copy: the test edits it). */
  function at(collection: unknown, indexes: number[]): Json {
    let cur = collection as Json
    for (const i of indexes) cur = ((cur as JsonObject)['item'] as Json[])[i]!
    return cur
  }

  it('between the exports before and after the edit, exactly the name and the header value differ', () => {
    const { name, original, indexes, header } = pick()
    const { before, after } = editAndSync(original, indexes, header)
    const changes = emptyDiff()
    diff(before, after, '$', changes)
    const path = itemPath(indexes)
    expect({ fixture: name, ...changes }).toEqual({ fixture: name, lost: [], added: [], changed: [`${path}.name`, `${path}.request.header[${header}].value`] })
    expect(at(after, indexes)).toMatchObject({ name: NEW_NAME })
    expect((at(after, indexes) as JsonObject & { request: { header: JsonObject[] } }).request.header[header]).toMatchObject({ value: NEW_VALUE })
  })

  it('the edited export equals the original with the same edit (SDK-normalised: 0 lost, 0 changed)', () => {
    const { name, original, indexes, header } = pick()
    const { after } = editAndSync(original, indexes, header)
    const edited = toJson(original)
    const item = at(edited, indexes) as JsonObject & { request: { header: JsonObject[] } }
    item['name'] = NEW_NAME
    item.request.header[header]!['value'] = NEW_VALUE
    const comparison = compareRoundTrip(edited, after)
    const listing = describeDiff(comparison)
    expect({ fixture: name, lost: listing.lost, changed: listing.changed }).toEqual({ fixture: name, lost: [], changed: [] })
  })
})

// ---------- the measure itself ----------

describe('Postman corpus: the comparison sees what an export loses or changes', () => {
  it('a dropped collection script, a dropped variable and a renamed collection are reported', () => {
    const original = load('pct-v21-nested-entities') as JsonObject
    expect(original['event'], 'the fixture has collection scripts').toBeDefined()
    const damaged = toJson(original) as JsonObject
    delete damaged['event']
    ;(damaged['variable'] as Json[]).pop()
    ;(damaged['info'] as JsonObject)['name'] = 'Another name'
    const { sdk } = compareRoundTrip(original, damaged)
    // The SDK writes an empty event list where there is none, so each lost script is listed.
    const scripts = (original['event'] as Json[]).map((_, i) => `$.event[${i}]`)
    expect(sdk.lost).toEqual([...scripts, `$.variable[${(original['variable'] as Json[]).length - 1}]`])
    expect(sdk.changed).toContain('$.info.name')
  })

  it('the v2.1.0 schema rejects wrong shapes (it is the real schema, not an empty one)', () => {
    const valid = load('pct-v21-nested-entities') as JsonObject
    expect(schemaV21(valid)).toEqual([])
    expect(schemaV21({ ...valid, item: [{ name: 'x', request: { url: 42 } }] })).not.toEqual([])
    expect(schemaV21({ ...valid, item: [{ name: 'x', request: { url: 'https://a.test', header: [{ value: 'no key' }] } }] })).not.toEqual([])
    expect(schemaV21({ ...valid, auth: { type: 'not-a-scheme' } })).not.toEqual([])
    expect(schemaV21({ ...valid, event: [{ listen: 'test', script: { exec: 42 } }] })).not.toEqual([])
    expect(schemaV21({ item: [] })).not.toEqual([])
  })
})
