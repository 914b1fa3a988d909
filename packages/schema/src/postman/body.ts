/**
 * Postman request bodies ↔ Ferry's. Ferry edits one raw text (with its language) and one
 * list of form rows, and keeps every mode's content when the mode changes. A body mode Ferry
 * does not send itself is kept whole: `graphql` becomes a raw GraphQL text (its variables
 * kept), `file` and unknown modes read as no body. Everything Ferry does not edit (`disabled`,
 * options, another mode's leftover content) is kept verbatim; while the mode (and language)
 * still read as imported, an export writes the body back as given with the edited content.
 */
import { RAW_LANGUAGES, type BodyMode, type Json, type JsonObject, type KeyValue, type RawLanguage, type RequestBody, type RequestInput } from '../model.ts'
import { isObject, omit } from './json.ts'
import { exportRow, importRow } from './rows.ts'

const ROW_MODES = ['urlencoded', 'formdata'] as const
type RowMode = (typeof ROW_MODES)[number]
const isRowMode = (mode: Json | undefined): mode is RowMode => ROW_MODES.includes(mode as RowMode)

function modeOf(given: JsonObject): BodyMode {
  if (given.mode === 'raw' || given.mode === 'graphql') return 'raw'
  return isRowMode(given.mode) ? given.mode : 'none'
}

function languageOf(given: JsonObject): RawLanguage {
  if (given.mode === 'graphql') return 'graphql'
  const options = isObject(given.options) && isObject(given.options.raw) ? given.options.raw : {}
  return RAW_LANGUAGES.includes(options.language as RawLanguage) ? (options.language as RawLanguage) : 'text'
}

export interface ImportedBody {
  body: NonNullable<RequestInput['body']>
  /** What is kept of the body (null when the file wrote `body: null`). */
  given?: Json
}

/** Reads a request's `body` (already checked: absent, null, or an object whose row list is a list). */
export function importBody(v: Json | undefined): ImportedBody {
  if (!isObject(v)) return { body: { mode: 'none' }, ...(v === null ? { given: null } : {}) }
  const mode = modeOf(v)
  const consumed: string[] = []
  let raw = typeof v.raw === 'string' ? v.raw : ''
  if (v.mode === 'raw' && typeof v.raw === 'string') consumed.push('raw')
  let given: JsonObject = v
  if (v.mode === 'graphql' && isObject(v.graphql) && typeof v.graphql.query === 'string') {
    raw = v.graphql.query
    given = { ...v, graphql: omit(v.graphql, ['query']) }
  }
  const list = isRowMode(v.mode) ? v[v.mode] : undefined
  const fields = Array.isArray(list) ? list.filter(isObject).map(importRow) : []
  if (isRowMode(v.mode) && fields.length > 0) consumed.push(v.mode)
  return { body: { mode, raw, language: languageOf(v), fields }, given: omit(given, consumed) }
}

/** The `body` to write for `body` (undefined: none); `given` is what the import kept. */
export function exportBody(body: RequestBody, given: Json | undefined): Json | undefined {
  const kept = isObject(given) ? given : undefined
  const importedMode = kept ? modeOf(kept) : 'none'
  const importedLanguage = kept ? languageOf(kept) : 'text'
  const sameMode = body.mode === importedMode && (kept?.mode !== 'graphql' || body.language === 'graphql')
  if (sameMode && !kept) return body.mode === 'none' ? (given === null ? null : undefined) : fresh(body, {})
  if (!sameMode) return body.mode === 'none' ? undefined : fresh(body, kept ? omit(kept, ['graphql']) : {})
  const out: JsonObject = { ...kept }
  if (kept!.mode === 'graphql') out.graphql = { ...(isObject(kept!.graphql) ? kept!.graphql : {}), query: body.raw }
  else if (body.mode === 'raw') {
    out.raw = body.raw
    if (body.language !== importedLanguage) out.options = withLanguage(kept!.options, body.language)
  } else if (isRowMode(body.mode) && (body.fields.length > 0 || Array.isArray(kept![body.mode]))) out[body.mode] = body.fields.map(exportRow)
  return out
}

function withLanguage(options: Json | undefined, language: RawLanguage): JsonObject {
  const base = isObject(options) ? options : {}
  return { ...base, raw: { ...(isObject(base.raw) ? base.raw : {}), language } }
}

/** A body in `body.mode` on top of the kept fields `base`. */
function fresh(body: RequestBody, base: JsonObject): JsonObject {
  const out: JsonObject = { ...base, mode: body.mode }
  if (body.mode === 'raw') {
    out.raw = body.raw
    if (body.language !== 'text' || isObject(base.options)) out.options = withLanguage(base.options, body.language)
  } else out[body.mode] = body.fields.map((f: KeyValue) => exportRow(f))
  return out
}
