/**
 * Editable key/value rows (headers, query params, form fields, preset headers) stored as a
 * `Y.Array` of `Y.Map`s: two devices adding rows keep both. A row's `key` and `value` are
 * `Y.Text`s created with the row (v1 rows hold strings; see text/text-field.ts), so two
 * devices editing the same cell merge character by character; `enabled` is atomic.
 */
import * as Y from 'yjs'
import type { KeyValue } from './model.ts'
import { liveTextField, newText, writeTextField } from './text/text-field.ts'
import { transact } from './transact.ts'
import { FieldReader, type ProblemSink } from './validate.ts'

/** A row as read, with its position in the underlying array (what the edit methods take). */
export interface KeyValueRow extends KeyValue {
  index: number
}

export type KeyValueCell = 'key' | 'value'

function rowMap(row: Partial<KeyValue>): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('key', newText(row.key))
  map.set('value', newText(row.value))
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
    const row = { index, key: r.textField('key'), value: r.textField('value'), enabled: r.boolean('enabled') }
    if (r.issue === undefined) rows.push(row)
    else report({ code: 'malformed_row', path: `${path}/${index}`, message: r.issue })
  })
  return rows
}

export const withoutIndex = (rows: readonly KeyValueRow[]): KeyValue[] =>
  rows.map(({ key, value, enabled }) => ({ key, value, enabled }))

/** Whether `key` of row map `map` is atomic (for conflict records). */
export const isRowAtomic = (key: string): boolean => key === 'enabled'

export class KeyValueList {
  constructor(
    private readonly array: Y.Array<unknown>,
    private readonly path: string,
    private readonly report: ProblemSink,
    private readonly write: (fn: () => void) => void = (fn) => transact(array, fn),
  ) {}

  /** The valid rows, in order. */
  rows(): KeyValueRow[] {
    return readRows(this.array, this.path, this.report)
  }

  private row(index: number): Y.Map<unknown> | undefined {
    const map = index >= 0 && index < this.array.length ? this.array.get(index) : undefined
    return map instanceof Y.Map ? map : undefined
  }

  /** The live text of one cell, for an editor binding; undefined if there is no such row. */
  text(index: number, cell: KeyValueCell): Y.Text | undefined {
    const map = this.row(index)
    if (!map) return undefined
    let text: Y.Text | undefined
    this.write(() => (text = liveTextField(map, cell)))
    return text
  }

  /** Inserts a row before `index` (clamped; default: at the end). */
  insert(row: Partial<KeyValue>, index = this.array.length): void {
    this.write(() => this.array.insert(Math.max(0, Math.min(index, this.array.length)), [rowMap(row)]))
  }

  /**
   * Sets fields of the row at `index`: key and value as the smallest text edit, `enabled`
   * as a value. False if there is no (valid) row there.
   */
  update(index: number, patch: Partial<KeyValue>): boolean {
    const map = this.row(index)
    if (!map) return false
    this.write(() => this.patchRow(map, patch))
    return true
  }

  private patchRow(map: Y.Map<unknown>, patch: Partial<KeyValue>): void {
    if (patch.key !== undefined) writeTextField(map, 'key', patch.key)
    if (patch.value !== undefined) writeTextField(map, 'value', patch.value)
    if (patch.enabled !== undefined && map.get('enabled') !== patch.enabled) map.set('enabled', patch.enabled)
  }

  /** Removes the row at `index`; false if out of range. */
  remove(index: number): boolean {
    if (index < 0 || index >= this.array.length) return false
    this.write(() => this.array.delete(index, 1))
    return true
  }

  /**
   * Makes the rows read `rows` (a paste or bulk edit) with the smallest change: rows at the
   * same position are edited in place (their texts diffed), extra rows added or removed at
   * the end. A concurrent edit to a kept row therefore survives.
   */
  replace(rows: readonly Partial<KeyValue>[]): void {
    this.write(() => {
      const shared = Math.min(rows.length, this.array.length)
      for (let i = 0; i < shared; i++) {
        const map = this.row(i)
        const row = rows[i]!
        if (map) this.patchRow(map, { key: row.key ?? '', value: row.value ?? '', enabled: row.enabled ?? true })
        else {
          this.array.delete(i, 1)
          this.array.insert(i, [rowMap(row)])
        }
      }
      if (this.array.length > rows.length) this.array.delete(rows.length, this.array.length - rows.length)
      else this.array.insert(this.array.length, rows.slice(shared).map(rowMap))
    })
  }
}
