/**
 * Which Postman file is this, and what does it hold: a collection, an environment, the
 * globals, or a data dump ("Export data": older apps write one JSON `{ version: 1,
 * collections, environments, headerPresets, globals }`, current Postman a zip with
 * `<dump>/archive.json`, `collection/<id>.json` (v2.1) and `environment/<id>.json`). Everything
 * becomes one `PostmanBatch`; the client imports a batch whole or not at all.
 *
 * Pure: the client unzips (the entries come here as texts) and checks collections with the
 * collection importer. What Ferry cannot keep is listed in `notImported` by name; a file it
 * cannot read is an error with a sentence that says why (empty, truncated, not JSON, a v1
 * collection, a wrong type at a named place).
 */
import type { Json, JsonObject, KeyValue } from '../model.ts'
import { fail, readPostmanScope, shown, type PostmanResult, type PostmanScope, type PostmanScopeKind } from './environment.ts'
import { isRecord } from '../validate.ts'
import { checkValues } from './values.ts'

/** A collection found in a file: checked and imported by the collection importer. */
export interface PostmanBatchCollection {
  name: string
  json: unknown
  /** Where it came from, for messages: a file name, or an entry of a dump. */
  source: string
}

export interface PostmanHeaderPreset {
  name: string
  headers: KeyValue[]
  /** What of it Ferry does not keep (fields of the preset itself other than Postman's bookkeeping), in words. */
  notKept: string[]
}

/** Something found that is not imported, by name, with the reason. */
export interface PostmanNotImported {
  what: 'collection' | 'file' | 'field' | 'header preset'
  name: string
  reason: string
}

export interface PostmanBatch {
  collections: PostmanBatchCollection[]
  environments: PostmanScope[]
  /** Usually none or one (several files, or a dump that also lists them among environments). */
  globals: PostmanScope[]
  headerPresets: PostmanHeaderPreset[]
  notImported: PostmanNotImported[]
}

export type PostmanFileKind = 'collection' | 'environment' | 'globals' | 'dump'

export const emptyBatch = (): PostmanBatch => ({ collections: [], environments: [], globals: [], headerPresets: [], notImported: [] })

/** Adds an environment or the globals to a batch, with the second values it left out. */
function addScope(batch: PostmanBatch, scope: PostmanScope): void {
  ;(scope.scope === 'globals' ? batch.globals : batch.environments).push(scope)
  for (const { key, field } of scope.dropped) {
    batch.notImported.push({ what: 'field', name: `${scope.scope === 'globals' ? 'Globals' : scope.name} / ${key} / ${field}`, reason: 'a second value of the variable (Postman’s current value): Ferry keeps one value per variable, sealed by your vault, and imported the file’s "value"' })
  }
}

/** Puts several files' batches together, in order. */
export function mergeBatches(batches: readonly PostmanBatch[]): PostmanBatch {
  const out = emptyBatch()
  for (const b of batches) {
    out.collections.push(...b.collections)
    out.environments.push(...b.environments)
    out.globals.push(...b.globals)
    out.headerPresets.push(...b.headerPresets)
    out.notImported.push(...b.notImported)
  }
  return out
}

const V1_REASON = 'it is a Postman Collection v1, the format Postman used before 2016, which Ferry does not read. Open it in Postman and export it as Collection v2.1, then import that file.'

/** Line and column (from 1) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`
}

/**
 * Parses a file's text as JSON: a leading byte order mark is skipped; an empty, truncated or
 * malformed file is an error that says which (with the line and column when it can).
 */
export function parsePostmanText(text: string, where = 'This file'): PostmanResult<unknown> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (body.trim() === '') return fail('empty', `${where} is empty.`)
  try {
    return { ok: true, value: JSON.parse(body) as unknown }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const position = /position (\d+)/.exec(message)
    const offset = position ? Number(position[1]) : null
    if (/end of (JSON )?(input|data)|Unterminated string/i.test(message) || (offset !== null && offset >= body.trimEnd().length)) {
      return fail('truncated', `${where} ends in the middle of its JSON: it was cut short (an interrupted download or copy?). Export it again.`)
    }
    return fail('not_json', `${where} is not JSON${offset !== null ? ` (${lineColumn(body, offset)})` : ''}: Ferry imports Postman collections, environments, globals and data dumps, which are JSON (or a zip of them).`)
  }
}

const isV1Collection = (v: Record<string, unknown>): boolean => !('info' in v) && (Array.isArray(v.requests) || Array.isArray(v.order) || Array.isArray(v.folders))

const nameOf = (v: Record<string, unknown>): string => {
  const info = isRecord(v.info) ? v.info : v
  return typeof info.name === 'string' && info.name !== '' ? info.name : 'Untitled collection'
}

