/**
 * The trash of a list's entries (collections in the workspace index, environments). Whether an
 * entry is in the trash is a field of the entry itself, `trashed`: a plain `{ at, by? }` (when,
 * in ms since the epoch on the trashing device's clock, and that device's name) or null/absent
 * for a live entry — so it syncs and merges like any edit, and everything else of the entry
 * (its name, its variables, a collection's own doc) stays and keeps merging while it is there.
 *
 * Restoring writes null rather than deleting the key: a concurrent trash and restore are then
 * two writes of one atomic field, and the conflict log records the one that lost (deleting
 * would leave it nothing to compare). Only whether an entry is trashed counts for a conflict:
 * two devices trashing it at different moments did not disagree.
 *
 * Entries written before the trash existed have no field and read as live; a Ferry older than
 * the trash ignores the field and lists a trashed entry as live.
 */
import type * as Y from 'yjs'
import type { ConflictFields } from './conflicts.ts'
import type { Ordered, OrderedMap } from './ordered-map.ts'
import { isRecord, type ProblemSink } from './validate.ts'

export const TRASHED = 'trashed'

/** Longest device name a mark keeps. */
const MAX_BY_LENGTH = 200

export interface TrashMark {
  /** When it went to the trash, ms since the epoch (the trashing device's clock). */
  at: number
  /** The device that trashed it, as it names itself. */
  by?: string
}

/** What a trashed entry lists besides its own fields. */
export interface Trashed {
  trashedAt: number
  trashedBy?: string
}

const isMark = (v: unknown): v is TrashMark =>
  isRecord(v) && typeof v.at === 'number' && Number.isFinite(v.at) && v.at >= 0 && (v.by === undefined || (typeof v.by === 'string' && v.by.length <= MAX_BY_LENGTH))

/** A mark to store; throws a `RangeError` for a time that is not a finite non-negative number. */
export function trashMark(at: number, by?: string): TrashMark {
  if (!Number.isFinite(at) || at < 0) throw new RangeError(`a trash time must be ms since the epoch, not ${at}`)
  return by === undefined ? { at } : { at, by: by.slice(0, MAX_BY_LENGTH) }
}

/**
 * The conflict fields of a doc with `trashed` on its entries (`isEntry`) watched too: whether
 * the entry is trashed is the atomic part, the mark is what a record keeps.
 */
export function withTrash(fields: ConflictFields, isEntry: (map: Y.Map<unknown>) => boolean): ConflictFields {
  return { ...fields, atomic: (map, key) => (key === TRASHED && isEntry(map) ? isMark : fields.atomic(map, key)) }
}

/** The live and trashed entries of an `OrderedMap`, and moving entries between the two. */
export class TrashableList<T> {
  constructor(
    private readonly entries: OrderedMap<T>,
    private readonly report: ProblemSink,
  ) {}

  /** The entry's mark; null when live. A malformed mark is reported and reads as live: hiding an entry for a value nobody can read would lose it from view. */
  mark(id: string): TrashMark | null {
    const value = this.entries.entry(id)?.get(TRASHED)
    if (value === undefined || value === null) return null
    if (isMark(value)) return value
    this.report({ code: 'malformed_item', path: `${this.entries.path}/${id}/${TRASHED}`, message: 'the trash mark is not { at, by? }; the entry is listed as not in the trash' })
    return null
  }

  /** Every valid entry, live or trashed, in order. */
  all(): (T & Ordered)[] {
    return this.entries.list()
  }

  live(): (T & Ordered)[] {
    return this.all().filter((e) => this.mark(e.id) === null)
  }

  trashed(): (T & Ordered & Trashed)[] {
    const out: (T & Ordered & Trashed)[] = []
    for (const entry of this.all()) {
      const mark = this.mark(entry.id)
      if (mark) out.push({ ...entry, trashedAt: mark.at, ...(mark.by === undefined ? {} : { trashedBy: mark.by }) })
    }
    return out
  }

  /** Puts a live entry in the trash (one already there keeps its mark); false if absent. */
  trash(id: string, mark: TrashMark): boolean {
    const map = this.entries.entry(id)
    if (map && this.mark(id) === null) map.set(TRASHED, mark)
    return map !== undefined
  }

  /** Takes an entry out of the trash, back at its place; false if absent (deleted for good). */
  restore(id: string): boolean {
    const map = this.entries.entry(id)
    if (map?.has(TRASHED) && map.get(TRASHED) !== null) map.set(TRASHED, null)
    return map !== undefined
  }
}
