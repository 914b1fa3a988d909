/**
 * Postman auth ↔ Ferry auth. Ferry sends noauth, bearer, basic and apikey itself; every
 * other scheme (oauth2, oauth1, digest, awsv4, hawk, ntlm, edgegrid, jwt, asap…) becomes
 * `{ type: 'other', scheme, params }` with its parameters as given. The auth object as given
 * (v2.0's `{ key: value }` parameter objects turned into v2.1 lists) is kept: while Ferry's
 * auth still reads the same, an export writes it back unchanged; after an edit, the edited
 * parameters are written into it and the rest (parameter types, other schemes' leftovers) stays.
 */
import type { ApiKeyPlacement, Auth, AuthParam, Json, JsonObject } from '../model.ts'
import { isObject, scalar, sameJson } from './json.ts'

/** v2.0 parameter objects as v2.1 lists; every other key as given. */
export function normaliseAuth(v: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [k, val] of Object.entries(v)) {
    out[k] = k !== 'type' && isObject(val) ? Object.entries(val).map(([key, value]) => ({ key, value })) : val
  }
  return out
}

function paramsOf(auth: JsonObject, scheme: string): AuthParam[] {
  const list = auth[scheme]
  if (!Array.isArray(list)) return []
  return list.filter(isObject).map((p) => ({ key: scalar(p.key), value: p.value ?? null, ...(typeof p.type === 'string' ? { type: p.type } : {}) }))
}

/** Ferry's reading of a (normalised) Postman auth object. */
export function authFrom(auth: JsonObject): Auth {
  const scheme = scalar(auth.type)
  const params = paramsOf(auth, scheme)
  const get = (key: string): string => scalar(params.find((p) => p.key === key)?.value)
  switch (scheme) {
    case 'noauth':
      return { type: 'none' }
    case 'bearer':
      return { type: 'bearer', token: get('token') }
    case 'basic':
      return { type: 'basic', username: get('username'), password: get('password') }
    case 'apikey':
      return { type: 'apikey', key: get('key'), value: get('value'), in: (get('in') === 'query' ? 'query' : 'header') satisfies ApiKeyPlacement }
    default:
      return { type: 'other', scheme, params }
  }
}

const sameAuth = (a: Auth, b: Auth): boolean => sameJson(a as unknown as Json, b as unknown as Json)

/** The modeled parameters of a native scheme, with the value that goes unwritten when absent. */
function nativeParams(auth: Auth): { scheme: string; params: [string, string, string][] } | undefined {
  switch (auth.type) {
    case 'bearer':
      return { scheme: 'bearer', params: [['token', auth.token, '']] }
    case 'basic':
      return { scheme: 'basic', params: [['username', auth.username, ''], ['password', auth.password, '']] }
    case 'apikey':
      return { scheme: 'apikey', params: [['key', auth.key, ''], ['value', auth.value, ''], ['in', auth.in, 'header']] }
    default:
      return undefined
  }
}

/** Sets each parameter's value in `list`, keeping the others and every parameter's other fields. */
function overlay(list: Json | undefined, params: [string, string, string][]): Json[] {
  const out = Array.isArray(list) ? list.map((p) => (isObject(p) ? { ...p } : p)) : []
  for (const [key, value, unwritten] of params) {
    const at = out.find((p): p is JsonObject => isObject(p) && p.key === key)
    if (at) {
      if (scalar(at.value) !== value) at.value = value
    } else if (value !== unwritten) out.push({ key, value, type: 'string' })
  }
  return out
}

/**
 * The Postman auth to write for `auth` (undefined: none, inheriting); `given` is the
 * normalised auth the import kept (null when the file wrote `auth: null`).
 */
export function authTo(auth: Auth, given: Json | undefined): Json | undefined {
  const base = isObject(given) ? given : undefined
  if (auth.type === 'inherit') return given === null ? null : undefined
  if (base && sameAuth(authFrom(base), auth)) return base
  const out: JsonObject = { ...base }
  if (auth.type === 'none') return { ...out, type: 'noauth' }
  if (auth.type === 'other') return { ...out, type: auth.scheme, [auth.scheme]: auth.params as unknown as Json[] }
  const native = nativeParams(auth)!
  return { ...out, type: native.scheme, [native.scheme]: overlay(base?.[native.scheme], native.params) }
}
