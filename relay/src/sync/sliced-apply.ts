/**
 * Applies a decoded update to a doc a slice at a time, so that the caller can stop between two
 * slices: Yjs integrates an update in one call without bound (docs/decisions.md, "Integration
 * CPU is bounded per update"), and a crafted update of 80 KB kept the relay busy for 11 s.
 *
 * A slice is a run of at most `SLICE_STRUCTS` structs of one client group — a valid v1 update
 * from its first struct's clock — and the delete set is the last slice. A slice applies in runs
 * whose structs walk only past each other (integration-walk.ts): one struct with far-apart
 * origins walks past every item between them. All slices apply inside
 * one transaction, so observers see one change, as for `Y.applyUpdate`. Slices are taken in the
 * order Yjs integrates structs: clients from the highest id down, and a slice needing an item of
 * another client this update brings waits for that client's slice to go first.
 *
 * The structs a doc keeps waiting for missing ones (`store.pendingStructs`) are Yjs's to retry
 * in one go once what they wait for arrives; here they are held aside while slices apply, and
 * retried as slices of their own, so structs an earlier update left waiting cannot be released
 * all at once by a small one. The doc ends holding what `Y.applyUpdate` would leave, except
 * that waiting structs may be retried, and integrated, sooner: Yjs keeps one lower bound of what
 * they wait for per update, here it is kept per slice (sliced-apply.property.test.ts).
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { WalkBound } from './integration-walk.ts'

type Decoded = ReturnType<typeof Y.decodeUpdate>
type Struct = Decoded['structs'][number]
type Pending = NonNullable<Y.Doc['store']['pendingStructs']>

/** Structs per slice: a slice walks at most this many times the items it passes. */
export const SLICE_STRUCTS = 32

interface Slice {
  readonly client: number
  readonly clock: number
  readonly structs: Struct[]
  /** The highest clock of each other client its items point at. */
  readonly needs: Map<number, number>
}

function sliceOf(run: Struct[]): Slice {
  const client = run[0]!.id.client
  const needs = new Map<number, number>()
  const need = (id: Y.ID | null | undefined): void => {
    if (id && id.client !== client && (needs.get(id.client) ?? -1) < id.clock) needs.set(id.client, id.clock)
  }
  for (const struct of run) {
    if (!(struct instanceof Y.Item)) continue
    need(struct.origin)
    need(struct.rightOrigin)
    if (struct.parent instanceof Y.ID) need(struct.parent)
  }
  return { client, clock: run[0]!.id.clock, structs: run, needs }
}

/**
 * `structs` (in update order) as slices by client, each client's in clock order. A client's
 * later group replaces its earlier one, as Yjs reads an update.
 */
function slicesOf(structs: Struct[], size: number, into = new Map<number, Slice[]>()): Map<number, Slice[]> {
  let run: Struct[] = []
  const end = (): void => {
    if (run.length > 0) into.get(run[0]!.id.client)!.push(sliceOf(run))
    run = []
  }
  let last: Struct | undefined
  for (const struct of structs) {
    const newGroup = !last || last.id.client !== struct.id.client || last.id.clock + last.length !== struct.id.clock
    if (newGroup || run.length >= size) end()
    if (newGroup) into.set(struct.id.client, [])
    run.push(struct)
    last = struct
  }
  end()
  return into
}

/** A run of one client's adjacent structs as a v1 update, without deletions. */
function encodeRun(run: Struct[]): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, 1)
  encoding.writeVarUint(encoder.restEncoder, run.length)
  encoder.writeClient(run[0]!.id.client)
  encoding.writeVarUint(encoder.restEncoder, run[0]!.id.clock)
  for (const struct of run) struct.write(encoder, 0)
  encoding.writeVarUint(encoder.restEncoder, 0)
  return encoder.toUint8Array()
}

/**
 * The structs of `structs` from `at` that apply together: the first, and those after it that
 * walk only past structs of the run (integration-walk.ts) — so between two questions to stop,
 * Yjs walks past at most one struct's worth of the doc's items.
 */
function boundedRun(doc: Y.Doc, structs: Struct[], at: number): Struct[] {
  const run = [structs[at]!]
  const bound = new WalkBound(doc, run)
  bound.bounded(run[0]!)
  while (at + run.length < structs.length && bound.bounded(structs[at + run.length]!)) run.push(structs[at + run.length]!)
  return run
}

/** A delete set as a v1 update without structs. */
function encodeDeletes(ds: Decoded['ds']): Uint8Array {
  const encoder = new Y.UpdateEncoderV1()
  encoding.writeVarUint(encoder.restEncoder, 0)
  encoding.writeVarUint(encoder.restEncoder, ds.clients.size)
  for (const [client, ranges] of ds.clients) {
    encoding.writeVarUint(encoder.restEncoder, client)
    encoding.writeVarUint(encoder.restEncoder, ranges.length)
    for (const range of ranges) {
      encoder.writeDsClock(range.clock)
      encoder.writeDsLen(range.len)
    }
  }
  return encoder.toUint8Array()
}

