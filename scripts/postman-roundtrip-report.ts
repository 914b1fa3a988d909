/**
 * Baseline report for issue 13 ("Postman, losslessly"); not part of `npm test`.
 *
 *   npx tsx scripts/postman-roundtrip-report.ts [corpus-dir] [--summary] [--json out.json]
 *
 * For every `*.postman_collection.json` in the corpus folder: import it with @ferry/schema's
 * `importPostman` into a fresh `Collection`, export it with `exportPostman`, validate the
 * export with ajv against the official v2.1 JSON schema (`<corpus>/schema/v2.1.0/`, the split
 * schema files of postmanlabs/schemas, bundled here in memory), and compare it field by field
 * with the original:
 *   - "sdk": both sides normalised by the official `postman-collection` SDK
 *     (`new Collection(json).toJSON()`), so v2.0 and v2.1 spellings of the same thing compare
 *     equal; ids the SDK makes up for items that had none are dropped on both sides, and auth
 *     parameters are compared as a set (sorted by key).
 *   - "raw": the JSON as written, to show what a byte-faithful round trip would still miss.
 * A path is "lost" when the original has it and the export does not (counted once at the top
 * of the missing subtree), "changed" when both have it with different values, "added" when
 * only the export has it.
 *
 * The corpus folder is the first of: the argument, $FERRY_POSTMAN_CORPUS,
 * packages/schema/src/fixtures/postman, that holds collection files.
 */
// The SDK ships its typings without naming them in its package.json.
/// <reference path="../node_modules/postman-collection/types/index.d.ts" />
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as Y from 'yjs'
import { Ajv, type ValidateFunction } from 'ajv'
import postmanSdk from 'postman-collection'
import { Collection, exportPostman, importPostman } from '@ferry/schema'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

interface Diff {
  lost: string[]
  changed: string[]
  added: string[]
}

interface Row {
  file: string
  format: string
  requests: number
  imported: string
  problems: number
  exportValid: string
  originalValid: string
  sdk: Diff
  raw: Diff
}

const SdkCollection = postmanSdk.Collection
const root = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const summaryOnly = args.includes('--summary')
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--json')

function hasCollections(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.postman_collection.json'))
}

const candidates = [
  positional[0],
  process.env['FERRY_POSTMAN_CORPUS'],
  join(root, 'packages/schema/src/fixtures/postman'),
].filter((d): d is string => typeof d === 'string' && d.length > 0)
const corpus = candidates.map((d) => resolve(d)).find(hasCollections)
if (!corpus) {
  console.error(`No *.postman_collection.json found in any of:\n  ${candidates.join('\n  ')}`)
  process.exit(2)
}

// ---------- schema ----------

/** The schema sources carry `// ...` comment lines (postmanlabs/schemas strips them when it compiles). */
const readSchemaFile = (path: string): JsonObject =>
  JSON.parse(readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as JsonObject

function loadSchema(dir: string): ValidateFunction | undefined {
  const base = join(dir, 'schema', 'v2.1.0')
  if (!existsSync(join(base, 'collection.json'))) return undefined
  const top = readSchemaFile(join(base, 'collection.json'))
  const definitions: JsonObject = {}
  for (const file of readdirSync(join(base, 'collection')).filter((f) => f.endsWith('.json'))) {
    const def = readSchemaFile(join(base, 'collection', file))
    // The split files name themselves "#/definitions/<name>"; bundled, that is where they are.
    delete def['$id']
    delete def['$schema']
    definitions[file.replace(/\.json$/, '')] = def
  }
  const bundled: JsonObject = { ...top, definitions }
  delete bundled['$id']
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false })
  return ajv.compile(bundled)
}

const validate = loadSchema(corpus)

function schemaCheck(json: unknown): string {
  if (!validate) return 'n/a'
  if (validate(json)) return 'yes'
  const first = validate.errors?.[0]
  return `NO (${first?.instancePath || '/'} ${first?.message ?? ''})`
}

