/**
 * Whether Yjs, integrating a struct now, can walk past items the doc already holds
 * (docs/decisions.md, "Integration CPU is bounded per update"). `Item.integrate` walks from the
 * item's left neighbour to its right origin when the two are not adjacent, and that walk has no
 * bound: one struct with no origins in a root list of 600,000 items walks all of them (~0.2 s),
 * so 32 of them (265 bytes) took 8–10 s — in one slice, or as a small update applied whole,
 * with nothing asked between. A struct is "bounded" when its neighbours are adjacent in the doc
 * as it is, or it chains onto a bounded struct applied with it (its left or right origin is that
 * struct, the other origin the same): then it can only walk past structs applied with it. The
 * test is sound, not exact: a struct it cannot vouch for is applied on its own.
 */
import * as Y from 'yjs'

type Struct = ReturnType<typeof Y.decodeUpdate>['structs'][number]

/** What a shared type holds that integration walks: its list, and each key's entries. */
interface Entries {
  readonly _start: Y.Item | null
  readonly _map: Map<string, Y.Item>
}

const sameId = (a: Y.ID | null, b: Y.ID | null): boolean => a === b || (a !== null && b !== null && a.client === b.client && a.clock === b.clock)

/** The item of `store` holding `id`, or null when the doc has not integrated it. */
function held(store: Y.Doc['store'], id: Y.ID): Y.Item | Y.GC | null {
  return id.clock < Y.getState(store, id.client) ? Y.getItem(store, id) : null
}

/** Whether `id` (a right origin) is in `right`: at most `right`'s head, split off there, lies between. */
const startsAt = (right: Y.Item | null, id: Y.ID | null): boolean =>
  id === null ? right === null : right !== null && right.id.client === id.client && right.id.clock <= id.clock && id.clock < right.id.clock + right.length

export class WalkBound {
  readonly #memo = new Map<Struct, boolean>()

  /** `fresh`: the structs applied along with the ones asked about (it may grow between questions). */
  constructor(
    readonly doc: Y.Doc,
    readonly fresh: readonly Struct[],
  ) {}

  /** Whether integrating `struct` walks only past structs applied along with it (see the module comment). */
  bounded(struct: Struct): boolean {
    const known = this.#memo.get(struct)
    if (known !== undefined) return known
    this.#memo.set(struct, false) // a crafted cycle of origins vouches for nothing
    const bounded = this.#judge(struct)
    this.#memo.set(struct, bounded)
    return bounded
  }

  /** The struct of `fresh` holding `id`, if any. */
  #fresh(id: Y.ID): Struct | undefined {
    return this.fresh.find((struct) => struct.id.client === id.client && struct.id.clock <= id.clock && id.clock < struct.id.clock + struct.length)
  }

  #judge(struct: Struct): boolean {
    if (!(struct instanceof Y.Item)) return true
    const store = this.doc.store
    const state = Y.getState(store, struct.id.client)
    // Known in full: skipped. Known in part: Yjs re-derives its left origin; not vouched for.
    if (struct.id.clock < state) return struct.id.clock + struct.length <= state
    const { origin, rightOrigin } = struct
    const freshLeft = origin && this.#fresh(origin)
    if (freshLeft) return freshLeft instanceof Y.Item && sameId(freshLeft.rightOrigin, rightOrigin) && this.bounded(freshLeft)
    const freshRight = rightOrigin && this.#fresh(rightOrigin)
    if (freshRight) return freshRight instanceof Y.Item && sameId(freshRight.origin, origin) && this.bounded(freshRight)
    const left = origin && held(store, origin)
    const right = rightOrigin && held(store, rightOrigin)
    // Either waits for what it lacks (integrated later, and judged then), or becomes a GC: no walk now.
    if ((origin && !left) || (rightOrigin && !right) || left instanceof Y.GC || right instanceof Y.GC) return true
    if (left) {
      // Its left origin inside an item: split there, that item's rest is its right neighbour.
      if (origin.clock < left.id.clock + left.length - 1) return rightOrigin !== null && rightOrigin.client === origin.client && rightOrigin.clock === origin.clock + 1
      return startsAt(left.right, rightOrigin)
    }
    // No left origin: Yjs walks from the start of the list (or of the key's entries) unless the right origin is the first item.
    if (right && right.left === null && right.id.clock === rightOrigin.clock) return true
    const parent = this.#parent(struct, right)
    if (parent === undefined) return true
    if (parent === null) return false
    return struct.parentSub === null ? parent._start === null : !parent._map.has(struct.parentSub)
  }

  /** The type `item` goes into, as the doc holds it: undefined when it holds none yet (empty, or made along with it), null when unknown. */
  #parent(item: Y.Item, right: Y.Item | null): Entries | null | undefined {
    const parent = item.parent as Entries | Y.ID | string | null
    if (typeof parent === 'string') return this.doc.share.get(parent)
    if (parent instanceof Y.ID) {
      if (this.#fresh(parent)) return undefined
      const type = held(this.doc.store, parent)
      return type instanceof Y.Item ? (type.content as Y.ContentType).type : undefined
    }
    return right ? (right.parent as Entries) : null
  }
}

/** Whether every struct of `structs` (an update) walks only past structs of the update. */
export function walksOnlyItself(doc: Y.Doc, structs: Struct[]): boolean {
  const bound = new WalkBound(doc, structs)
  return structs.every((struct) => bound.bounded(struct))
}
