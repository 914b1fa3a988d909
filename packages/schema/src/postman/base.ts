/**
 * What an import (or update) noted about what the file said, so that the next update from a
 * newer file can merge three ways: `kept["ferry:base"]` of each item and of the collection.
 *
 * - Per field Ferry edits, the file's reading of it: texts, method, body settings, rows and
 *   scripts as they were (so texts and rows can be merged, not only compared), auth and saved
 *   responses — and any value over `NOTED_LIMIT` characters — as a fingerprint only (enough to
 *   tell whether a side changed it).
 * - Of a folder and of the collection, `items`: the file's items in it, in order, as
 *   `"<Ferry id> <fingerprint of the item's own fields>"` — where the file placed each item
 *   (an update moves only what the file moved) and what the file said of items deleted in
 *   Ferry since (one the file still has unchanged is not added back).
 *
 * A compact request holds its Postman item, from which its reading — this base included — is
 * derived: while compact, it is its own base. Bases written before this format (`v` absent)
 * held one fingerprint per field; they still tell whether the file changed a field.
 */
import type { Auth, Json, JsonObject, KeyValue, Script } from '../model.ts'
import { hash64 } from '../struct-state.ts'
import { isObject, NOTE_PREFIX, sameJson } from './json.ts'

/** Where an import notes what the file said (see above). */
export const BASE = `${NOTE_PREFIX}base`
const FORMAT = 2
/** Longer values are noted as a fingerprint (a text over it is compared, not merged). */
export const NOTED_LIMIT = 32 * 1024

export type FieldKind = 'text' | 'atomic' | 'rows' | 'scripts'
export const FIELD_KINDS = {
  name: 'text',
  method: 'atomic',
  description: 'text',
  auth: 'atomic',
  examples: 'atomic',
  url: 'text',
  params: 'rows',
  pathVariables: 'rows',
  headers: 'rows',
  bodyRaw: 'text',
  bodyMode: 'atomic',
  bodyLanguage: 'atomic',
  bodyFields: 'rows',
  scripts: 'scripts',
  variables: 'rows',
} as const satisfies Record<string, FieldKind>
export type Field = keyof typeof FIELD_KINDS

export const REQUEST_FIELDS = Object.keys(FIELD_KINDS) as Field[]
export const FOLDER_FIELDS: Field[] = ['name', 'description', 'auth', 'scripts', 'variables']
export const COLLECTION_FIELDS: Field[] = ['description', 'auth', 'scripts', 'variables']

/** A field's value as Ferry reads it (rows and scripts as plain lists). */
export type Reading = Partial<Record<Field, Json>>

/** Anything with the fields of a request, folder or collection (an input, a read, a parse). */
export interface Source {
  name?: string
  method?: string
  description?: string
  auth?: Auth
  examples?: Json[]
  url?: string
  params?: readonly Partial<KeyValue>[]
  pathVariables?: readonly Partial<KeyValue>[]
  headers?: readonly Partial<KeyValue>[]
  body?: { mode?: string; raw?: string; language?: string; fields?: readonly Partial<KeyValue>[] }
  scripts?: readonly Partial<Script>[]
  variables?: readonly Partial<KeyValue>[]
}

const row = (r: Partial<KeyValue>): Json => ({ key: r.key ?? '', value: r.value ?? '', enabled: r.enabled ?? true, ...(r.kept ? { kept: r.kept } : {}) })
const script = (s: Partial<Script>): Json => ({ listen: s.listen ?? '', code: s.code ?? '', ...(s.kept ? { kept: s.kept } : {}) })
const isRow = (r: Partial<KeyValue>): boolean =>
  typeof r.key === 'string' && typeof r.value === 'string' && typeof r.enabled === 'boolean' && Object.keys(r).length === (r.kept ? 4 : 3)
const isScript = (s: Partial<Script>): boolean => typeof s.listen === 'string' && typeof s.code === 'string' && Object.keys(s).length === (s.kept ? 3 : 2)
/** Rows as plain lists (an import's are already: shared, not copied). */
const rows = (list: readonly Partial<KeyValue>[] | undefined): Json => (!list ? [] : list.every(isRow) ? (list as Json) : list.map(row))

/** The value of `field` in `source`, defaults filled in. */
export function valueOf(source: Source, field: Field): Json {
  switch (field) {
    case 'name': return source.name ?? ''
    case 'method': return source.method ?? 'GET'
    case 'description': return source.description ?? ''
    case 'auth': return (source.auth ?? { type: 'inherit' }) as unknown as Json
    case 'examples': return source.examples ?? []
    case 'url': return source.url ?? ''
    case 'bodyRaw': return source.body?.raw ?? ''
    case 'bodyMode': return source.body?.mode ?? 'none'
    case 'bodyLanguage': return source.body?.language ?? 'text'
    case 'bodyFields': return rows(source.body?.fields)
    case 'scripts': return !source.scripts ? [] : source.scripts.every(isScript) ? (source.scripts as Json) : source.scripts.map(script)
    default: return rows(source[field])
  }
}

export function readingOf(source: Source, fields: readonly Field[]): Reading {
  const out: Reading = {}
  for (const field of fields) out[field] = valueOf(source, field)
  return out
}

