/**
 * Three-way merges of what an update from a file writes: the base (what the file said at the
 * last import), Ferry's current value ("mine") and the new file's ("theirs").
 * - A text: both sides' changes to the base, applied together when they do not touch the same
 *   characters (nor insert at the same place); otherwise a conflict.
 * - A list of rows or scripts, matched by key (a row's key, a script's `listen`) and
 *   occurrence: each row's cells merged like fields; a row one side removed goes if the other
 *   did not change it; rows the file added come in after the row before them in the file.
 */
import fastDiff from 'fast-diff'
import type { Json, JsonObject } from '../model.ts'
import { sameJson } from './json.ts'

interface Hunk {
  start: number
  end: number
  text: string
}

/** The changes from `base` to `next`, as replaced ranges of `base`. */
function hunks(base: string, next: string): Hunk[] {
  const out: Hunk[] = []
  let at = 0
  for (const [op, chunk] of fastDiff(base, next)) {
    if (op === fastDiff.EQUAL) {
      at += chunk.length
      continue
    }
    const last = out.at(-1)
    const hunk = last && last.end === at ? last : { start: at, end: at, text: '' }
    if (hunk !== last) out.push(hunk)
    if (op === fastDiff.DELETE) {
      at += chunk.length
      hunk.end = at
    } else hunk.text += chunk
  }
  return out
}

const clash = (x: Hunk, y: Hunk): boolean => (x.start < y.end && y.start < x.end) || (x.start === y.start && x.start === x.end && y.start === y.end)
const sameHunk = (x: Hunk, y: Hunk): boolean => x.start === y.start && x.end === y.end && x.text === y.text

/** `mine` and `theirs` merged from `base`, or undefined if they change the same characters. */
export function mergeText(base: string, mine: string, theirs: string): string | undefined {
  if (mine === theirs || theirs === base) return mine
  if (mine === base) return theirs
  const ours = hunks(base, mine)
  const all: Hunk[] = [...ours]
  for (const hunk of hunks(base, theirs)) {
    if (ours.some((o) => sameHunk(o, hunk))) continue
    if (ours.some((o) => clash(o, hunk))) return undefined
    all.push(hunk)
  }
  // Insertions before replacements starting at the same place (neither clashes with the other).
  all.sort((x, y) => x.start - y.start || x.end - x.start - (y.end - y.start))
  let out = ''
  let at = 0
  for (const hunk of all) {
    out += base.slice(at, hunk.start) + hunk.text
    at = hunk.end
  }
  return out + base.slice(at)
}

export interface Cell {
  name: string
  text: boolean
}

/** One row of a merged list: the current row it is (`from`, an index into mine) and what it holds. */
export interface MergedRow {
  from?: number
  value: JsonObject
}

export interface MergedList {
  rows: MergedRow[]
  /** The keys of rows where Ferry's value was kept over the file's. */
  conflicts: string[]
}

function keyed(list: readonly JsonObject[], key: string): Map<string, number> {
  const seen = new Map<string, number>()
  const out = new Map<string, number>()
  list.forEach((row, i) => {
    const k = String(row[key] ?? '')
    const n = seen.get(k) ?? 0
    seen.set(k, n + 1)
    out.set(`${n}:${k}`, i)
  })
  return out
}

/** One cell three ways: the merged value, or undefined on a conflict. */
function mergeCell(cell: Cell, base: Json | undefined, mine: Json | undefined, theirs: Json | undefined): { value: Json | undefined } | undefined {
  if (sameJson(mine, theirs) || sameJson(base, theirs)) return { value: mine }
  if (sameJson(base, mine)) return { value: theirs }
  if (cell.text && typeof base === 'string' && typeof mine === 'string' && typeof theirs === 'string') {
    const merged = mergeText(base, mine, theirs)
    return merged === undefined ? undefined : { value: merged }
  }
  return undefined
}

/**
 * Merges lists of rows keyed by `key` (see above). With `appendNew`, rows the file added go
 * at the end (scripts, which are written back by position).
 */
export function mergeList(key: string, cells: readonly Cell[], base: readonly JsonObject[], mine: readonly JsonObject[], theirs: readonly JsonObject[], appendNew = false): MergedList {
  const [b, m, t] = [keyed(base, key), keyed(mine, key), keyed(theirs, key)]
  const conflicts: string[] = []
  const rows: (MergedRow | undefined)[] = mine.map((row, i) => ({ from: i, value: row }))
  for (const [k, i] of m) {
    const [bi, ti] = [b.get(k), t.get(k)]
    const label = String(mine[i]![key] ?? '')
    if (bi === undefined && ti === undefined) continue
    if (bi === undefined) {
      // Added on both sides under one key: Ferry's row stays; different content is a conflict.
      if (!sameJson(mine[i], theirs[ti!])) conflicts.push(label)
      continue
    }
    if (ti === undefined) {
      if (sameJson(mine[i], base[bi])) rows[i] = undefined
      else conflicts.push(label)
      continue
    }
    const merged: JsonObject = { ...mine[i]! }
    let clashed = false
    for (const cell of cells) {
      const result = mergeCell(cell, base[bi]![cell.name], mine[i]![cell.name], theirs[ti]![cell.name])
      if (!result) clashed = true
      else if (result.value === undefined) delete merged[cell.name]
      else merged[cell.name] = result.value
    }
    if (clashed) conflicts.push(label)
    rows[i] = { from: i, value: merged }
  }
  const out = rows.filter((r): r is MergedRow => r !== undefined)
  // Rows only the file has: new ones come in; one Ferry removed stays removed unless the file changed it.
  const placeOf = new Map<number, MergedRow>()
  for (const r of out) if (r.from !== undefined) placeOf.set(r.from, r)
  let previous: MergedRow | undefined
  for (const [k, ti] of t) {
    const mi = m.get(k)
    if (mi !== undefined) {
      previous = placeOf.get(mi) ?? previous
      continue
    }
    const bi = b.get(k)
    if (bi !== undefined) {
      if (!sameJson(base[bi], theirs[ti])) conflicts.push(String(theirs[ti]![key] ?? ''))
      continue
    }
    const added: MergedRow = { value: theirs[ti]! }
    const at = appendNew || !previous ? (appendNew ? out.length : 0) : out.indexOf(previous) + 1
    out.splice(at, 0, added)
    previous = added
  }
  return { rows: out, conflicts }
}
