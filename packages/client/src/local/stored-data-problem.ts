/**
 * Problems with what this browser holds that are no failed write — a damaged row set aside, a
 * database of an earlier release that could not be moved in — as the sentence the workspace
 * status shows (the message is the whole sentence).
 */
import type { DocName } from '@ferry/protocol'

export class StoredDataProblem extends Error {
  override name = 'StoredDataProblem'
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** Rows of `name` that could not be read: left out of the doc, left stored as they are. */
export function damagedRows(name: DocName, rows: number): StoredDataProblem {
  return new StoredDataProblem(`this browser set aside ${count(rows, 'damaged stored change', 'damaged stored changes')} of ${name}; the rest opened`)
}

/** Per-doc databases of an earlier release that could not be read; `first` is the first one's error. */
export function unmovedDatabases(databases: number, first: Error): StoredDataProblem {
  const rest = databases === 1 ? 'it stays as it was and moves' : 'they stay as they were and move'
  return new StoredDataProblem(`this browser could not move ${count(databases, 'doc', 'docs')} stored by an earlier release (${first.message}); ${rest} at the next open`)
}