// ---------- helpers ----------

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseFile(path: string): unknown {
  let text = readFileSync(path, 'utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  return JSON.parse(text)
}

function countRequests(json: unknown): number {
  if (!isObject(json)) return 0
  let n = 0
  const walk = (items: Json | undefined): void => {
    if (!Array.isArray(items)) return
    for (const it of items) {
      if (!isObject(it)) continue
      if (Array.isArray(it['item'])) walk(it['item'])
      else n++
    }
  }
  walk(json['item'])
  return n
}

function formatOf(json: unknown): string {
  if (!isObject(json)) return '?'
  const info = json['info']
  if (!isObject(info)) return 'no info'
  const schema = typeof info['schema'] === 'string' ? info['schema'] : ''
  const m = /v(\d+\.\d+(?:\.\d+)?)|collection\/(v\d)\//.exec(schema)
  return m ? (m[1] ? `v${m[1]}` : (m[2] ?? '?')) : '?'
}

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

function sdkNormalise(raw: unknown): Json {
  const normalised = JSON.parse(JSON.stringify(new SdkCollection(raw as never).toJSON())) as Json
  return sortAuthParams(dropMadeUpIds(normalised, idsIn(raw)))
}

function diff(a: Json | undefined, b: Json | undefined, path: string, out: Diff): void {
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

function at(json: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = json
  for (const part of path.match(/[^.[\]]+/g)?.slice(1) ?? []) {
    if (Array.isArray(cur)) cur = cur[Number(part)]
    else if (isObject(cur)) cur = cur[part]
    else return undefined
  }
  return cur
}

const short = (v: Json | undefined): string => {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** `$.item[3].item[0].event` → `item.item.event`: the field, whatever the position. */
const kindOf = (path: string): string => path.replace(/^\$\.?/, '').replace(/\[\d+\]/g, '')

// ---------- run ----------

const files = readdirSync(corpus).filter((f) => f.endsWith('.postman_collection.json')).sort()
const rows: Row[] = []
const kinds = new Map<string, { lost: number; changed: number; files: Set<string> }>()

for (const file of files) {
  const original = parseFile(join(corpus, file))
  const collection = new Collection(new Y.Doc())
  const result = importPostman(collection, original)
  let exported: Json = {}
  let imported = 'ok'
  let problems = 0
  if (result.ok) {
    problems = result.value.problems.length
    exported = JSON.parse(JSON.stringify(exportPostman(collection, result.value.name))) as Json
  } else {
    imported = `refused (${result.error.code})`
  }

  const sdk: Diff = { lost: [], changed: [], added: [] }
  const origSdk = sdkNormalise(original)
  const expSdk = result.ok ? sdkNormalise(exported) : {}
  diff(origSdk, expSdk, '$', sdk)
  const raw: Diff = { lost: [], changed: [], added: [] }
  diff(original as Json, result.ok ? exported : {}, '$', raw)

  const row: Row = {
    file: file.replace(/\.postman_collection\.json$/, ''),
    format: formatOf(original),
    requests: countRequests(original),
    imported,
    problems,
    exportValid: result.ok ? schemaCheck(exported) : '-',
    originalValid: schemaCheck(original),
    sdk,
    raw,
  }
  rows.push(row)

  for (const [list, key] of [
    [sdk.lost, 'lost'],
    [sdk.changed, 'changed'],
  ] as const) {
    for (const p of list) {
      const k = kindOf(p)
      const entry = kinds.get(k) ?? { lost: 0, changed: 0, files: new Set<string>() }
      entry[key]++
      entry.files.add(row.file)
      kinds.set(k, entry)
    }
  }

  if (!summaryOnly) {
    console.log(`\n## ${row.file} (${row.format}, ${row.requests} requests) — import ${imported}, ${problems} problems`)
    console.log(`export schema-valid: ${row.exportValid}`)
    console.log(`sdk-normalised: ${sdk.lost.length} lost, ${sdk.changed.length} changed, ${sdk.added.length} added`)
    for (const p of sdk.lost) console.log(`  lost     ${p}  = ${short(at(origSdk, p))}`)
    for (const p of sdk.changed) console.log(`  changed  ${p}  ${short(at(origSdk, p))} -> ${short(at(expSdk, p))}`)
    for (const p of sdk.added) console.log(`  added    ${p}  = ${short(at(expSdk, p))}`)
    console.log(`raw JSON: ${raw.lost.length} lost, ${raw.changed.length} changed, ${raw.added.length} added`)
  }
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n)
const total = (f: (r: Row) => number): number => rows.reduce((n, r) => n + f(r), 0)

console.log(`\n# Baseline: ${rows.length} fixtures from ${corpus}\n`)
console.log('| fixture | format | requests | import | export valid v2.1 | lost | changed | added | raw lost | raw changed |')
console.log('| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) {
  console.log(
    `| ${r.file} | ${r.format} | ${r.requests} | ${r.imported}${r.problems ? ` (${r.problems} problems)` : ''} | ${r.exportValid} | ${r.sdk.lost.length} | ${r.sdk.changed.length} | ${r.sdk.added.length} | ${r.raw.lost.length} | ${r.raw.changed.length} |`,
  )
}
console.log(
  `| **total** | | ${total((r) => r.requests)} | ${rows.filter((r) => r.imported === 'ok').length}/${rows.length} ok | ${rows.filter((r) => r.exportValid === 'yes').length}/${rows.length} | ${total((r) => r.sdk.lost.length)} | ${total((r) => r.sdk.changed.length)} | ${total((r) => r.sdk.added.length)} | ${total((r) => r.raw.lost.length)} | ${total((r) => r.raw.changed.length)} |`,
)

console.log('\n| field (sdk-normalised, positions folded) | lost | changed | fixtures |')
console.log('| --- | ---: | ---: | ---: |')
for (const [k, v] of [...kinds].sort((a, b) => b[1].lost + b[1].changed - (a[1].lost + a[1].changed))) {
  console.log(`| ${pad(k, 40)} | ${v.lost} | ${v.changed} | ${v.files.size} |`)
}

if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify(rows, null, 2))
  console.log(`\nwrote ${jsonOut}`)
}
