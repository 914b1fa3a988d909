/**
 * How issue 13 ("Postman, losslessly") measures a round trip, shared by the corpus suite
 * (test/e2e/postman-corpus.test.ts) and the report script (scripts/postman-roundtrip-report.ts):
 *
 * - `roundTrip`: import a parsed Postman file with @ferry/schema's `importPostman` into a fresh
 *   `Collection`, carry the doc to a second Y.Doc as a Yjs update (what sync does), export it
 *   from there with `exportPostman`.
 * - `compareRoundTrip`: compare the original with the export field by field, twice:
 *   - "sdk": both sides normalised by the official `postman-collection` SDK
 *     (`new Collection(json).toJSON()`), so v2.0 and v2.1 spellings of the same thing compare
 *     equal; ids the SDK makes up for items that had none are dropped on both sides, and auth
 *     parameters are compared as a set (sorted by key).
 *   - "raw": the JSON as written, to show what a byte-faithful round trip would still miss.
 *   A path is "lost" when the original has it and the export does not (counted once at the top
 *   of the missing subtree), "changed" when both have it with different values, "added" when
 *   only the export has it.
 * - `collectionSchema`: an ajv validator for the official Postman Collection schema, given the
 *   schema JSON (the corpus materialises it from npm, see postman-corpus.ts).
 */
// The SDK ships its typings without naming them in its package.json.
/// <reference path="../../node_modules/postman-collection/types/index.d.ts" />
import * as Y from 'yjs'
import { Ajv } from 'ajv'
import postmanSdk from 'postman-collection'
import { Collection, exportPostman, importPostman } from '@ferry/schema'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export interface Diff {
  lost: string[]
  changed: string[]
  added: string[]
}

export interface Comparison {
  sdk: Diff
  raw: Diff
  /** The SDK-normalised original and export (what `sdk` compares). */
  originalSdk: Json
  exportedSdk: Json
}

const SdkCollection = postmanSdk.Collection

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Plain JSON of any value (drops `undefined`, as writing a file would). */
export const toJson = (v: unknown): Json => JSON.parse(JSON.stringify(v)) as Json

/** Parses a collection file's text; a UTF-8 byte order mark is allowed (Postman writes none, Windows editors do). */
export function parseCollectionText(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
}

// ---------- round trip ----------

export type RoundTrip =
  | { ok: true; name: string; exported: Json; collection: Collection }
  | { ok: false; error: string }

/**
 * Imports `original` into a fresh Y.Doc, syncs that doc into a second one with
 * `Y.encodeStateAsUpdate`/`Y.applyUpdate`, and exports from the second. `collection` is the
 * second doc's `Collection` (for edits after import). A refused file gives the importer's
 * message and the first issues it named.
 */
export function roundTrip(original: unknown): RoundTrip {
  const source = new Collection(new Y.Doc())
  const result = importPostman(source, original)
  if (!result.ok) {
    const issues = 'issues' in result.error ? result.error.issues : []
    const listed = issues.slice(0, 5).map((i) => `${i.path} (${i.item}): ${i.message}`)
    if (issues.length > 5) listed.push(`… and ${issues.length - 5} more`)
    return { ok: false, error: [`${result.error.code}: ${result.error.message}`, ...listed].join('; ') }
  }
  const copy = new Collection(new Y.Doc())
  Y.applyUpdate(copy.doc, Y.encodeStateAsUpdate(source.doc))
  return { ok: true, name: result.value.name, exported: exportOf(copy, result.value.name), collection: copy }
}

/** The export of `collection` as plain JSON (what a saved file holds). */
export function exportOf(collection: Collection, name: string): Json {
  return toJson(exportPostman(collection, name))
}

// ---------- comparison ----------

/** Every string value held under an `id` or `_postman_id` key, anywhere. */
function idsIn(json: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(json)) for (const v of json) idsIn(v, into)
  else if (isObject(json)) {
    for (const [k, v] of Object.entries(json)) {
      if ((k === 'id' || k === '_postman_id') && typeof v === 'string') into.add(v)
      else idsIn(v, into)
    }
  }
  return into
}

/** Drops `id`/`_postman_id` keys whose value the raw file did not have (made up by the SDK). */
function dropMadeUpIds(json: Json, known: Set<string>): Json {
  if (Array.isArray(json)) return json.map((v) => dropMadeUpIds(v, known))
  if (!isObject(json)) return json
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(json)) {
    if ((k === 'id' || k === '_postman_id') && typeof v === 'string' && !known.has(v)) continue
    out[k] = dropMadeUpIds(v, known)
  }
  return out
}

/** Auth parameters are a set keyed by `key` (Postman reads them so): sort them by key. */
function sortAuthParams(json: Json): Json {
  if (Array.isArray(json)) return json.map(sortAuthParams)
  if (!isObject(json)) return json
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(json)) out[k] = sortAuthParams(v)
  const auth = out['auth']
  if (isObject(auth)) {
    for (const [k, v] of Object.entries(auth)) {
      if (k !== 'type' && Array.isArray(v)) {
        auth[k] = [...v].sort((x, y) => String(isObject(x) ? x['key'] : '').localeCompare(String(isObject(y) ? y['key'] : '')))
      }
    }
  }
  return out
}

