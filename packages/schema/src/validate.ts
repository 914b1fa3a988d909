/**
 * Reading untrusted document content. A doc synced from the network may hold anything a
 * buggy or hostile peer wrote; readers check every field, skip what is malformed and report
 * it as a `Problem` — they never throw.
 */
import * as Y from 'yjs'
import { isOrderKey } from './order.ts'
import { readTextField } from './text/text-field.ts'

export type ProblemCode =
  /** An item (request, folder, environment, variable, preset, history entry…) was skipped. */
  | 'malformed_item'
  /** One row of a key/value list was skipped; its item was kept. */
  | 'malformed_row'
  /** A setting held a wrong value; its default was used. */
  | 'malformed_setting'
  /** An item's parent was deleted or is not a folder; it is shown at the root. */
  | 'orphan_rehomed'
  /** Concurrent moves formed a cycle; the item with the smallest id in it is shown at the root. */
  | 'cycle_broken'
  /** An imported feature Ferry does not model (scripts, variables, file fields…). */
  | 'ignored'

export interface Problem {
  code: ProblemCode
  /** Where: `<root>/<id>[/<field>…]`, e.g. `items/Xy3…/headers/2`. */
  path: string
  message: string
}

/** Receives every problem a read finds; reads call it synchronously, possibly many times. */
export type ProblemSink = (problem: Problem) => void

export const ignoreProblems: ProblemSink = () => {}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Y.AbstractType)

/** Longest string accepted in a scalar field (names, URLs, header values), in UTF-16 units. */
export const MAX_SCALAR_LENGTH = 1 << 20

/**
 * Typed field access on one `Y.Map`. A wrong or missing field records the first issue and
 * returns a placeholder of the right type; the caller checks `issue` once at the end and
 * skips the item if set.
 */
export class FieldReader {
  issue: string | undefined

  constructor(private readonly source: Y.Map<unknown>) {}

  private fail<T>(key: string, expected: string, fallback: T): T {
    this.issue ??= `field "${key}" is not ${expected}`
    return fallback
  }

  /** Placeholders for a missing shared type, made once (constructing Y types is not free). */
  private static readonly missing = { text: new Y.Text(), array: new Y.Array<unknown>(), map: new Y.Map<unknown>() }

  string(key: string): string {
    const v = this.source.get(key)
    return typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH ? v : this.fail(key, 'a string', '')
  }

  /** A text field: a `Y.Text`, or a v1 string read through its seeded text. */
  textField(key: string): string {
    const v = readTextField(this.source, key)
    return v !== undefined && v.length <= MAX_SCALAR_LENGTH ? v : this.fail(key, 'text', '')
  }

  number(key: string): number {
    const v = this.source.get(key)
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a finite number', 0)
  }

  boolean(key: string): boolean {
    const v = this.source.get(key)
    return typeof v === 'boolean' ? v : this.fail(key, 'a boolean', false)
  }

  orderKey(key: string): string {
    const v = this.source.get(key)
    return isOrderKey(v) ? v : this.fail(key, 'an order key', 'a0')
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T {
    const v = this.source.get(key)
    return values.includes(v as T) ? (v as T) : this.fail(key, `one of ${values.join(', ')}`, values[0]!)
  }

  /** Like `oneOf`, but a string outside `values` (a newer version's value) reads as `fallback`. */
  oneOfOr<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.source.get(key)
    if (values.includes(v as T)) return v as T
    return typeof v === 'string' && v.length <= 64 ? fallback : this.fail(key, `one of ${values.join(', ')}`, fallback)
  }

  text(key: string): Y.Text {
    const v = this.source.get(key)
    return v instanceof Y.Text ? v : this.fail(key, 'a Y.Text', FieldReader.missing.text)
  }

  array(key: string): Y.Array<unknown> {
    const v = this.source.get(key)
    return v instanceof Y.Array ? v : this.fail(key, 'a Y.Array', FieldReader.missing.array)
  }

  map(key: string): Y.Map<unknown> {
    const v = this.source.get(key)
    return v instanceof Y.Map ? v : this.fail(key, 'a Y.Map', FieldReader.missing.map)
  }

  /** A `Y.Array` that items written before it existed lack: absent → undefined, not an issue. */
  optionalArray(key: string): Y.Array<unknown> | undefined {
    const v = this.source.get(key)
    return v === undefined || v instanceof Y.Array ? v : this.fail(key, 'a Y.Array', undefined)
  }

  /** A plain JSON value checked by `parse` (which returns undefined when invalid). */
  parsed<T>(key: string, expected: string, parse: (v: unknown) => T | undefined, fallback: T): T {
    const v = parse(this.source.get(key))
    return v === undefined ? this.fail(key, expected, fallback) : v
  }
}

/** The entries of a root or nested map whose values are `Y.Map`s; others are reported. */
export function mapEntries(
  map: Y.Map<unknown>,
  path: string,
  report: ProblemSink,
): [string, Y.Map<unknown>][] {
  const out: [string, Y.Map<unknown>][] = []
  for (const [id, value] of map.entries()) {
    if (value instanceof Y.Map) out.push([id, value])
    else report({ code: 'malformed_item', path: `${path}/${id}`, message: 'entry is not a Y.Map' })
  }
  return out
}
