/**
 * Writes two devices make identically. Yjs applies a struct once per id, so two devices that
 * make the same edit from the same state under the same client id write it once between them
 * — as materializing a compact request does (compact.ts). An update from a file uses this for
 * its edits (see `Collection.writeAs`): the client id is derived from what is written and
 * from the state of the types it writes into, so the same update on two devices that hold the
 * same item lands once, and anything else (another state, another file) gets another id and
 * merges as concurrent edits do.
 *
 * The state is a fingerprint of the structs of those types: ids, lengths, deletions, nested
 * types — not content, which a struct id fixes for good. Runs of characters are counted the
 * same however Yjs split or merged their structs, since origins name characters, not structs.
 */
import * as Y from 'yjs'
import type { SharedType } from './transact.ts'

/** A 64-bit string hash (two 32-bit lanes) as 13 base-36 characters per lane pair. */
export function hash64(parts: readonly (string | number)[]): string {
  let h1 = 0x811c9dc5
  let h2 = 0x2545f491
  for (const part of parts) {
    const s = typeof part === 'number' ? `${part};` : `${part.length}:${part}`
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 0x01000193)
      h2 = Math.imul(h2 ^ c, 0x5bd1e995)
      h2 ^= h2 >>> 13
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ h2
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35) ^ h1
  return (h1 >>> 0).toString(36).padStart(7, '0') + (h2 >>> 0).toString(36).padStart(7, '0')
}

/**
 * The fingerprint of the structs of `types` and everything nested in them (without recursion:
 * a hostile peer may nest deeply). `keep`: which keys of the first type count (an item's
 * `position` does not: writes made under the derived id never touch it).
 */
export function structState(types: readonly SharedType[], keep: (key: string) => boolean = () => true): string {
  const parts: (string | number)[] = []
  const stack: { type: SharedType; top: boolean }[] = types.map((type, i) => ({ type, top: i === 0 }))
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { type, top } = next
    parts.push('{', type._item ? `${type._item.id.client}.${type._item.id.clock}` : Y.findRootTypeKey(type))
    for (const key of [...type._map.keys()].sort()) {
      if (top && !keep(key)) continue
      const item = type._map.get(key)!
      parts.push(key, item.id.client, item.id.clock + item.length - 1, item.deleted ? 1 : 0)
      if (!item.deleted && item.content instanceof Y.ContentType) stack.push({ type: item.content.type, top: false })
    }
    parts.push('[')
    let run: { client: number; end: number; deleted: boolean } | undefined
    for (let item = type._start; item !== null; item = item.right) {
      const nested = item.content instanceof Y.ContentType
      if (run && !nested && run.client === item.id.client && run.end === item.id.clock && run.deleted === item.deleted) {
        run.end += item.length
        continue
      }
      if (run) parts.push(run.client, run.end, run.deleted ? 1 : 0)
      parts.push(item.id.client, item.id.clock)
      run = { client: item.id.client, end: item.id.clock + item.length, deleted: item.deleted }
      if (nested) {
        parts.push(run.end, run.deleted ? 1 : 0)
        run = undefined
        if (!item.deleted) stack.push({ type: (item.content as Y.ContentType).type, top: false })
      }
    }
    if (run) parts.push(run.client, run.end, run.deleted ? 1 : 0)
    parts.push('}')
  }
  return hash64(parts)
}

/**
 * The names of the seeded root texts (auth parts, v1 strings: see text/seed.ts) held by the
 * keys of `map` that `keep` accepts and by the maps inside them, sorted; `seeded` names those
 * of one map entry.
 */
export function seededTexts(map: Y.Map<unknown>, keep: (key: string) => boolean, seeded: (map: Y.Map<unknown>, key: string, entry: Y.Item) => string[]): string[] {
  const names: string[] = []
  const stack: { map: Y.Map<unknown>; top: boolean }[] = [{ map, top: true }]
  for (let next = stack.pop(); next; next = stack.pop()) {
    for (const [key, entry] of next.map._map) {
      if (next.top && !keep(key)) continue
      names.push(...seeded(next.map, key, entry))
      const value = entry.deleted ? undefined : entry.content.getContent().at(-1)
      if (value instanceof Y.Map) stack.push({ map: value, top: false })
      else if (value instanceof Y.Array) value.forEach((v) => v instanceof Y.Map && stack.push({ map: v, top: false }))
    }
  }
  return names.sort()
}
