/**
 * One text field of a map: a nested `Y.Text` (schema v2, created with its map) or a v1
 * string whose live content is a seeded root text (see seed.ts). Readers and writers go
 * through here and never care which.
 */
import * as Y from 'yjs'
import { setText } from './diff.ts'
import { readSeeded, seededText, seedName } from './seed.ts'

/** A new, unattached text holding `content` (for building maps). */
export function newText(content: string | undefined): Y.Text {
  const text = new Y.Text()
  if (content) text.insert(0, content)
  return text
}

/** The value a map entry (Yjs item) holds; undefined once its content is collected. */
export const entryValue = (entry: Y.Item): unknown => entry.content.getContent().at(-1)

/** The map entry (Yjs item) currently holding `key` of `map`. */
export const entryOf = (map: Y.Map<unknown>, key: string): Y.Item | undefined => map._map.get(key)

/** The seeded text a v1 string write `entry` at `key` holds (for conflict records), if it holds one. */
export function stringSeed(key: string, entry: Y.Item): Record<string, { name: string; seed: string }> {
  const value = entryValue(entry)
  return typeof value === 'string' ? { [key]: { name: seedName(entry), seed: value } } : {}
}

/** The current value of the field `key` of `map`; undefined if it is neither text nor string. */
export function readTextField(map: Y.Map<unknown>, key: string): string | undefined {
  const v = map.get(key)
  if (v instanceof Y.Text) return v.toString()
  if (typeof v !== 'string') return undefined
  const entry = entryOf(map, key)
  return map.doc && entry ? readSeeded(map.doc, seedName(entry), v) : v
}

/** The live text of the field, for an editor to bind; undefined if absent or malformed. */
export function liveTextField(map: Y.Map<unknown>, key: string): Y.Text | undefined {
  const v = map.get(key)
  if (v instanceof Y.Text) return v
  const entry = entryOf(map, key)
  if (typeof v !== 'string' || !map.doc || !entry) return undefined
  return seededText(map.doc, seedName(entry), v)
}

/** Sets the field to `value` as the smallest edit; false if the field is absent or malformed. */
export function writeTextField(map: Y.Map<unknown>, key: string, value: string): boolean {
  const text = liveTextField(map, key)
  if (!text) return false
  setText(text, value)
  return true
}

/**
 * A stable name for a map, the same on every replica: its struct id when nested (an item,
 * row or entry), its root name otherwise.
 */
export function ownerOf(map: Y.Map<unknown>): string {
  const item = map._item
  return item ? `${item.id.client}.${item.id.clock}` : Y.findRootTypeKey(map)
}