/** What a whole file (parsed JSON) is, as a batch. `name` is the file's name, for messages and unnamed environments. */
export function readPostmanJson(json: unknown, name = 'This file'): PostmanResult<{ kind: PostmanFileKind; batch: PostmanBatch }> {
  const where = name === 'This file' ? name : `"${name}"`
  // Collections are checked by their importer (which names items); environments and dumps here.
  const bad = checkValues(json as Json, 1)[0]
  if (bad) return fail('wrong_type', `${where} cannot be imported: at ${bad.path || 'its top'}, ${bad.message}.`)
  const fallbackName = name === 'This file' ? undefined : name.replace(/(\.postman_(environment|globals))?\.json$/i, '')
  const scopeBatch = (scope: PostmanResult<PostmanScope>) => {
    if (!scope.ok) return scope
    const batch = emptyBatch()
    addScope(batch, scope.value)
    return { ok: true as const, value: { kind: scope.value.scope, batch } }
  }
  if (Array.isArray(json)) {
    if (json.length === 0) return fail('empty', `${where} holds an empty list: there is nothing to import.`)
    return scopeBatch(readPostmanScope(json, { kind: 'globals', where, ...(fallbackName ? { fallbackName } : {}) }))
  }
  if (!isRecord(json)) return fail('not_postman', `${where} holds ${shown(json)}, not a Postman collection, environment, globals or data dump.`)
  // The Postman API wraps what it returns: { collection: … }, { environment: … }.
  const keys = Object.keys(json)
  if (keys.length === 1 && isRecord(json.collection) && isRecord(json.collection.info)) return readPostmanJson(json.collection, name)
  if (keys.length === 1 && isRecord(json.environment)) return scopeBatch(readPostmanScope(json.environment, { kind: 'environment', where }))
  if (keys.length === 1 && (isRecord(json.globals) || Array.isArray(json.globals))) return scopeBatch(readPostmanScope(json.globals, { kind: 'globals', where }))

  if (isRecord(json.info)) {
    const batch = emptyBatch()
    batch.collections.push({ name: nameOf(json), json, source: name })
    return { ok: true, value: { kind: 'collection', batch } }
  }
  if ('collections' in json || ('version' in json && ('environments' in json || 'globals' in json || 'headerPresets' in json))) {
    const dump = readPostmanDump(json, where)
    return dump.ok ? { ok: true, value: { kind: 'dump', batch: dump.value } } : dump
  }
  if ('_postman_variable_scope' in json || Array.isArray(json.values)) {
    return scopeBatch(readPostmanScope(json, { where, ...(fallbackName ? { fallbackName } : {}) }))
  }
  if (isV1Collection(json)) return fail('v1_collection', `${where} cannot be imported: ${V1_REASON}`)
  if (Array.isArray(json.item)) {
    const batch = emptyBatch()
    batch.collections.push({ name: nameOf(json), json, source: name })
    return { ok: true, value: { kind: 'collection', batch } }
  }
  return fail('not_postman', `This is not a Postman collection, environment, globals or data dump file (${where} has none of "info", "values", "collections"). Export it from Postman again.`)
}

/** Dump fields Ferry reads; any other one is listed as not imported. */
const DUMP_FIELDS = new Set(['version', 'collections', 'environments', 'globals', 'headerPresets'])
/** Header preset fields that are Postman's bookkeeping, not something a user wrote. */
const PRESET_BOOKKEEPING = new Set(['id', 'name', 'headers', 'timestamp', 'owner', 'createdAt', 'updatedAt', 'synced', 'lastUpdatedBy', 'lastRevision'])

/** The single-JSON data dump of older Postman apps. */
export function readPostmanDump(json: Record<string, unknown>, where = 'This data dump'): PostmanResult<PostmanBatch> {
  if ('version' in json && json.version !== 1) {
    return fail('unsupported_version', `${where} is a Postman data dump of version ${shown(json.version)}; Ferry reads version 1 (and the zip Postman exports now).`)
  }
  const batch = emptyBatch()
  for (const field of Object.keys(json)) {
    if (!DUMP_FIELDS.has(field)) batch.notImported.push({ what: 'field', name: field, reason: 'this part of the data dump is not something Ferry keeps' })
  }
  for (const field of ['collections', 'environments', 'headerPresets'] as const) {
    if (json[field] !== undefined && json[field] !== null && !Array.isArray(json[field])) return fail('wrong_type', `${where}: "${field}" is ${shown(json[field])}, not a list.`)
  }
  for (const [index, collection] of ((json.collections as unknown[] | undefined) ?? []).entries()) {
    if (!isRecord(collection)) return fail('wrong_type', `${where}: collection ${index + 1} is ${shown(collection)}, not a collection.`)
    if (isV1Collection(collection)) batch.notImported.push({ what: 'collection', name: nameOf(collection), reason: V1_REASON })
    else batch.collections.push({ name: nameOf(collection), json: collection, source: `${where}, collection ${index + 1}` })
  }
  for (const [index, environment] of ((json.environments as unknown[] | undefined) ?? []).entries()) {
    const scope = readPostmanScope(environment, { kind: 'environment', where: `${where}, environment ${index + 1}` })
    if (!scope.ok) return scope
    addScope(batch, scope.value)
  }
  if (Array.isArray(json.globals) ? json.globals.length > 0 : json.globals !== undefined && json.globals !== null) {
    const scope = readPostmanScope(json.globals, { kind: 'globals', where: `${where}, globals` })
    if (!scope.ok) return scope
    addScope(batch, { ...scope.value, scope: 'globals' })
  }
  for (const [index, preset] of ((json.headerPresets as unknown[] | undefined) ?? []).entries()) {
    const read = readHeaderPreset(preset, `${where}, header preset ${index + 1}`)
    if (!read.ok) return read
    batch.headerPresets.push(read.value)
  }
  return { ok: true, value: batch }
}

