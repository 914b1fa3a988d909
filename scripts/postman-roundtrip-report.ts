/**
 * Round-trip report for issue 13 ("Postman, losslessly"); the same measure as the corpus
 * suite (test/e2e/postman-corpus.test.ts), as a listing instead of pass/fail.
 *
 *   npx tsx scripts/postman-roundtrip-report.ts [folder] [--summary] [--json out.json]
 *
 * For every collection file in the folder (`*.json` holding an `item` list or an `info`
 * block): import it with @ferry/schema's `importPostman` into a fresh `Collection`, sync the
 * doc to a second one, export that with `exportPostman`, validate the export with ajv against
 * the official Postman Collection v2.1.0 schema, and compare it field by field with the
 * original (SDK-normalised and raw; see test/helpers/postman-compare.ts), listing every
 * lost, changed and added path.
 *
 * The folder is the first of: the argument, $FERRY_POSTMAN_CORPUS, the corpus of
 * packages/schema/src/fixtures/postman/corpus.json materialised from npm into
 * .cache/postman-corpus/collections/. The schemas always come from that corpus.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  collectionSchema,
  compareRoundTrip,
  countRequests,
  describeDiff,
  formatOf,
  isObject,
  kindOf,
  parseCollectionText,
  roundTrip,
  type Diff,
  type SchemaCheck,
} from '../test/helpers/postman-compare.ts'
import { materialiseCorpus, readCorpusManifest, type MaterialisedEntry } from '../test/helpers/postman-corpus.ts'

interface Row {
  file: string
  format: string
  requests: number
  imported: string
  exportValid: string
  originalValid: string
  sdk: Diff
  raw: Diff
}

const args = process.argv.slice(2)
const summaryOnly = args.includes('--summary')
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--json')
const folder = positional[0] ?? process.env['FERRY_POSTMAN_CORPUS']

// ---------- the corpus and the schemas ----------

let entries: MaterialisedEntry[] = []
try {
  entries = await materialiseCorpus({ kinds: folder ? ['schema'] : ['collection', 'schema'], log: (l) => console.error(l) })
} catch (error) {
  if (!folder) {
    console.error(error instanceof Error ? error.message : error)
    process.exit(2)
  }
  console.error(`warning: the schemas could not be materialised, so no schema check:\n${error instanceof Error ? error.message : error}`)
}
const schemaFile = (version: string): string | undefined => entries.find((e) => e.kind === 'schema' && e.name === `postman-collection-${version}-schema`)?.file
const schemaOf = (version: string): SchemaCheck | undefined => {
  const file = schemaFile(version)
  return file ? collectionSchema(JSON.parse(readFileSync(file, 'utf8'))) : undefined
}
const v21 = schemaOf('v2.1.0')
const v20 = schemaOf('v2.0.0')
const check = (validate: SchemaCheck | undefined, json: unknown): string => {
  if (!validate) return 'n/a'
  const errors = validate(json)
  return errors.length === 0 ? 'yes' : `NO (${errors[0]})`
}

interface Input {
  label: string
  path: string
}

function inputs(): Input[] {
  if (!folder) {
    const names = new Set(readCorpusManifest().files.filter((f) => f.kind === 'collection').map((f) => f.name))
    return entries.filter((e) => names.has(e.name)).map((e) => ({ label: e.name, path: e.file }))
  }
  const dir = resolve(folder)
  if (!existsSync(dir)) {
    console.error(`No such folder: ${dir}`)
    process.exit(2)
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ label: f.replace(/(\.postman_collection)?\.json$/, ''), path: join(dir, f) }))
    .filter(({ path }) => {
      try {
        const json = parseCollectionText(readFileSync(path, 'utf8'))
        return isObject(json) && (Array.isArray(json['item']) || isObject(json['info']))
      } catch {
        return false
      }
    })
}

// ---------- run ----------

const files = inputs()
if (files.length === 0) {
  console.error(`No collection files in ${folder}`)
  process.exit(2)
}
const rows: Row[] = []
const kinds = new Map<string, { lost: number; changed: number; files: Set<string> }>()

for (const { label, path } of files) {
  const original = parseCollectionText(readFileSync(path, 'utf8'))
  const result = roundTrip(original)
  const exported = result.ok ? result.exported : {}
  const comparison = compareRoundTrip(original, exported)
  const { sdk, raw } = comparison
  const format = formatOf(original)
  const row: Row = {
    file: label,
    format,
    requests: countRequests(original),
    imported: result.ok ? 'ok' : `refused (${result.error})`,
    exportValid: result.ok ? check(v21, exported) : '-',
    originalValid: check(format === 'v2.0.0' ? v20 : v21, original),
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
    const listing = describeDiff(comparison)
    console.log(`\n## ${row.file} (${row.format}, ${row.requests} requests) — import ${row.imported}`)
    console.log(`export schema-valid (v2.1.0): ${row.exportValid}; original schema-valid (${format === 'v2.0.0' ? 'v2.0.0' : 'v2.1.0'}): ${row.originalValid}`)
    console.log(`sdk-normalised: ${sdk.lost.length} lost, ${sdk.changed.length} changed, ${sdk.added.length} added`)
    for (const l of listing.lost) console.log(`  lost     ${l}`)
    for (const l of listing.changed) console.log(`  changed  ${l}`)
    for (const l of listing.added) console.log(`  added    ${l}`)
    console.log(`raw JSON: ${raw.lost.length} lost, ${raw.changed.length} changed, ${raw.added.length} added`)
  }
}

const pad = (s: string | number, n: number): string => String(s).padEnd(n)
const total = (f: (r: Row) => number): number => rows.reduce((n, r) => n + f(r), 0)

console.log(`\n# Round trip: ${rows.length} collections from ${folder ? resolve(folder) : 'the npm corpus (.cache/postman-corpus/collections)'}\n`)
console.log('| fixture | format | requests | import | original valid | export valid v2.1 | lost | changed | added | raw lost | raw changed |')
console.log('| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) {
  console.log(
    `| ${r.file} | ${r.format} | ${r.requests} | ${r.imported} | ${r.originalValid} | ${r.exportValid} | ${r.sdk.lost.length} | ${r.sdk.changed.length} | ${r.sdk.added.length} | ${r.raw.lost.length} | ${r.raw.changed.length} |`,
  )
}
console.log(
  `| **total** | | ${total((r) => r.requests)} | ${rows.filter((r) => r.imported === 'ok').length}/${rows.length} ok | ${rows.filter((r) => r.originalValid === 'yes').length}/${rows.length} | ${rows.filter((r) => r.exportValid === 'yes').length}/${rows.length} | ${total((r) => r.sdk.lost.length)} | ${total((r) => r.sdk.changed.length)} | ${total((r) => r.sdk.added.length)} | ${total((r) => r.raw.lost.length)} | ${total((r) => r.raw.changed.length)} |`,
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
