/**
 * Authentication as stored at `auth` of an item map or of a collection's `meta` map: one
 * plain JSON value holding the atomic parts (`type`, `in`: one value wins) and, for every
 * text part (token, username, password, key, value), the *seed* of the root text that holds
 * it live (see text/seed.ts). The text of a part is named after the write that first stored
 * its seed; a v2 writer that rewrites the JSON (a type change) carries those names along in
 * `texts`, so editing a token merges character by character and a type change on another
 * device keeps it. A write by a v1 client (which knows nothing of `texts`) starts new texts
 * from its values, exactly like a v1 string field. v1 docs stored auth the same way, so they
 * read and upgrade without a rewrite.
 */
import type * as Y from 'yjs'
import type { ApiKeyPlacement, Auth, AuthParam, AuthType } from './model.ts'
import { setText } from './text/diff.ts'
import { readSeeded, seededText, seedName } from './text/seed.ts'
import { entryOf } from './text/text-field.ts'
import { isRecord, MAX_SCALAR_LENGTH } from './validate.ts'

export const AUTH_TEXT_PARTS = ['token', 'username', 'password', 'key', 'value'] as const
export type AuthTextPart = (typeof AUTH_TEXT_PARTS)[number]

const PARTS_OF: Record<AuthType, readonly AuthTextPart[]> = {
  inherit: [],
  none: [],
  bearer: ['token'],
  basic: ['username', 'password'],
  apikey: ['key', 'value'],
  other: [],
}

const isParam = (p: unknown): p is AuthParam =>
  isRecord(p) && typeof p.key === 'string' && p.key.length <= MAX_SCALAR_LENGTH && (p.type === undefined || typeof p.type === 'string')

