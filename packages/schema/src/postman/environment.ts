/**
 * Postman environment and globals files (`*.postman_environment.json`,
 * `*.postman_globals.json`) ↔ what Ferry stores. Pure functions: values come in and go out in
 * clear; sealing them is the client's job (`SecretEnvironments`), so nothing here writes a doc.
 *
 * A file is `{ id, name, values: [{ key, value, type, enabled }], _postman_variable_scope:
 * 'environment' | 'globals', _postman_exported_at, _postman_exported_using }`. Older ones vary:
 * globals as a bare array of variables (before 2016), variables named by `name` or `id`
 * instead of `key` (Newman 3), `disabled` instead of `enabled`, `type: 'text' | 'any'`, values
 * that are numbers or booleans, extra fields (`timestamp`, `description`, `owner`…).
 *
 * Nothing is dropped but a second value (`currentValue`…, see `SECOND_VALUES`): it would reach
 * the doc in clear, so it is left out and named. Ferry models a variable's key, value, enabled flag and secret flag
 * (`type: 'secret'`, or `secret: true`); everything else goes into the opaque `postman` field
 * (see environments.ts) as JSON: the file's variable object with its fields in their order and
 * `value` replaced by a tag — `"string"` (the vault holds the string) or `"json"` (the value was
 * a number, boolean, null, object or array: the vault holds its JSON text) — never the value.
 * An environment's `postman` is the file's top-level object with `values` replaced by `[]`
 * (keeping its `id`, which is how a later import finds it again). Export starts from that
 * object, so a file imported and exported unchanged comes back the same but for the export
 * stamp; Ferry's own key, value, enabled and secret win over the stored copies.
 *
 * Reading is strict: a file Ferry cannot read whole is refused with a message naming the
 * variable, so an import never stores half a file.
 */
import { isRecord, MAX_SCALAR_LENGTH } from '../validate.ts'

export type PostmanScopeKind = 'environment' | 'globals'

/** One variable as an import stores it: `value` in clear (the client seals it). */
export interface PostmanScopeVariable {
  key: string
  value: string
  enabled: boolean
  secret: boolean
  /** For the variable's `postman` field. */
  postman: string
}

/** An environment or the globals read from a Postman file. */
export interface PostmanScope {
  scope: PostmanScopeKind
  /** Postman's id of the environment (null when the file has none). */
  id: string | null
  name: string
  variables: PostmanScopeVariable[]
  /** For the environment's (or the globals') `postman` field; null for a bare-array globals file. */
  postman: string | null
  /** Second values a variable carried (`currentValue`…), not kept: see `SECOND_VALUES`. */
  dropped: { key: string; field: string }[]
}

/**
 * Fields that hold a variable's value a second time (Postman's "current value", in tools and
 * API answers that write it). Ferry keeps one value per variable, sealed by the vault; kept
 * verbatim with the other fields they would reach the doc in clear, so they are left out and
 * reported instead.
 */
export const SECOND_VALUES: ReadonlySet<string> = new Set(['currentValue', 'initialValue', 'sessionValue', 'current_value', 'initial_value', 'session_value'])

export type PostmanErrorCode =
  | 'empty'
  | 'not_json'
  | 'truncated'
  | 'not_postman'
  | 'wrong_type'
  | 'v1_collection'
  | 'unsupported_version'
  | 'too_large'

export interface PostmanFileError {
  code: PostmanErrorCode
  message: string
}

export type PostmanResult<T> = { ok: true; value: T } | { ok: false; error: PostmanFileError }

export const fail = (code: PostmanErrorCode, message: string): { ok: false; error: PostmanFileError } => ({ ok: false, error: { code, message } })

/** What a variable's `value` was, in its `postman` JSON. */
const VALUE_TAGS = { string: 'string', json: 'json' } as const

/** A value as written in a message: quoted JSON, cut short. */
export function shown(v: unknown): string {
  const text = v === undefined ? 'missing' : JSON.stringify(v) ?? String(v)
  return text.length > 40 ? `${text.slice(0, 37)}…` : text
}

/** "variable 3 ("token")" — positions count from 1, as people do. */
function variableName(index: number, v: Record<string, unknown>): string {
  const key = [v.key, v.name, v.id].find((k) => typeof k === 'string' && k !== '')
  return typeof key === 'string' ? `variable ${index + 1} (${JSON.stringify(key.length > 40 ? `${key.slice(0, 37)}…` : key)})` : `variable ${index + 1}`
}

