/**
 * Postman URLs ↔ Ferry's URL text, query rows and path-variable rows.
 *
 * Ferry edits the URL as typed (`raw`). The parts a file gave (protocol, host, port, path,
 * hash and anything else) are kept as given, with the text Ferry read them as
 * (`kept.urlRaw`): while the text still reads the same, an export writes the given parts
 * back unchanged. Once the text is edited, the parts are derived from it with Postman's own
 * URL parser (postman-url-encoder), so `localhost:{{port}}/x`, `a//b`, a trailing `/`,
 * `user:pass@`, `#fragment` and IPv6 hosts come out as Postman and newman read them.
 * A file may give a URL object with no `raw` (v2.0): its text is built from the parts.
 */
/// <reference path="./url-parser.d.ts" />
import urlParser from 'postman-url-encoder/parser/index.js'
import type { Json, JsonObject, KeyValue } from '../model.ts'
import { isObject, omit, scalar } from './json.ts'
import { exportRow, importRow } from './rows.ts'

export interface ImportedUrl {
  url: string
  params: Partial<KeyValue>[]
  pathVariables: Partial<KeyValue>[]
  /** The URL as given without its query and path-variable rows (a string URL as is). */
  given?: Json
}

/** `?a=1&flag` → rows, as Postman splits a query string (a key without `=` has a null value). */
export function queryRows(url: string): Partial<KeyValue>[] {
  const hash = url.indexOf('#')
  const beforeHash = hash === -1 ? url : url.slice(0, hash)
  const q = beforeHash.indexOf('?')
  if (q === -1) return []
  return beforeHash
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=')
      return importRow(eq === -1 ? { key: part, value: null } : { key: part.slice(0, eq), value: part.slice(eq + 1) })
    })
}

const segment = (v: Json): string => (isObject(v) ? scalar(v.value) : scalar(v))

/** The text of a URL given as parts (v2.0 objects without `raw`). */
function rawFromParts(url: JsonObject, query: Partial<KeyValue>[]): string {
  let out = ''
  if (typeof url.protocol === 'string' && url.protocol !== '') out += `${url.protocol.replace(/:?\/*$/, '')}://`
  if (Array.isArray(url.host)) out += url.host.map(segment).join('.')
  else if (url.host !== undefined) out += scalar(url.host)
  if (url.port !== undefined && url.port !== null && url.port !== '') out += `:${scalar(url.port)}`
  if (Array.isArray(url.path)) out += url.path.map((p) => `/${segment(p)}`).join('')
  else if (typeof url.path === 'string' && url.path !== '') out += url.path.startsWith('/') ? url.path : `/${url.path}`
  const enabled = query.filter((r) => r.enabled !== false)
  if (enabled.length > 0) out += `?${enabled.map((r) => (r.kept?.value === null ? r.key : `${r.key}=${r.value}`)).join('&')}`
  if (typeof url.hash === 'string' && url.hash !== '') out += `#${url.hash}`
  return out
}

/** Reads a request's `url` (already checked: absent, a string, or an object with row lists). */
export function importUrl(v: Json | undefined): ImportedUrl {
  if (v === undefined || v === null) return { url: '', params: [], pathVariables: [], ...(v === null ? { given: null } : {}) }
  if (!isObject(v)) return { url: scalar(v), params: queryRows(scalar(v)), pathVariables: [], given: v }
  // Non-objects in the lists are reported by the importer (the file is refused); they are skipped here.
  const params = Array.isArray(v.query) ? v.query.filter(isObject).map(importRow) : []
  const pathVariables = Array.isArray(v.variable) ? v.variable.filter(isObject).map(importRow) : []
  const url = typeof v.raw === 'string' ? v.raw : rawFromParts(v, params)
  // Non-empty row lists live on as Ferry rows; an empty one stays in what is kept.
  const consumed = (['query', 'variable'] as const).filter((k) => Array.isArray(v[k]) && v[k].length > 0)
  return { url, params, pathVariables, given: omit(v, consumed) }
}

const PARTS = ['raw', 'protocol', 'auth', 'host', 'port', 'path', 'hash']

/** The parts of an edited URL text, as Postman's parser reads them. */
function partsOf(text: string): JsonObject {
  const parsed = urlParser.parse(text)
  const out: JsonObject = { raw: text }
  if (parsed.protocol) out.protocol = parsed.protocol
  if (parsed.host) out.host = parsed.host
  if (parsed.port) out.port = parsed.port
  if (parsed.path) out.path = parsed.path
  if (parsed.hash !== undefined) out.hash = parsed.hash
  return out
}

const sameRows = (a: readonly Partial<KeyValue>[], b: readonly KeyValue[]): boolean =>
  a.length === b.length && a.every((r, i) => r.key === b[i]!.key && r.value === b[i]!.value && (r.enabled ?? true) === b[i]!.enabled)

/**
 * The `url` to write for a request whose URL text is `text`, with query rows `params` and
 * path variables `pathVariables`; `given` and `givenText` are what the import kept.
 */
export function exportUrl(text: string, params: readonly KeyValue[], pathVariables: readonly KeyValue[], given: Json | undefined, givenText: string | undefined): Json | undefined {
  const unchanged = givenText !== undefined && text === givenText
  if (unchanged && given === null) return null
  if (unchanged && typeof given === 'string') {
    if (pathVariables.length === 0 && sameRows(queryRows(text), params)) return given
  }
  const base: JsonObject = unchanged && isObject(given) ? { ...given } : { ...(isObject(given) ? omit(given, PARTS) : {}), ...partsOf(text) }
  if (params.length > 0) base.query = params.map(exportRow)
  if (pathVariables.length > 0) base.variable = pathVariables.map(exportRow)
  return base
}
