/**
 * Which writes to a collection doc the conflict log watches (see conflicts.ts): item fields
 * kept as plain values, names and URLs, variable rows, and auth.
 */
import * as Y from 'yjs'
import { authTexts, authTextByField, parseAuth, readAuth, restoreAuthAtomics, withTextNames } from './auth.ts'
import type { ConflictFields } from './conflicts.ts'
import { isRowAtomic } from './key-value-list.ts'
import type { RequestPatch } from './model.ts'
import { entryValue, liveTextField, readTextField, stringSeed } from './text/text-field.ts'

/** The request fields written as whole values (the rest are texts, lists or auth). */
export const REQUEST_ATOMICS = ['method', 'bodyMode', 'bodyLanguage'] as const satisfies (keyof RequestPatch)[]
const ITEM_ATOMICS: readonly string[] = [...REQUEST_ATOMICS, 'position', 'examples']
const authAtomics = (v: unknown): unknown => {
  const auth = parseAuth(v)
  return auth && { type: auth.type, in: auth.type === 'apikey' ? auth.in : undefined, ...(auth.type === 'other' ? { scheme: auth.scheme, params: auth.params } : {}) }
}

/**
 * The conflict fields of a collection doc (see `ConflictFields`): plain values and texts of
 * items and variable rows, and auth, whose type and settings are one value and whose parts are texts.
 */
export function collectionFields(roots: { readonly items: Y.Map<unknown>; readonly meta: Y.Map<unknown>; readonly rootVariables: Y.Array<unknown> }): ConflictFields {
  const { items, meta, rootVariables } = roots
  const isItem = (map: Y.Map<unknown>): boolean => map.parent === items
  const isRow = (map: Y.Map<unknown>): boolean =>
    map.parent === rootVariables || (map.parent instanceof Y.Array && map.parent.parent instanceof Y.Map && isItem(map.parent.parent))
  const hasAuth = (map: Y.Map<unknown>): boolean => map === meta || isItem(map)
  const identity = (v: unknown): unknown => v
  const isText = (map: Y.Map<unknown>, key: string): boolean => (isItem(map) ? key === 'name' || key === 'url' : isRow(map) && (key === 'key' || key === 'value'))
  return {
    atomic: (map, key) => {
      if (key === 'auth' && hasAuth(map)) return authAtomics
      return (isItem(map) && ITEM_ATOMICS.includes(key)) || (isRow(map) && isRowAtomic(key)) ? identity : undefined
    },
    seeded: (map, key, entry) => {
      if (key === 'auth' && hasAuth(map)) return authTexts(entryValue(entry), entry)
      return isText(map, key) ? stringSeed(key, entry) : {}
    },
    kept: (map, key, entry) => {
      const value = entryValue(entry)
      return key === 'auth' && hasAuth(map) ? withTextNames(value, entry) : value
    },
    readText: (map, field) => {
      if (!field.startsWith('auth.')) return readTextField(map, field)
      const auth = readAuth(map, 'auth') as Record<string, unknown> | undefined
      const part = auth?.[field.slice(5)]
      return typeof part === 'string' ? part : undefined
    },
    liveText: (map, field) => (field.startsWith('auth.') ? authTextByField(map, 'auth', field) : liveTextField(map, field)),
    restore: (map, key, value) => (key === 'auth' ? restoreAuthAtomics(map, key, value) : map.set(key, value)),
  }
}

