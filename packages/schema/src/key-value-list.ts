/**
 * Editable key/value rows (headers, query params, form fields, preset headers) stored as a
 * `Y.Array` of `Y.Map`s: two devices adding rows keep both, and editing a row's value is a
 * last-writer-wins field write that never duplicates the row.
 */
import * as Y from 'yjs'
import type { KeyValue } from './model.ts'
import { transact } from './transact.ts'
import { FieldReader, type ProblemSink } from './validate.ts'

/** A row as read, with its position in the underlying array (what the edit methods take). */
export interface KeyValueRow extends KeyValue {
  index: number
}

function rowMap(row: Partial<KeyValue>): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('key', row.key ?? '')
  map.set('value', row.value ?? '')
  map.set('enabled', row.enabled ?? true)
  return map
}

/** A new, not yet attached `Y.Array` holding `rows`, for building items. */
export function keyValueArray(rows: readonly Partial<KeyValue>[] = []): Y.Array<unknown> {
  const array = new Y.Array<unknown>()
  array.insert(0, rows.map(rowMap))
  return array
}

/** The valid rows of `array`; malformed rows are skipped and reported under `path`. */
export function readRows(array: Y.Array<unknown>, path: string, report: ProblemSink): KeyValueRow[] {
  const rows: KeyValueRow[] = []
  array.forEach((value, index) => {
    if (!(value instanceof Y.Map)) {
      report({ code: 'malformed_row', path: `${path}/${index}`, message: 'row is not a Y.Map' })
      return
    }
    const r = new FieldReader(value)
    const row = { index, key: r.string('key'), value: r.string('value'), enabled: r.boolean('enabled') }
    if (r.issue === undefined) rows.push(row)
    else report({ code: 'malformed_row', path: `${path}/${index}`, message: r.issue })
  })
  return rows
}

export const withoutIndex = (rows: readonly KeyValueRow[]): KeyValue[] =>
  rows.map(({ key, value, enabled }) => ({ key, value, enabled }))

export class KeyValueList {
  constructor(
    private readonly array: Y.Array<unknown>,
    private readonly path: string,
    private readonly report: ProblemSink,
  ) {}

  /** The valid rows, in order. */
  rows(): KeyValueRow[] {
    return readRows(this.array, this.path, this.report)
  }

  /** Inserts a row before `index` (clamped; default: at the end). */
  insert(row: Partial<KeyValue>, index = this.array.length): void {
    this.array.insert(Math.max(0, Math.min(index, this.array.length)), [rowMap(row)])
  }

  /** Sets fields of the row at `index`; false if there is no (valid) row there. */
  update(index: number, patch: Partial<KeyValue>): boolean {
    const map = this.array.get(index)
    if (!(map instanceof Y.Map)) return false
    transact(this.array, () => {
      if (patch.key !== undefined) map.set('key', patch.key)
      if (patch.value !== undefined) map.set('value', patch.value)
      if (patch.enabled !== undefined) map.set('enabled', patch.enabled)
    })
    return true
  }

  /** Removes the row at `index`; false if out of range. */
  remove(index: number): boolean {
    if (index < 0 || index >= this.array.length) return false
    this.array.delete(index, 1)
    return true
  }

  /** Replaces every row (a paste or bulk edit), in one transaction. */
  replace(rows: readonly Partial<KeyValue>[]): void {
    transact(this.array, () => {
      this.array.delete(0, this.array.length)
      this.array.insert(0, rows.map(rowMap))
    })
  }
}
