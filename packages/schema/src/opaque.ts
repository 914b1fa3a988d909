/**
 * Opaque JSON — what Ferry keeps verbatim from imported files (`kept`, `examples`, a compact
 * request's `postmanItem`) — is stored as a JSON *string*, not as a Yjs JSON value: Yjs
 * refuses an object with a `constructor` key, its decoder turns a `__proto__` key into a
 * prototype, and it encodes lone surrogates lossily, so the importing device and the others
 * would read different things. A string holds any JSON exactly (`JSON.stringify` escapes lone
 * surrogates). Parsed values are cached per stored entry and frozen: every read hands out the
 * same object, and changing a read cannot change what the doc holds or a later write.
 */
import type * as Y from 'yjs'
import type { Json } from './model.ts'
import { entryOf } from './text/text-field.ts'

export const encodeOpaque = (value: Json): string => JSON.stringify(value)

const parsed = new WeakMap<Y.Item, Json | undefined>()

/** Freezes `value` and everything in it, without recursion (imported JSON may nest deeply). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value]
  for (let at = stack.pop(); at !== undefined; at = stack.pop()) {
    if (at === null || typeof at !== 'object' || Object.isFrozen(at)) continue
    Object.freeze(at)
    for (const v of Object.values(at)) stack.push(v)
  }
  return value
}

/** Parses a stored opaque string (a hostile peer's bad one reads as undefined). */
export function decodeOpaque(stored: unknown): Json | undefined {
  if (typeof stored !== 'string') return undefined
  try {
    return deepFreeze(JSON.parse(stored) as Json)
  } catch {
    return undefined
  }
}

/** The opaque value at `key` of `map`, parsed once per stored entry; undefined if absent or unreadable. */
export function readOpaque(map: Y.Map<unknown>, key: string): Json | undefined {
  const entry = entryOf(map, key)
  if (!entry || entry.deleted) return undefined
  if (parsed.has(entry)) return parsed.get(entry)
  const value = decodeOpaque(map.get(key))
  parsed.set(entry, value)
  return value
}

const isObject = (v: Json | undefined): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A map's `kept` fields (an object), if it has any. */
export function readKept(map: Y.Map<unknown>): { kept?: { [key: string]: Json } } {
  const kept = readOpaque(map, 'kept')
  return isObject(kept) ? { kept } : {}
}

/** Stores `value` at `key` (deletes it for undefined), writing only when it changes. */
export function writeOpaque(map: Y.Map<unknown>, key: string, value: Json | undefined): void {
  const next = value === undefined ? undefined : encodeOpaque(value)
  if (map.get(key) === next) return
  if (next === undefined) map.delete(key)
  else map.set(key, next)
}
