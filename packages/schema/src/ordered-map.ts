/**
 * A flat list of entries kept as a `Y.Map` from id to entry `Y.Map`, each with a fractional
 * `order` key: collections in the workspace index, header presets, environments, variables.
 * Adding on two devices keeps both; reordering is one field write; names are texts (see
 * text/text-field.ts).
 */
import * as Y from 'yjs'
import { compareOrder, keyAt } from './order.ts'
import { createId, type RandomSource } from './random.ts'
import { liveTextField, writeTextField } from './text/text-field.ts'
import { FieldReader, mapEntries, type ProblemSink } from './validate.ts'

export interface Ordered {
  id: string
  order: string
}

/** Reads an entry's own fields (everything but id and order) through `r`. */
export type EntryReader<T> = (r: FieldReader, path: string) => T

export class OrderedMap<T> {
  constructor(
    readonly map: Y.Map<unknown>,
    readonly path: string,
    private readonly read: EntryReader<T>,
    private readonly report: ProblemSink,
    private readonly random: RandomSource,
  ) {}

  /** The valid entries, sorted; malformed ones are reported and skipped. */
  list(): (T & Ordered)[] {
    const out: (T & Ordered)[] = []
    for (const [id, map] of mapEntries(this.map, this.path, this.report)) {
      const entry = this.readEntry(id, map)
      if (entry) out.push(entry)
    }
    return out.sort(compareOrder)
  }

  get(id: string): (T & Ordered) | undefined {
    const map = this.map.get(id)
    return map instanceof Y.Map ? this.readEntry(id, map) : undefined
  }

  private readEntry(id: string, map: Y.Map<unknown>): (T & Ordered) | undefined {
    const r = new FieldReader(map)
    const path = `${this.path}/${id}`
    const entry = { ...this.read(r, path), id, order: r.orderKey('order') }
    if (r.issue === undefined) return entry
    this.report({ code: 'malformed_item', path, message: r.issue })
    return undefined
  }

  /** The raw entry map (for live edits of its fields), if present. */
  entry(id: string): Y.Map<unknown> | undefined {
    const map = this.map.get(id)
    return map instanceof Y.Map ? map : undefined
  }

  /**
   * Stores `fields` as a new entry before `index` (default last) among `siblings` (default every
   * entry; a list with a trash counts only the live ones); returns its id.
   */
  add(fields: Record<string, unknown>, index?: number, id: string = createId(this.random), siblings: readonly Ordered[] = this.list()): string {
    const map = new Y.Map<unknown>()
    for (const [key, value] of Object.entries(fields)) map.set(key, value)
    map.set('order', keyAt(siblings, index ?? siblings.length, this.random))
    this.map.set(id, map)
    return id
  }

  /** Sets one atomic field of an entry; false if absent. */
  set(id: string, key: string, value: unknown): boolean {
    const map = this.entry(id)
    map?.set(key, value)
    return map !== undefined
  }

  /** Sets a text field of an entry as the smallest edit; false if absent. */
  setText(id: string, key: string, value: string): boolean {
    const map = this.entry(id)
    return map !== undefined && writeTextField(map, key, value)
  }

  /** The live text of a field of an entry, for an editor binding. */
  text(id: string, key: string): Y.Text | undefined {
    const map = this.entry(id)
    return map && liveTextField(map, key)
  }

  /** Moves an entry before `index` among the others (of `among`, default every entry); false if absent. */
  move(id: string, index: number, among: readonly Ordered[] = this.list()): boolean {
    const siblings = among.filter((e) => e.id !== id)
    return this.set(id, 'order', keyAt(siblings, index, this.random))
  }

  remove(id: string): boolean {
    const had = this.map.has(id)
    this.map.delete(id)
    return had
  }
}