/** The collection as the official SDK reads it (see the file comment). */
export function sdkNormalise(raw: unknown): Json {
  const normalised = toJson(new SdkCollection(raw as never).toJSON())
  return sortAuthParams(dropMadeUpIds(normalised, idsIn(raw)))
}

/** Adds to `out` every path where `b` differs from `a` (see the file comment for the three kinds). */
export function diff(a: Json | undefined, b: Json | undefined, path: string, out: Diff): void {
  if (isObject(a) && isObject(b)) {
    for (const [k, v] of Object.entries(a)) {
      const p = `${path}.${k}`
      if (v === undefined) continue
      if (!(k in b) || b[k] === undefined) out.lost.push(p)
      else diff(v, b[k], p, out)
    }
    for (const k of Object.keys(b)) if (!(k in a) && b[k] !== undefined) out.added.push(`${path}.${k}`)
    return
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    a.forEach((v, i) => (i < b.length ? diff(v, b[i], `${path}[${i}]`, out) : out.lost.push(`${path}[${i}]`)))
    for (let i = a.length; i < b.length; i++) out.added.push(`${path}[${i}]`)
    return
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.changed.push(path)
}

export const emptyDiff = (): Diff => ({ lost: [], changed: [], added: [] })

/** Compares an original collection with its export, SDK-normalised and raw. */
export function compareRoundTrip(original: unknown, exported: Json): Comparison {
  const originalSdk = sdkNormalise(original)
  const exportedSdk = sdkNormalise(exported)
  const sdk = emptyDiff()
  diff(originalSdk, exportedSdk, '$', sdk)
  const raw = emptyDiff()
  diff(toJson(original), exported, '$', raw)
  return { sdk, raw, originalSdk, exportedSdk }
}

/** The value at a path as `diff` writes them (`$.item[3].request.url`). */
export function at(json: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = json
  for (const part of path.match(/[^.[\]]+/g)?.slice(1) ?? []) {
    if (Array.isArray(cur)) cur = cur[Number(part)]
    else if (isObject(cur)) cur = cur[part]
    else return undefined
  }
  return cur
}

/** A value in at most `max` characters, for listings. */
export function short(v: Json | undefined, max = 60): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

/** `$.item[3].item[0].event` → `item.item.event`: the field, whatever the position. */
export const kindOf = (path: string): string => path.replace(/^\$\.?/, '').replace(/\[\d+\]/g, '')

/** One line per difference, with the values on each side (what a failing test prints). */
export function describeDiff(c: Comparison, which: 'sdk' | 'raw' = 'sdk', original?: Json, exported?: Json): { lost: string[]; changed: string[]; added: string[] } {
  const [a, b] = which === 'sdk' ? [c.originalSdk, c.exportedSdk] : [original, exported]
  const d = c[which]
  return {
    lost: d.lost.map((p) => `${p} = ${short(at(a, p))}`),
    changed: d.changed.map((p) => `${p}: ${short(at(a, p))} -> ${short(at(b, p))}`),
    added: d.added.map((p) => `${p} = ${short(at(b, p))}`),
  }
}

// ---------- facts about a file ----------

export function countRequests(json: unknown): number {
  if (!isObject(json)) return 0
  let n = 0
  const stack: Json[] = [json['item'] ?? null]
  while (stack.length > 0) {
    const items = stack.pop()
    if (!Array.isArray(items)) continue
    for (const it of items) {
      if (!isObject(it)) continue
      if (Array.isArray(it['item'])) stack.push(it['item'])
      else n++
    }
  }
  return n
}

/** `v2.1.0`, `v2.0.0`, … from `info.schema`. */
export function formatOf(json: unknown): string {
  if (!isObject(json)) return '?'
  const info = json['info']
  if (!isObject(info)) return 'no info'
  const schema = typeof info['schema'] === 'string' ? info['schema'] : ''
  const m = /v(\d+\.\d+(?:\.\d+)?)|collection\/(v\d)\//.exec(schema)
  return m ? (m[1] ? `v${m[1]}` : (m[2] ?? '?')) : '?'
}

// ---------- schema ----------

/** Returns the schema errors of a document (empty when valid). */
export type SchemaCheck = (json: unknown) => string[]

/**
 * A validator for a Postman Collection JSON schema (draft-07, bundled with `definitions`).
 * `$async` is dropped: it is an ajv keyword (not JSON Schema) that the redistributed copy adds
 * and that would make validation return a promise; it does not change what is valid.
 */
export function collectionSchema(schema: unknown, maxErrors = 5): SchemaCheck {
  if (!isObject(schema)) throw new Error('not a JSON schema')
  const { $async: _async, ...rest } = schema
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  const validate = ajv.compile(rest)
  return (json) => {
    if (validate(json)) return []
    const errors = validate.errors ?? []
    const lines = errors.slice(0, maxErrors).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`)
    if (errors.length > maxErrors) lines.push(`… and ${errors.length - maxErrors} more`)
    return lines
  }
}