/** The parameters of an `other` scheme, or undefined if malformed. */
function parseParams(v: unknown): AuthParam[] | undefined {
  return Array.isArray(v) && v.every(isParam) ? v.map((p) => ({ ...p })) : undefined
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH

/** The stored JSON's parts as they are written (seeds for texts), or undefined if invalid. */
export function parseAuth(v: unknown): Auth | undefined {
  if (!isRecord(v)) return undefined
  switch (v.type) {
    case 'inherit':
    case 'none':
      return { type: v.type }
    case 'bearer':
      return str(v.token) ? { type: 'bearer', token: v.token } : undefined
    case 'basic':
      return str(v.username) && str(v.password) ? { type: 'basic', username: v.username, password: v.password } : undefined
    case 'apikey':
      return str(v.key) && str(v.value) && (v.in === 'header' || v.in === 'query')
        ? { type: 'apikey', key: v.key, value: v.value, in: v.in }
        : undefined
    case 'other': {
      const params = parseParams(v.params)
      return typeof v.scheme === 'string' && v.scheme.length <= 64 && params ? { type: 'other', scheme: v.scheme, params } : undefined
    }
    default:
      return undefined
  }
}


export const partField = (part: AuthTextPart): string => `auth.${part}`

/** The root text name of `part` in the JSON `json` stored by map entry `entry`. */
function partName(json: Record<string, unknown>, entry: Y.Item, part: AuthTextPart): string {
  const named = isRecord(json.texts) ? json.texts[part] : undefined
  return typeof named === 'string' && named.startsWith('v1:') && named.length < 64 ? named : seedName(entry, part)
}

/** Every text part's root text name and seed in the JSON stored by `entry` (conflict field → …). */
export function authTexts(json: unknown, entry: Y.Item): Record<string, { name: string; seed: string }> {
  const out: Record<string, { name: string; seed: string }> = {}
  if (isRecord(json)) for (const part of AUTH_TEXT_PARTS) if (str(json[part])) out[partField(part)] = { name: partName(json, entry, part), seed: json[part] }
  return out
}

/** The auth at `key` of `map` with its text parts' live values; undefined if malformed. */
export function readAuth(map: Y.Map<unknown>, key: string): Auth | undefined {
  const stored = map.get(key)
  const auth = parseAuth(stored)
  const entry = entryOf(map, key)
  if (!auth || !map.doc || !entry || !isRecord(stored)) return auth
  const live = { ...auth } as Record<string, string>
  for (const part of PARTS_OF[auth.type]) live[part] = readSeeded(map.doc, partName(stored, entry, part), live[part]!)
  return live as unknown as Auth
}

/**
 * Rewrites the JSON at `key` with `changes`, carrying every part's text name along in
 * `texts` (a new value is a new map entry, and names default to the entry's id).
 */
function rewrite(map: Y.Map<unknown>, key: string, changes: Record<string, unknown>): void {
  const stored = map.get(key)
  const entry = entryOf(map, key)
  const base: Record<string, unknown> = isRecord(stored) ? { ...stored } : {}
  const texts: Record<string, string> = {}
  if (entry) for (const part of AUTH_TEXT_PARTS) if (str(base[part])) texts[part] = partName(base, entry, part)
  map.set(key, { ...base, ...changes, texts: { ...texts, ...(isRecord(changes.texts) ? changes.texts : {}) } })
}

/** The live text of one part, adding the part (empty) to the JSON if it lacks it. */
export function authText(map: Y.Map<unknown>, key: string, part: AuthTextPart): Y.Text | undefined {
  if (!map.doc || !isRecord(map.get(key))) return undefined
  if (!str((map.get(key) as Record<string, unknown>)[part])) rewrite(map, key, { [part]: '' })
  const stored = map.get(key) as Record<string, unknown>
  return seededText(map.doc, partName(stored, entryOf(map, key)!, part), stored[part] as string)
}

/** The text of a conflict field name (`auth.token` …) at `key` of `map`. */
export function authTextByField(map: Y.Map<unknown>, key: string, field: string): Y.Text | undefined {
  const part = AUTH_TEXT_PARTS.find((p) => partField(p) === field)
  return part && authText(map, key, part)
}

/**
 * Writes `auth` at `key` of `map` (attached): the atomic parts as one value when they
 * differ, each text part as the smallest edit of its live text.
 */
export function writeAuth(map: Y.Map<unknown>, key: string, auth: Auth): void {
  const stored = map.get(key)
  const base: Record<string, unknown> = isRecord(stored) ? stored : {}
  const placement: ApiKeyPlacement | undefined = auth.type === 'apikey' ? auth.in : undefined
  const parts = PARTS_OF[auth.type]
  const missing = parts.filter((p) => !str(base[p]))
  const other = auth.type === 'other' ? { scheme: auth.scheme, params: auth.params } : undefined
  const otherChanged = other !== undefined && (base.scheme !== other.scheme || JSON.stringify(base.params) !== JSON.stringify(other.params))
  if (base.type !== auth.type || (placement !== undefined && base.in !== placement) || missing.length > 0 || otherChanged) {
    rewrite(map, key, { type: auth.type, ...(placement ? { in: placement } : {}), ...other, ...Object.fromEntries(missing.map((p) => [p, ''])) })
  }
  for (const part of parts) setText(authText(map, key, part)!, (auth as Record<string, unknown>)[part] as string)
}

/**
 * Puts back the atomic parts of a lost auth value (its texts stay as they are). A part the
 * current value lacks takes the lost value's seed and text name (conflict records keep the
 * names in `texts`), so its content comes back too.
 */
export function restoreAuthAtomics(map: Y.Map<unknown>, key: string, lost: unknown): void {
  const auth = parseAuth(lost)
  if (!auth || !isRecord(lost) || !isRecord(map.get(key))) return
  const stored = map.get(key) as Record<string, unknown>
  const lostTexts = isRecord(lost.texts) ? lost.texts : {}
  const changes: Record<string, unknown> = {
    type: auth.type,
    ...(auth.type === 'apikey' ? { in: auth.in } : {}),
    ...(auth.type === 'other' ? { scheme: auth.scheme, params: auth.params } : {}),
  }
  const texts: Record<string, unknown> = {}
  for (const part of PARTS_OF[auth.type]) {
    if (str(stored[part])) continue
    changes[part] = (auth as Record<string, unknown>)[part]
    if (typeof lostTexts[part] === 'string') texts[part] = lostTexts[part]
  }
  rewrite(map, key, { ...changes, texts })
}

/** `json` (stored by `entry`) with every text part's name in `texts`, for keeping past its entry. */
export function withTextNames(json: unknown, entry: Y.Item): unknown {
  if (!isRecord(json)) return json
  const texts: Record<string, string> = {}
  for (const part of AUTH_TEXT_PARTS) if (str(json[part])) texts[part] = partName(json, entry, part)
  return { ...json, texts }
}

/** An auth JSON with empty seeds, to store before `writeAuth` fills its texts. */
export function emptyAuth(auth: Auth): Record<string, unknown> {
  const json: Record<string, unknown> = { type: auth.type }
  if (auth.type === 'apikey') json.in = auth.in
  if (auth.type === 'other') Object.assign(json, { scheme: auth.scheme, params: auth.params })
  for (const part of PARTS_OF[auth.type]) json[part] = ''
  return json
}