/** A fingerprint of a JSON value (key order ignored), without recursion. */
export function fingerprint(v: Json | undefined): string {
  const parts: (string | number)[] = []
  const stack: (Json | undefined)[] = [v]
  while (stack.length > 0) {
    const at = stack.pop()
    if (Array.isArray(at)) {
      parts.push('[', at.length)
      for (let i = at.length - 1; i >= 0; i--) stack.push(at[i])
    } else if (isObject(at)) {
      const keys = Object.keys(at).sort()
      parts.push('{', keys.length)
      for (let i = keys.length - 1; i >= 0; i--) stack.push(at[keys[i]!], keys[i])
    } else parts.push(at === undefined ? 'u' : `${typeof at}`, String(at))
  }
  return hash64(parts)
}

const FP = '#'
const isNote = (v: Json | undefined): v is { [FP]: string } => isObject(v) && typeof v[FP] === 'string' && Object.keys(v).length === 1

function size(v: Json): number {
  return typeof v === 'string' ? v.length : JSON.stringify(v).length
}

/** What a base notes of `fields` of `source` (see above). */
export function noteBase(fields: readonly Field[], source: Source): JsonObject {
  const out: JsonObject = { v: FORMAT }
  for (const field of fields) {
    const value = valueOf(source, field)
    out[field] = field === 'auth' || field === 'examples' || size(value) > NOTED_LIMIT ? { [FP]: fingerprint(value) } : value
  }
  return out
}

/** Whether a noted base value says `value` (false when nothing is known of it). */
export function matches(noted: Json | undefined, value: Json): boolean {
  if (noted === undefined) return false
  return isNote(noted) ? noted[FP] === fingerprint(value) : sameJson(noted, value)
}

/** The base value itself, if it was noted whole (texts and rows can then be merged). */
export const known = (noted: Json | undefined): Json | undefined => (noted === undefined || isNote(noted) ? undefined : noted)

const LEGACY: Partial<Record<Field, string>> = { params: 'url', pathVariables: 'url', bodyRaw: 'body', bodyMode: 'body', bodyLanguage: 'body', bodyFields: 'body' }

/** The first format's fingerprint (FNV-1a over the structure, key order kept). */
function legacyFingerprint(v: unknown): string {
  let h = 0x811c9dc5
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  }
  const stack: unknown[] = [v]
  while (stack.length > 0) {
    const at = stack.pop()
    if (Array.isArray(at)) {
      mix(`[${at.length}`)
      for (let i = at.length - 1; i >= 0; i--) stack.push(at[i])
    } else if (at !== null && typeof at === 'object') {
      const keys = Object.keys(at)
      mix(`{${keys.length}`)
      for (let i = keys.length - 1; i >= 0; i--) stack.push((at as Record<string, unknown>)[keys[i]!], keys[i])
    } else mix(`${typeof at}:${String(at)};`)
  }
  return (h >>> 0).toString(36)
}

/** What the first format noted of `file` (an input as the import read it) for the field holding `field`. */
function legacyNote(file: Source, field: Field): string {
  const key = LEGACY[field] ?? field
  if (key === 'url') return legacyFingerprint([file.url, file.params, file.pathVariables])
  if (key === 'body') return legacyFingerprint(file.body)
  return legacyFingerprint(file[key as keyof Source])
}

/**
 * The base noted in `kept` for `fields` (undefined per field where nothing is known). A base
 * of the first format knows a field only where the new `file` says what it said then (its
 * fingerprint is the same), and then it said what the file says.
 */
export function baseOf(kept: Json | undefined, fields: readonly Field[], file?: Source): Reading {
  const noted = isObject(kept) && isObject(kept[BASE]) ? kept[BASE] : undefined
  const out: Reading = {}
  if (!noted) return out
  for (const field of fields) {
    if (noted.v === FORMAT) out[field] = noted[field]
    else if (file && noted[LEGACY[field] ?? field] === legacyNote(file, field)) out[field] = valueOf(file, field)
  }
  return out
}

/** Whether `kept` holds a base (the item came from a file). */
export const hasBase = (kept: Json | undefined): boolean => isObject(kept) && isObject(kept[BASE])

/** The `items` of a base: the file's items in a folder or the collection (Ferry id, fingerprint). */
export function baseItems(kept: Json | undefined): { id: string; fp: string }[] | undefined {
  const noted = isObject(kept) && isObject(kept[BASE]) ? kept[BASE] : undefined
  if (!noted || !Array.isArray(noted.items)) return undefined
  return noted.items.filter((e): e is string => typeof e === 'string').map((e) => ({ id: e.slice(0, e.indexOf(' ')), fp: e.slice(e.indexOf(' ') + 1) }))
}

/** `kept` with `items` noted in its base. */
export function withItems(kept: JsonObject | undefined, items: readonly { id: string; fp: string }[]): JsonObject {
  const base = isObject(kept?.[BASE]) ? kept[BASE] : {}
  return { ...kept, [BASE]: { ...base, items: items.map((e) => `${e.id} ${e.fp}`) } }
}

/** `kept` without its base (an item the file dropped that Ferry keeps becomes Ferry's own). */
export function withoutBase(kept: JsonObject | undefined): JsonObject | undefined {
  if (!kept) return undefined
  const { [BASE]: _, ...rest } = kept
  return Object.keys(rest).length > 0 ? rest : undefined
}

/** The fingerprint of an item's own fields as the file says them (its base without `items`). */
export function itemFingerprint(kept: Json | undefined): string {
  const noted = isObject(kept) && isObject(kept[BASE]) ? kept[BASE] : {}
  const { items: _, ...own } = noted
  return fingerprint(own)
}