function readVariable(v: unknown, index: number, where: string, dropped: { key: string; field: string }[]): PostmanResult<PostmanScopeVariable> {
  if (!isRecord(v)) return fail('wrong_type', `${where}: variable ${index + 1} is ${shown(v)}, not an object with a "key" and a "value".`)
  const name = `${where}: ${variableName(index, v)}`
  let key: string
  if ('key' in v) {
    if (typeof v.key !== 'string') return fail('wrong_type', `${name} has the key ${shown(v.key)}; a key must be text.`)
    key = v.key
  } else {
    // Newman 3 wrote variables with `name` and `id` and no `key`.
    const fallback = [v.name, v.id].find((k) => typeof k === 'string')
    if (typeof fallback !== 'string') return fail('wrong_type', `${name} has no "key".`)
    key = fallback
  }
  for (const flag of ['enabled', 'disabled', 'secret'] as const) {
    if (flag in v && typeof v[flag] !== 'boolean') return fail('wrong_type', `${name}: "${flag}" is ${shown(v[flag])}, not true or false.`)
  }
  if ('type' in v && typeof v.type !== 'string') return fail('wrong_type', `${name}: "type" is ${shown(v.type)}, not text.`)
  let value = ''
  const stored: Record<string, unknown> = {}
  for (const [field, content] of Object.entries(v)) {
    if (SECOND_VALUES.has(field)) {
      if (content !== '' && content !== null) dropped.push({ key, field })
    } else if (field !== 'value') stored[field] = content
    else if (content === undefined) continue
    else if (typeof content === 'string') {
      value = content
      stored.value = VALUE_TAGS.string
    } else {
      value = JSON.stringify(content)
      stored.value = VALUE_TAGS.json
    }
  }
  const postman = JSON.stringify(stored)
  if (key.length > MAX_SCALAR_LENGTH || value.length > MAX_SCALAR_LENGTH || postman.length > MAX_SCALAR_LENGTH) {
    return fail('too_large', `${name} is larger than Ferry keeps in one variable (1 MiB).`)
  }
  const enabled = v.enabled !== false && v.disabled !== true
  const secret = v.type === 'secret' || v.secret === true
  return { ok: true, value: { key, value, enabled, secret, postman } }
}

/**
 * Reads an environment or globals file (already parsed JSON). `kind` is what the caller
 * expects when the file does not say (environments inside a data dump carry no scope);
 * `fallbackName` names one without a name (e.g. after its file).
 */
export function readPostmanScope(json: unknown, options: { kind?: PostmanScopeKind; fallbackName?: string; where?: string } = {}): PostmanResult<PostmanScope> {
  const where = options.where ?? 'This file'
  if (Array.isArray(json)) {
    // Globals exported before 2016: a bare list of variables.
    const dropped: PostmanScope['dropped'] = []
    const variables = readVariables(json, where, dropped)
    if (!variables.ok) return variables
    return { ok: true, value: { scope: 'globals', id: null, name: options.fallbackName ?? 'Globals', variables: variables.value, postman: null, dropped } }
  }
  if (!isRecord(json)) return fail('not_postman', `${where} is ${shown(json)}, not a Postman environment or globals file.`)
  const declared = json._postman_variable_scope
  if (declared !== undefined && declared !== 'environment' && declared !== 'globals') {
    return fail('not_postman', `${where} holds Postman variables of the scope ${shown(declared)}; Ferry imports environments and globals.`)
  }
  const scope: PostmanScopeKind = declared ?? options.kind ?? 'environment'
  if (!Array.isArray(json.values)) {
    return fail('wrong_type', `${where} has no list of variables ("values" is ${shown(json.values)}).`)
  }
  if ('name' in json && typeof json.name !== 'string') return fail('wrong_type', `${where}: the name is ${shown(json.name)}, not text.`)
  if ('id' in json && typeof json.id !== 'string') return fail('wrong_type', `${where}: the id is ${shown(json.id)}, not text.`)
  const dropped: PostmanScope['dropped'] = []
  const variables = readVariables(json.values, where, dropped)
  if (!variables.ok) return variables
  const stored: Record<string, unknown> = {}
  for (const [field, content] of Object.entries(json)) stored[field] = field === 'values' ? [] : content
  const postman = JSON.stringify(stored)
  if (postman.length > MAX_SCALAR_LENGTH) return fail('too_large', `${where}: the ${scope === 'globals' ? 'globals carry' : 'environment carries'} more than 1 MiB of other data.`)
  const name = typeof json.name === 'string' && json.name.trim() !== '' ? json.name : (options.fallbackName ?? (scope === 'globals' ? 'Globals' : 'Postman environment'))
  return { ok: true, value: { scope, id: typeof json.id === 'string' ? json.id : null, name, variables: variables.value, postman, dropped } }
}

