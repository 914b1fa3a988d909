/**
 * Editable key/value rows (headers, query params, form fields, preset headers) stored as a
 * `Y.Array` of `Y.Map`s: two devices adding rows keep both. A row's `key` and `value` are
 * `Y.Text`s created with the row (v1 rows hold strings; see text/text-field.ts), so two
 * devices editing the same cell merge character by character; `enabled` is atomic. `kept`
 * (optional, plain JSON) holds an imported row's fields Ferry does not model, verbatim.
 */
import * as Y from 'yjs'
import type { KeyValue } from './model.ts'
import { liveTextField, newText, writeTextField } from './text/text-field.ts'
import { transact } from './transact.ts'
import { FieldReader, type ProblemSink } from './validate.ts'
import { encodeOpaque, readKept, writeOpaque } from './opaque.ts'

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
  if (row.kept) map.set('kept', encodeOpaque(row.kept))
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
    const row = { index, key: r.textField('key'), value: r.textField('value'), enabled: r.boolean('enabled'), ...readKept(value) }
    if (r.issue === undefined) rows.push(row)
    else report({ code: 'malformed_row', path: `${path}/${index}`, message: r.issue })
  })
  return rows
}

export const withoutIndex = (rows: readonly KeyValueRow[]): KeyValue[] => rows.map(({ index: _, ...row }) => row)

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
    if (patch.kept !== undefined) writeOpaque(map, 'kept', patch.kept)
  }

  /** Removes the row at `index`; false if out of range. */
  remove(index: number): boolean {
    if (index < 0 || index >= this.array.length) return false
    this.write(() => this.array.delete(index, 1))
    return true
  }

  /**
   * Makes the rows read `rows` (a paste or bulk edit) with the smallest change: rows whose key
   * and value are unchanged are kept as they are (matched in order, a longest common
   * subsequence), so a concurrent edit to them survives; between kept rows, old and new rows
   * are paired in order and edited in place (their texts diffed), and only the excess is added
   * or removed. A row's `kept` fields are set where given and left as they are otherwise.
   */
  replace(rows: readonly Partial<KeyValue>[]): void {
    const wanted = rows.map((r) => ({ key: r.key ?? '', value: r.value ?? '', enabled: r.enabled ?? true, ...(r.kept ? { kept: r.kept } : {}) }))
    this.write(() => {
      const old = this.rows()
      const same = (i: number, j: number): boolean => old[i]!.key === wanted[j]!.key && old[i]!.value === wanted[j]!.value
      // Longest common subsequence over (key, value); rows are few, so O(n·m) is fine.
      const n = old.length
      const m = wanted.length
      const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
      for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = same(i, j) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
      // Walk both lists; collect, per gap between kept rows, the old and new rows to pair.
      const plan: { keep: [number, number][]; gaps: { old: number[]; added: number[] }[] } = { keep: [], gaps: [{ old: [], added: [] }] }
      let i = 0
      let j = 0
      while (i < n || j < m) {
        const gap = plan.gaps.at(-1)!
        if (i < n && j < m && same(i, j)) {
          plan.keep.push([i++, j++])
          plan.gaps.push({ old: [], added: [] })
        } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) gap.added.push(j++)
        else gap.old.push(i++)
      }
      for (const [o, w] of plan.keep) {
        const map = this.row(old[o]!.index)
        if (map) this.patchRow(map, { enabled: wanted[w]!.enabled, kept: wanted[w]!.kept })
      }
      // Gaps from the last to the first, so the array indexes of earlier rows stay valid.
      for (let g = plan.gaps.length - 1; g >= 0; g--) {
        const gap = plan.gaps[g]!
        const paired = Math.min(gap.old.length, gap.added.length)
        for (let k = 0; k < paired; k++) this.patchRow(this.row(old[gap.old[k]!]!.index)!, wanted[gap.added[k]!]!)
        const removed = gap.old.slice(paired).map((o) => old[o]!.index)
        for (const index of removed.sort((a, b) => b - a)) this.array.delete(index, 1)
        const added = gap.added.slice(paired)
        if (added.length === 0) continue
        // After the last row that stays in this gap, else after the kept row before it.
        const anchor = paired > 0 ? old[gap.old[paired - 1]!]!.index : g > 0 ? old[plan.keep[g - 1]![0]]!.index : -1
        this.array.insert(anchor + 1, added.map((w) => rowMap(wanted[w]!)))
      }
    })
  }
}
