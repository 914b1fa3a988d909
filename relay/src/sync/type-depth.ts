/**
 * How deep an update would nest shared types in a doc, found before it is applied. Yjs walks a
 * type's ancestors for every type a transaction changes (quadratic in the nesting: 10,000
 * nested maps, each given a key in a 100 KB update, took 10 s and 770 MB of heap) and deletes
 * or collects a type's contents recursively (a few thousand levels overflow the stack mid-
 * transaction, leaving the doc half-changed and its stored state unloadable). The update-cost
 * scan cannot see nesting (a parent is named by id, possibly in another update), so the room
 * checks it against its doc (docs/decisions.md, "Update-cost and memory budget, attacked").
 */
import * as Y from 'yjs'

/** Levels a shared type may nest, a root type being level 1. Ferry's docs nest 2 deep; rich-text editors' XML a dozen or so. */
export const MAX_TYPE_DEPTH = 32

type Struct = Y.Item | Y.GC | Y.Skip

/**
 * Whether applying `structs` (a decoded update) to `doc` would put a shared type deeper than
 * `MAX_TYPE_DEPTH`. Structs the doc keeps pending count too when the update brings a clock
 * they wait for: it may bring their parent. A reference to nothing known counts as shallow:
 * what points at it stays pending until it arrives, and is checked with the update that brings it.
 */
export function nestsTooDeep(doc: Y.Doc, structs: readonly Struct[]): boolean {
  const pending = doc.store.pendingStructs
  // Yjs retries them (kept in its v2 encoding) once the doc holds a clock they wait for: only
  // then are they decoded here, so this costs no more than yjs's own retry.
  const retried = pending !== null && fillsPending(doc, pending.missing, structs)
  const all = retried ? [...structs, ...Y.decodeUpdateV2(pending.update).structs] : structs
  const levels = new Levels(doc, all)
  for (const struct of all) {
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentType && levels.parentLevel(struct) + 1 > MAX_TYPE_DEPTH) return true
  }
  return false
}

/** Whether `structs` take a client the pending structs wait for from the doc's state past the clock they wait for. */
function fillsPending(doc: Y.Doc, missing: Map<number, number>, structs: readonly Struct[]): boolean {
  const spans = new Map<number, { first: number; end: number }>()
  for (const { id, length } of structs) {
    if (!missing.has(id.client)) continue
    const span = spans.get(id.client)
    if (span) [span.first, span.end] = [Math.min(span.first, id.clock), Math.max(span.end, id.clock + length)]
    else spans.set(id.client, { first: id.clock, end: id.clock + length })
  }
  for (const [client, { first, end }] of spans) if (first <= Y.getState(doc.store, client) && end > missing.get(client)!) return true
  return false
}

/** The level of the type holding each item, from the doc or from the update's own items. */
class Levels {
  readonly #byClient = new Map<number, Y.Item[]>()
  readonly #known = new Map<Y.Item, number>()

  constructor(
    readonly doc: Y.Doc,
    structs: readonly Struct[],
  ) {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue
      const items = this.#byClient.get(struct.id.client)
      if (items) items.push(struct)
      else this.#byClient.set(struct.id.client, [struct])
    }
    for (const items of this.#byClient.values()) items.sort((a, b) => a.id.clock - b.id.clock)
  }

  /**
   * The level of the type holding `item` (a root's items: 1). Iterative: an update's items
   * may point at each other in chains as long as the update.
   */
  parentLevel(item: Y.Item): number {
    const chain: Array<{ item: Y.Item; step: number }> = []
    const seen = new Set<Y.Item>()
    let level = 0
    for (let current = item; ; ) {
      const known = this.#known.get(current)
      if (known !== undefined) {
        level = known
        break
      }
      if (seen.has(current)) break // a cycle never integrates
      seen.add(current)
      const next = this.#next(current)
      if (typeof next === 'number') {
        level = next
        this.#known.set(current, level)
        break
      }
      chain.push({ item: current, step: next.step })
      current = next.item
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      level = Math.min(level + chain[i]!.step, MAX_TYPE_DEPTH + 1)
      this.#known.set(chain[i]!.item, level)
    }
    return level
  }

  /**
   * What decides the level of `item`'s parent: a number when known here, or another of the
   * update's items — the parent type's item (`step` 1) or the item it was inserted next to (0).
   */
  #next(item: Y.Item): number | { item: Y.Item; step: number } {
    const parent = item.parent as unknown
    if (typeof parent === 'string') return 1
    if (parent instanceof Y.AbstractType) return typeLevel(parent)
    const parentId = parent instanceof Y.ID ? parent : null
    const ref = parentId ?? item.origin ?? item.rightOrigin
    if (!ref) return 0
    const inUpdate = this.#find(ref)
    if (inUpdate) return { item: inUpdate, step: parentId ? 1 : 0 }
    const held = this.#held(ref)
    if (!held) return 0
    if (!parentId) return held.parent instanceof Y.AbstractType ? typeLevel(held.parent) : 0
    return held.content instanceof Y.ContentType ? typeLevel(held.content.type) : 0
  }

  #find(id: Y.ID): Y.Item | null {
    const items = this.#byClient.get(id.client)
    if (!items) return null
    let [low, high] = [0, items.length - 1]
    while (low <= high) {
      const mid = (low + high) >>> 1
      const candidate = items[mid]!
      if (id.clock < candidate.id.clock) high = mid - 1
      else if (id.clock >= candidate.id.clock + candidate.length) low = mid + 1
      else return candidate
    }
    return null
  }

  #held(id: Y.ID): Y.Item | null {
    if (Y.getState(this.doc.store, id.client) <= id.clock) return null
    const struct = Y.getItem(this.doc.store, id) as Struct
    return struct instanceof Y.Item ? struct : null
  }
}

/** A doc's type's level, counted up to one past the limit. */
function typeLevel(type: Y.AbstractType<unknown>): number {
  let level = 1
  for (let at = type; at._item && level <= MAX_TYPE_DEPTH; level++) at = at._item.parent as Y.AbstractType<unknown>
  return level
}