function readHeaderPreset(v: unknown, where: string): PostmanResult<PostmanHeaderPreset> {
  if (!isRecord(v)) return fail('wrong_type', `${where} is ${shown(v)}, not a header preset.`)
  if (typeof v.name !== 'string') return fail('wrong_type', `${where}: the name is ${shown(v.name)}, not text.`)
  if (!Array.isArray(v.headers)) return fail('wrong_type', `${where} ("${v.name}"): "headers" is ${shown(v.headers)}, not a list.`)
  const headers: KeyValue[] = []
  for (const [index, row] of v.headers.entries()) {
    if (!isRecord(row) || typeof row.key !== 'string') return fail('wrong_type', `${where} ("${v.name}"): header ${index + 1} has no text "key".`)
    const value = row.value === undefined || row.value === null ? '' : typeof row.value === 'string' ? row.value : JSON.stringify(row.value)
    // Whatever else a row has (a description, a type…) is kept verbatim with it.
    const kept: JsonObject = {}
    for (const [field, content] of Object.entries(row)) if (!['key', 'value', 'enabled', 'disabled'].includes(field)) kept[field] = content as Json
    headers.push({ key: row.key, value, enabled: row.enabled !== false && row.disabled !== true, ...(Object.keys(kept).length > 0 ? { kept } : {}) })
  }
  const notKept = Object.keys(v).filter((field) => !PRESET_BOOKKEEPING.has(field)).map((field) => `the field "${field}"`)
  return { ok: true, value: { name: v.name, headers, notKept } }
}

/** One file of an unzipped archive, its bytes decoded as text (null: not text, or not decoded). */
export interface PostmanArchiveEntry {
  path: string
  text: string | null
}

const IGNORED_ENTRY = /(^|\/)(__MACOSX|\.DS_Store$|Thumbs\.db$)/

/**
 * The zip Postman's "Export data" sends now: `<dump>/archive.json`, `<dump>/collection/*.json`
 * (v2.1) and `<dump>/environment/*.json` (plural folder names and files elsewhere are read
 * too, by their content). Any entry that cannot be read refuses the whole archive.
 */
export function readPostmanArchive(entries: readonly PostmanArchiveEntry[], name = 'This zip file'): PostmanResult<PostmanBatch> {
  const where = name === 'This zip file' ? name : `"${name}"`
  const batches: PostmanBatch[] = []
  const notImported: PostmanNotImported[] = []
  for (const entry of entries) {
    if (entry.path.endsWith('/') || IGNORED_ENTRY.test(entry.path)) continue
    const parts = entry.path.split('/')
    const file = parts.at(-1)!
    const folder = (parts.at(-2) ?? '').toLowerCase()
    if (!/\.json$/i.test(file) || entry.text === null) {
      notImported.push({ what: 'file', name: entry.path, reason: 'it is not a JSON file of a Postman export' })
      continue
    }
    if (file.toLowerCase() === 'archive.json' && parts.length <= 2) continue
    const label = `${where}: ${entry.path}`
    const parsed = parsePostmanText(entry.text, label)
    if (!parsed.ok) return parsed
    let read: PostmanResult<{ batch: PostmanBatch }>
    if (folder === 'environment' || folder === 'environments' || folder === 'globals') {
      const kind: PostmanScopeKind = folder === 'globals' ? 'globals' : 'environment'
      const scope = readPostmanScope(parsed.value, { kind, where: label, fallbackName: file.replace(/\.json$/i, '') })
      if (!scope.ok) return scope
      const batch = emptyBatch()
      addScope(batch, scope.value)
      read = { ok: true, value: { batch } }
    } else {
      read = readPostmanJson(parsed.value, entry.path)
      if (!read.ok) return { ok: false, error: { ...read.error, message: read.error.message.replace(`"${entry.path}"`, label) } }
    }
    batches.push(read.value.batch)
  }
  const batch = mergeBatches(batches)
  batch.notImported.push(...notImported)
  if (batch.collections.length + batch.environments.length + batch.globals.length + batch.headerPresets.length === 0 && !batch.notImported.some((n) => n.what === 'collection')) {
    return fail('not_postman', `${where} holds no Postman export: no collection/ or environment/ folder, and no collection, environment or globals file.`)
  }
  return { ok: true, value: batch }
}
