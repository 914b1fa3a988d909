/**
 * Postman key/value rows (query params, headers, form fields, path variables, variables) ↔
 * Ferry rows. Ferry edits `key`, `value` (as text) and `enabled`; everything else of the
 * row is kept verbatim in `kept`. Where the file did not write `key` or `value` as a string
 * (null for a valueless query key `?flag`, a number, a missing value of a file field), `kept`
 * holds what it wrote, and an export writes that back as long as the text still reads the same.
 */
import type { JsonObject, KeyValue } from '../model.ts'
import { isObject, NOTE_PREFIX, nonEmpty, omit, scalar } from './json.ts'

const ABSENT = `${NOTE_PREFIX}absent`

export function importRow(row: JsonObject): KeyValue {
  const kept = omit(row, ['key', 'value', 'disabled'])
  const absent: string[] = []
  for (const cell of ['key', 'value'] as const) {
    if (!(cell in row)) absent.push(cell)
    else if (typeof row[cell] !== 'string') kept[cell] = row[cell]!
  }
  if (absent.length > 0) kept[ABSENT] = absent
  if ('disabled' in row && row.disabled !== true) kept.disabled = row.disabled!
  const out = { key: scalar(row.key), value: scalar(row.value), enabled: row.disabled !== true }
  const rest = nonEmpty(kept)
  return rest ? { ...out, kept: rest } : out
}

export function exportRow(row: KeyValue): JsonObject {
  const kept = row.kept ?? {}
  const absent = Array.isArray(kept[ABSENT]) ? kept[ABSENT] : []
  const out: JsonObject = omit(kept, ['key', 'value', 'disabled', ABSENT])
  for (const cell of ['key', 'value'] as const) {
    const given = kept[cell]
    if (given !== undefined && scalar(given) === row[cell]) out[cell] = given
    else if (!(absent.includes(cell) && row[cell] === '')) out[cell] = row[cell]
  }
  if (!row.enabled) out.disabled = true
  else if ('disabled' in kept) out.disabled = kept.disabled!
  return out
}

/** Whether `v` is a list of row objects (what every Postman row list must be). */
export const isRowList = (v: unknown): v is JsonObject[] => Array.isArray(v) && v.every(isObject)
