/**
 * The fields of one item (or of the collection) in an update from a file, three ways (see
 * base.ts for the base): per field, if the file says what the base says, Ferry's value stays;
 * if Ferry's value is still the base's, the file's is written; if both changed, texts and
 * rows are merged (merge3.ts) and what cannot be merged keeps Ferry's value and is reported.
 * Writes are the smallest change (texts diffed, rows edited in place), so they merge with
 * concurrent edits like any edit.
 */
import type { Collection, ListField, TextField } from '../collection.ts'
import type { KeyValueList } from '../key-value-list.ts'
import type { Auth, Json, JsonObject, KeyValue, Script } from '../model.ts'
import { setText } from '../text/diff.ts'
import { FIELD_KINDS, known, matches, type Field, type Reading } from './base.ts'
import { sameJson } from './json.ts'
import { mergeList, mergeText, type MergedList } from './merge3.ts'

/** A field where Ferry's value was kept over the file's. */
export interface UpdateConflict {
  /** The item, by its names from the root (empty: the collection itself). */
  item: string
  /** The field (`name`, `url`, `headers`, `scripts`, `place`…). */
  field: string
  /** Of rows and scripts: the row's key, the script's `listen`. */
  key?: string
}

interface Write {
  field: Field
  value: Json
  /** Rows or scripts merged row by row (else the file's list is written whole). */
  merged?: MergedList
}

export interface FieldPlan {
  writes: Write[]
  conflicts: { field: Field; key?: string }[]
  /** Whether the file changed any field since the base. */
  fileChanged: boolean
  /** Whether Ferry's value of any field is not the base's (edited since the import). */
  edited: boolean
}

const ROW_CELLS = [{ name: 'value', text: true }, { name: 'enabled', text: false }, { name: 'kept', text: false }]
const SCRIPT_CELLS = [{ name: 'code', text: true }, { name: 'kept', text: false }]

export function planFields(fields: readonly Field[], base: Reading, current: Reading, file: Reading): FieldPlan {
  const plan: FieldPlan = { writes: [], conflicts: [], fileChanged: false, edited: false }
  for (const field of fields) {
    const [b, mine, theirs] = [base[field], current[field]!, file[field]!]
    const fileSame = matches(b, theirs)
    const ferrySame = matches(b, mine)
    plan.fileChanged ||= !fileSame
    plan.edited ||= !ferrySame
    if (fileSame || sameJson(mine, theirs)) continue
    const kind = FIELD_KINDS[field]
    const whole = known(b)
    if (kind === 'scripts') {
      // Scripts are written back by position: always row by row, new ones last.
      const from = ferrySame ? mine : whole
      if (!Array.isArray(from)) plan.conflicts.push({ field })
      else plan.writes.push(listWrite(field, mergeList('listen', SCRIPT_CELLS, from as JsonObject[], mine as JsonObject[], theirs as JsonObject[], true), plan))
    } else if (ferrySame) plan.writes.push({ field, value: theirs })
    else if (kind === 'text' && typeof whole === 'string') {
      const merged = mergeText(whole, mine as string, theirs as string)
      if (merged === undefined) plan.conflicts.push({ field })
      else plan.writes.push({ field, value: merged })
    } else if (kind === 'rows' && Array.isArray(whole)) plan.writes.push(listWrite(field, mergeList('key', ROW_CELLS, whole as JsonObject[], mine as JsonObject[], theirs as JsonObject[]), plan))
    else plan.conflicts.push({ field })
  }
  return plan
}

function listWrite(field: Field, merged: MergedList, plan: FieldPlan): Write {
  for (const key of merged.conflicts) plan.conflicts.push({ field, key })
  return { field, value: merged.rows.map((r) => r.value), merged }
}

const TEXTS: Partial<Record<Field, TextField>> = { name: 'name', description: 'description', url: 'url', bodyRaw: 'body' }
const LISTS: Partial<Record<Field, ListField>> = { params: 'params', headers: 'headers', pathVariables: 'pathVariables', bodyFields: 'bodyFields' }

/** Makes `list` hold the merged rows: rows edited in place, removed ones deleted, new ones inserted. */
function applyRows(list: KeyValueList, write: Write): void {
  const current = list.rows()
  const merged = write.merged
  if (!merged || merged.rows.some((r) => r.from !== undefined && r.from >= current.length)) return list.replace(write.value as unknown as KeyValue[])
  const kept = new Set<number>()
  for (const r of merged.rows) {
    if (r.from === undefined) continue
    kept.add(r.from)
    const was = current[r.from]!
    const next = r.value as unknown as KeyValue
    const patch: Partial<KeyValue> = {}
    if (was.value !== next.value) patch.value = next.value
    if (was.enabled !== next.enabled) patch.enabled = next.enabled
    if (!sameJson(was.kept, next.kept)) patch.kept = next.kept ?? {}
    if (Object.keys(patch).length > 0) list.update(was.index, patch)
  }
  const removed = current.filter((_, i) => !kept.has(i)).map((r) => r.index)
  for (const index of [...removed].reverse()) list.remove(index)
  const shift = (index: number): number => index - removed.filter((r) => r < index).length
  let inserted = 0
  let cursor = 0
  for (const r of merged.rows) {
    if (r.from !== undefined) cursor = shift(current[r.from]!.index) + inserted + 1
    else {
      list.insert(r.value, cursor++)
      inserted++
    }
  }
}

/** Writes a plan's fields into item `id` (null: the collection). */
export function applyFields(c: Collection, id: string | null, writes: readonly Write[]): void {
  for (const write of writes) {
    const { field, value } = write
    const text = TEXTS[field]
    const list = LISTS[field]
    if (text && id !== null) {
      const live = c.text(id, text)
      if (live) setText(live, value as string)
    }
    else if (field === 'description') setText(c.description, value as string)
    else if (field === 'auth') {
      if (id === null) c.setAuth(value as unknown as Auth)
      else c.update(id, { auth: value as unknown as Auth })
    } else if (list && id !== null) {
      const rows = c.list(id, list)
      if (rows) applyRows(rows, write)
    } else if (field === 'variables') {
      const rows = c.variables(id)
      if (rows) applyRows(rows, write)
    } else if (field === 'scripts') {
      const scripts = c.scripts(id)
      const merged = write.merged
      if (!scripts || !merged) continue
      const kept = new Set(merged.rows.map((r) => r.from))
      for (let i = scripts.scripts().length - 1; i >= 0; i--) if (!kept.has(i)) scripts.remove(i)
      scripts.replace(value as unknown as Script[])
    } else if (id !== null && field === 'method') c.update(id, { method: value as string })
    else if (id !== null && field === 'bodyMode') c.update(id, { bodyMode: value as never })
    else if (id !== null && field === 'bodyLanguage') c.update(id, { bodyLanguage: value as never })
    else if (id !== null && field === 'examples') c.update(id, { examples: value as Json[] })
  }
}
