/**
 * Authentication as stored at `auth` of an item map or of a collection's `meta` map: one
 * plain JSON value holding the atomic parts (`type`, `in`: one value wins) and, for every
 * text part (token, username, password, key, value), the *seed* of the root text that holds
 * it live (see text/seed.ts). Writers never change a seed, so editing a token merges
 * character by character, and a type change rewrites only the atomic parts. A part the JSON
 * does not have yet starts from an empty seed. v1 docs stored the whole auth, texts included,
 * the same way, so they read and upgrade without a rewrite.
 */
import type * as Y from 'yjs'
import type { ApiKeyPlacement, Auth, AuthType } from './model.ts'
import { setText } from './text/diff.ts'
import { readSeeded, seededText, seedName } from './text/seed.ts'
import { ownerOf } from './text/text-field.ts'
import { isRecord, MAX_SCALAR_LENGTH } from './validate.ts'

export const AUTH_TEXT_PARTS = ['token', 'username', 'password', 'key', 'value'] as const
export type AuthTextPart = (typeof AUTH_TEXT_PARTS)[number]

const PARTS_OF: Record<AuthType, readonly AuthTextPart[]> = {
  inherit: [],
  none: [],
  bearer: ['token'],
  basic: ['username', 'password'],
  apikey: ['key', 'value'],
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
    default:
      return undefined
  }
}

const partName = (part: AuthTextPart): string => `auth.${part}`

/** The seeds of every text part stored in `json` (a part of another type included). */
export function authSeeds(json: unknown): Record<string, string> {
  const seeds: Record<string, string> = {}
  if (isRecord(json)) for (const part of AUTH_TEXT_PARTS) if (str(json[part])) seeds[partName(part)] = json[part]
  return seeds
}

/** The auth at `key` of `map` with its text parts' live values; undefined if malformed. */
export function readAuth(map: Y.Map<unknown>, key: string): Auth | undefined {
  const stored = map.get(key)
  const auth = parseAuth(stored)
  const doc = map.doc
  if (!auth || !doc) return auth
  const owner = ownerOf(map)
  const live = { ...auth } as Record<string, string>
  for (const part of PARTS_OF[auth.type]) {
    const seed = live[part]!
    live[part] = readSeeded(doc, seedName(owner, partName(part), seed), seed)
  }
  return live as unknown as Auth
}

/** The live text of one part, adding the part (empty) to the JSON if it lacks it. */
export function authText(map: Y.Map<unknown>, key: string, part: AuthTextPart): Y.Text | undefined {
  const stored = map.get(key)
  if (!map.doc || !isRecord(stored)) return undefined
  const given = stored[part]
  const seed = str(given) ? given : ''
  if (!str(given)) map.set(key, { ...stored, [part]: seed })
  return seededText(map.doc, seedName(ownerOf(map), partName(part), seed), seed)
}

/** The text of a conflict field name (`auth.token` …) at `key` of `map`. */
export function authTextByField(map: Y.Map<unknown>, key: string, field: string): Y.Text | undefined {
  const part = AUTH_TEXT_PARTS.find((p) => partName(p) === field)
  return part && authText(map, key, part)
}

/**
 * Writes `auth` at `key` of `map` (attached): the atomic parts as one value when they
 * differ, each text part as the smallest edit of its live text.
 */
export function writeAuth(map: Y.Map<unknown>, key: string, auth: Auth): void {
  const stored = map.get(key)
  const base: Record<string, unknown> = isRecord(stored) ? { ...stored } : {}
  const placement: ApiKeyPlacement | undefined = auth.type === 'apikey' ? auth.in : undefined
  const parts = PARTS_OF[auth.type]
  if (base.type !== auth.type || (placement !== undefined && base.in !== placement) || parts.some((p) => !str(base[p]))) {
    for (const part of parts) if (!str(base[part])) base[part] = ''
    map.set(key, { ...base, type: auth.type, ...(placement ? { in: placement } : {}) })
  }
  for (const part of parts) setText(authText(map, key, part)!, (auth as Record<string, unknown>)[part] as string)
}

/** Puts back the atomic parts of a lost auth value (its texts stay as they are). */
export function restoreAuthAtomics(map: Y.Map<unknown>, key: string, lost: unknown): void {
  const auth = parseAuth(lost)
  const stored = map.get(key)
  if (!auth || !isRecord(stored)) return
  const json: Record<string, unknown> = { ...stored, type: auth.type, ...(auth.type === 'apikey' ? { in: auth.in } : {}) }
  // A part the current value lacks takes the lost value's seed, so its text comes back too.
  for (const part of PARTS_OF[auth.type]) if (!str(json[part])) json[part] = (auth as Record<string, unknown>)[part]
  map.set(key, json)
}

/** An auth JSON with empty seeds, to store before `writeAuth` fills its texts. */
export function emptyAuth(auth: Auth): Record<string, unknown> {
  const json: Record<string, unknown> = { type: auth.type }
  if (auth.type === 'apikey') json.in = auth.in
  for (const part of PARTS_OF[auth.type]) json[part] = ''
  return json
}