function readVariables(list: unknown[], where: string, dropped: PostmanScope['dropped']): PostmanResult<PostmanScopeVariable[]> {
  const out: PostmanScopeVariable[] = []
  for (const [index, v] of list.entries()) {
    const read = readVariable(v, index, where, dropped)
    if (!read.ok) return read
    out.push(read.value)
  }
  return { ok: true, value: out }
}

/** A variable as Ferry holds it, its value opened (or left empty by the caller). */
export interface PostmanExportVariable {
  key: string
  value: string
  enabled: boolean
  secret: boolean
  postman?: string
}

/** A Postman environment or globals file as written by `writePostmanScope`. */
export interface PostmanScopeFile {
  id: string
  name: string
  values: Record<string, unknown>[]
  _postman_variable_scope: PostmanScopeKind
  _postman_exported_at: string
  _postman_exported_using: string
  [field: string]: unknown
}

/** The stored JSON object, or null when it is missing or not an object (then it is ignored). */
function storedObject(postman: string | undefined): Record<string, unknown> | null {
  if (postman === undefined) return null
  try {
    const parsed: unknown = JSON.parse(postman)
    return isRecord(parsed) ? parsed : null
  } catch {
    return null
  }
}

function writeVariable(v: PostmanExportVariable): Record<string, unknown> {
  const base = storedObject(v.postman)
  if (!base) return { key: v.key, value: v.value, type: v.secret ? 'secret' : 'default', enabled: v.enabled }
  const out: Record<string, unknown> = 'key' in base ? {} : { key: v.key }
  for (const [field, content] of Object.entries(base)) {
    switch (field) {
      case 'key':
        out.key = v.key
        break
      case 'value':
        out.value = content === VALUE_TAGS.json ? parseOr(v.value) : v.value
        break
      case 'type':
        out.type = v.secret ? 'secret' : content === 'secret' ? 'default' : content
        break
      case 'enabled':
        out.enabled = v.enabled
        break
      case 'disabled':
        out.disabled = !v.enabled
        break
      case 'secret':
        out.secret = v.secret
        break
      default:
        out[field] = content
    }
  }
  if (!('value' in base) && v.value !== '') out.value = v.value
  if (v.secret && !('type' in base) && !('secret' in base)) out.type = 'secret'
  if (!v.enabled && !('enabled' in base) && !('disabled' in base)) out.enabled = false
  return out
}

/** A value that was JSON in the file reads back as JSON, unless it was edited into plain text. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * A Postman environment or globals file for `variables` (values in clear — the caller decides
 * which secret values to include). `id` is used when the stored fields have none.
 */
export function writePostmanScope(
  scope: PostmanScopeKind,
  fields: { id: string; name: string; postman?: string; variables: readonly PostmanExportVariable[]; exportedAt: string; exportedUsing: string },
): PostmanScopeFile {
  const base = storedObject(fields.postman) ?? {}
  const written: Record<string, unknown> = {
    id: typeof base.id === 'string' ? base.id : fields.id,
    name: fields.name,
    values: fields.variables.map(writeVariable),
    _postman_variable_scope: scope,
    _postman_exported_at: fields.exportedAt,
    _postman_exported_using: fields.exportedUsing,
  }
  const out: Record<string, unknown> = {}
  for (const [field, content] of Object.entries(base)) out[field] = field in written ? written[field] : content
  for (const [field, content] of Object.entries(written)) if (!(field in out)) out[field] = content
  return out as PostmanScopeFile
}

/** The Postman id stored in an environment's `postman` field, if any. */
export function postmanIdOf(postman: string | undefined): string | null {
  const id = storedObject(postman)?.id
  return typeof id === 'string' ? id : null
}

/** A file name for an export: `<name>.postman_environment.json` or `<name>.postman_globals.json`. */
export function postmanFileName(scope: PostmanScopeKind, name: string): string {
  const safe = (name.replace(/[^\w .()-]+/g, '_').trim() || (scope === 'globals' ? 'globals' : 'environment')).slice(0, 80)
  return `${safe}.postman_${scope === 'globals' ? 'globals' : 'environment'}.json`
}