/** The structs `store` keeps waiting, taken from it. */
function takePending(store: Y.Doc['store']): Pending | null {
  const pending = store.pendingStructs
  store.pendingStructs = null
  return pending
}

/** The slices left, taken in Yjs's order (see the module comment). */
class SliceQueue {
  readonly #byClient: Map<number, Slice[]>
  readonly #size: number
  #clients: number[] = []
  /** Slices waiting for the ones above them, and the same as a set. */
  readonly #stack: Slice[] = []
  readonly #stacked = new Set<Slice>()

  constructor(structs: Struct[], size: number) {
    this.#size = size
    this.#byClient = slicesOf(structs, size)
    this.#sort()
  }

  /** Adds `structs` (the doc's waiting structs, retried), each client's after what it holds. */
  add(structs: Struct[]): void {
    for (const [client, slices] of slicesOf(structs, this.#size)) {
      const held = this.#byClient.get(client) ?? []
      this.#byClient.set(client, held.concat(slices).sort((a, b) => a.clock - b.clock))
    }
    this.#sort()
  }

  /** The next slice to apply (removed), or undefined once none is left. */
  next(store: Y.Doc['store']): Slice | undefined {
    if (this.#stack.length === 0) {
      while (this.#clients.length > 0 && this.#byClient.get(this.#clients.at(-1)!)!.length === 0) this.#clients.pop()
      if (this.#clients.length === 0) return undefined
      this.#push(this.#byClient.get(this.#clients.at(-1)!)![0]!)
    }
    for (let first = this.#firstNeeded(this.#stack.at(-1)!, store); first; first = this.#firstNeeded(first, store)) this.#push(first)
    const slice = this.#stack.pop()!
    this.#stacked.delete(slice)
    // The first of its client's, unless waiting structs were added before it since it was stacked.
    const slices = this.#byClient.get(slice.client)!
    slices.splice(slices.indexOf(slice), 1)
    return slice
  }

  /** The first slice left of another client that `slice` needs, not already waiting for it. */
  #firstNeeded(slice: Slice, store: Y.Doc['store']): Slice | undefined {
    for (const [client, clock] of slice.needs) {
      if (clock < Y.getState(store, client)) continue
      const first = this.#byClient.get(client)?.[0]
      if (first && first.clock <= clock && !this.#stacked.has(first)) return first
    }
    return undefined
  }

  #push(slice: Slice): void {
    this.#stack.push(slice)
    this.#stacked.add(slice)
  }

  /** Clients by id, the highest last (taken first). */
  #sort(): void {
    this.#clients = [...this.#byClient.keys()].sort((a, b) => a - b)
  }
}

/**
 * Applies `decoded` to `doc` in slices of `size` structs inside one transaction with `origin`,
 * asking `stop` before each: false once it said yes (what applied so far stays applied), else true.
 */
export function applySliced(doc: Y.Doc, decoded: Decoded, origin: unknown, stop: () => boolean, size = SLICE_STRUCTS): boolean {
  const store = doc.store
  let done = false
  Y.transact(doc, () => {
    const held = store.pendingStructs
    const heldDeletes = store.pendingDs
    store.pendingStructs = null
    store.pendingDs = null
    const waiting: Uint8Array[] = held ? [held.update] : []
    const missing = new Map(held?.missing)
    const queue = new SliceQueue(decoded.structs, size)
    try {
      for (let slice = queue.next(store); slice; slice = queue.next(store)) {
        for (let at = 0; at < slice.structs.length; ) {
          if (stop()) return
          const run = boundedRun(doc, slice.structs, at)
          at += run.length
          Y.applyUpdate(doc, encodeRun(run), origin)
          // Read through a function: the compiler takes the property for the null set above.
          const rest = takePending(store)
          if (rest) {
            waiting.push(rest.update)
            for (const [client, clock] of rest.missing) if ((missing.get(client) ?? Infinity) > clock) missing.set(client, clock)
          }
          if (waiting.length > 0 && [...missing].some(([client, clock]) => clock < Y.getState(store, client))) {
            queue.add(Y.decodeUpdateV2(Y.mergeUpdatesV2(waiting.splice(0))).structs)
            missing.clear()
          }
        }
      }
    } finally {
      store.pendingStructs = waiting.length > 0 ? { missing, update: waiting.length === 1 ? waiting[0]! : Y.mergeUpdatesV2(waiting) } : null
      store.pendingDs = heldDeletes
    }
    if (stop()) return
    // Also retries the deletions the doc kept waiting, as Yjs does with every update.
    Y.applyUpdate(doc, encodeDeletes(decoded.ds), origin)
    done = true
  }, origin, false)
  return done
}
