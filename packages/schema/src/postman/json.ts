/** Small helpers for the untrusted JSON of imported files. */
import type { Json, JsonObject } from '../model.ts'

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `obj` without `keys` (a shallow copy). */
export function omit(obj: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v
  return out
}

/** `obj`, or undefined when it has no keys (so empty leftovers are not stored). */
export const nonEmpty = (obj: JsonObject): JsonObject | undefined => (Object.keys(obj).length > 0 ? obj : undefined)

/** A scalar as the string Ferry edits: numbers and booleans spelled out, null/absent empty, objects as JSON. */
export function scalar(v: Json | undefined): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/** Deep equality of two JSON values (key order ignored). */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) return a.length === (b as Json[]).length && a.every((v, i) => sameJson(v, (b as Json[])[i]))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => k in (b as JsonObject) && sameJson(a[k], (b as JsonObject)[k]))
}

/** Keys of kept objects that are Ferry's own notes about how a value was written, not Postman's. */
export const NOTE_PREFIX = 'ferry:'
