/**
 * Atomic fields (method, enabled flags, body mode, auth type, positions, encrypted variable
 * values) keep one value when two devices set them concurrently. The device whose value
 * lost records that in the doc's root map `conflicts`, so every device of the account can
 * show it and the user can put the lost value back; nothing is dropped without a trace.
 *
 * Detection runs on the losing device, the only one that saw its own value live before the
 * remote one replaced it: a remote write replaced our write although the remote writer had
 * not seen ours (our write is not among the writes its value was set over, followed through
 * Yjs's `origin` links). A v1 string that a v1 client overwrote while newer clients had
 * edited its seeded text (see text/seed.ts) is recorded the same way, by any device
 * holding those edits.
 *
 * Records are keyed by the lost write's struct id, so devices recording the same loss write
 * the same entry.
 */
import * as Y from 'yjs'
import { editedSinceSeed, seedName } from './text/seed.ts'
import { setText } from './text/diff.ts'
import { ownerOf } from './text/text-field.ts'
import type { SharedType } from './transact.ts'
import { isRecord } from './validate.ts'

export interface Conflict {
  /** Stable id of the record (what `resolve` takes). */
  id: string
  /** Where: the map's owner (an item, row or entry struct id, or a root name) and the field. */
  owner: string
  field: string
  /** The value that lost: what a device wrote and no longer sees. */
  mine: unknown
  /** The value that won and is in the document now. */
  theirs: unknown
  /** `value` for atomic fields, `text` for a v1 string replaced by a v1 client. */
  kind: 'value' | 'text'
  /** When it was recorded (ms since epoch, the recording device's clock). */
  at: number
}

/** What a doc class tells the log about its maps. */
export interface ConflictFields {
  /**
   * Whether `key` of `map` holds an atomic value (watched for lost writes), and what of a
   * value there is atomic (two values whose atomic parts are equal do not conflict).
   */
  atomic(map: Y.Map<unknown>, key: string): ((value: unknown) => unknown) | undefined
  /** The v1 seeds (field → seed) that `value` at `key` of `map` holds; empty for none. */
  seeds(map: Y.Map<unknown>, key: string, value: unknown): Record<string, string>
  /** The current value of a text `field` of `map` (read only). */
  readText(map: Y.Map<unknown>, field: string): string | undefined
  /** The live text of a text `field` of `map` (what a text conflict puts back into). */
  liveText(map: Y.Map<unknown>, field: string): Y.Text | undefined
  /** Puts a lost atomic value back at `key` of `map`. */
  restore(map: Y.Map<unknown>, key: string, value: unknown): void
}

/** Origin of the transactions that record conflicts (they are local writes like any other). */
export const CONFLICT_ORIGIN = Symbol('ferry.conflicts')

/** The map named by `owner` in `doc`, if it still exists. */
function mapOf(doc: Y.Doc, owner: string): Y.Map<unknown> | undefined {
  const [client, clock] = owner.split('.').map(Number)
  if (clock === undefined || !Number.isSafeInteger(client) || !Number.isSafeInteger(clock)) {
    return doc.share.has(owner) ? doc.getMap(owner) : undefined
  }
  if (Y.getState(doc.store, client!) <= clock) return undefined
  const item = Y.getItem(doc.store, Y.createID(client!, clock))
  const type = item instanceof Y.Item && !item.deleted && item.content instanceof Y.ContentType ? item.content.type : undefined
  return type instanceof Y.Map ? type : undefined
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/** Whether `winner` was written by a device that had seen `lost` (following origin links). */
function seenBy(doc: Y.Doc, winner: Y.Item, lost: Y.Item): boolean {
  let origin = winner.origin
  while (origin) {
    if (origin.client === lost.id.client && origin.clock >= lost.id.clock && origin.clock < lost.id.clock + lost.length) return true
    const item = Y.getItem(doc.store, origin)
    if (!(item instanceof Y.Item)) return false
    origin = item.origin
  }
  return false
}

/**
 * The item that was live at `key` before this transaction replaced it, if it was ours: the
 * first item left of the winner that this transaction did not add (what Yjs itself reports
 * as the old value).
 */
function ourReplacedWrite(event: Y.YMapEvent<unknown>, key: string): Y.Item | undefined {
  const winner = event.target._map.get(key)
  let left = winner?.left ?? null
  while (left !== null && event.adds(left)) left = left.left
  return left !== null && event.deletes(left) && left.id.client === event.transaction.doc.clientID ? left : undefined
}

const watched = new WeakMap<Y.Doc, ConflictLog>()

export class ConflictLog {
  private readonly map: Y.Map<unknown>

  /** The log of `doc`, watching `roots` with `fields`; one per doc however often it is asked for. */
  static of(doc: Y.Doc, roots: readonly SharedType[], fields: ConflictFields, record = true): ConflictLog {
    let log = watched.get(doc)
    if (!log) watched.set(doc, (log = new ConflictLog(doc, fields)))
    if (record) log.watch(roots)
    return log
  }

  private watching = false

  private constructor(
    private readonly doc: Y.Doc,
    private readonly fields: ConflictFields,
  ) {
    this.map = doc.getMap('conflicts')
  }

  private watch(roots: readonly SharedType[]): void {
    if (this.watching) return
    this.watching = true
    for (const root of roots) root.observeDeep((events) => this.inspect(events))
  }

  private inspect(events: Y.YEvent<SharedType>[]): void {
    const found: Conflict[] = []
    for (const event of events) {
      if (event.transaction.local || !(event instanceof Y.YMapEvent)) continue
      const target = event.target as Y.Map<unknown>
      for (const [key, change] of event.changes.keys) {
        if (change.action !== 'update') continue
        const theirs = target.get(key)
        const atomicPart = this.fields.atomic(target, key)
        if (atomicPart) {
          const lost = ourReplacedWrite(event as Y.YMapEvent<unknown>, key)
          const winner = target._map.get(key)
          if (lost && winner && !seenBy(this.doc, winner, lost) && !sameValue(atomicPart(change.oldValue), atomicPart(theirs))) {
            found.push(this.record(`${lost.id.client}.${lost.id.clock}`, target, key, 'value', change.oldValue, theirs))
          }
        }
        const before = this.fields.seeds(target, key, change.oldValue)
        const after = this.fields.seeds(target, key, theirs)
        for (const [field, seed] of Object.entries(before)) {
          // A part missing after the write is re-added empty, so an empty seed lives on.
          if ((after[field] ?? '') === seed) continue
          const name = seedName(ownerOf(target), field, seed)
          const edited = editedSinceSeed(this.doc, name, seed)
          const now = this.fields.readText(target, field)
          if (edited !== undefined && edited !== now) found.push(this.record(name, target, field, 'text', edited, now ?? after[field]))
        }
      }
    }
    if (found.length === 0) return
    this.doc.transact(() => {
      for (const c of found) if (!this.map.has(c.id)) this.map.set(c.id, c)
    }, CONFLICT_ORIGIN)
  }

  private record(id: string, map: Y.Map<unknown>, field: string, kind: Conflict['kind'], mine: unknown, theirs: unknown): Conflict {
    const plain = (v: unknown): unknown => (v instanceof Y.AbstractType ? v.toJSON() : v)
    return { id, owner: ownerOf(map), field, kind, mine: plain(mine), theirs: plain(theirs), at: Date.now() }
  }

  /** The open conflicts, oldest first; records whose map is gone are left out. */
  list(): Conflict[] {
    const out: Conflict[] = []
    for (const [id, v] of this.map.entries()) {
      if (!isRecord(v) || typeof v.owner !== 'string' || typeof v.field !== 'string' || (v.kind !== 'value' && v.kind !== 'text')) continue
      if (!mapOf(this.doc, v.owner)) continue
      out.push({ id, owner: v.owner, field: v.field, kind: v.kind, mine: v.mine, theirs: v.theirs, at: typeof v.at === 'number' ? v.at : 0 })
    }
    return out.sort((a, b) => a.at - b.at)
  }

  /**
   * Closes a conflict: `mine` puts the lost value back (for a text, as the smallest edit of
   * what is there now), `theirs` keeps what is there.
   * False if there is no such open conflict.
   */
  resolve(id: string, keep: 'mine' | 'theirs'): boolean {
    const conflict = this.list().find((c) => c.id === id)
    const map = conflict && mapOf(this.doc, conflict.owner)
    if (!conflict || !map) return false
    this.doc.transact(() => {
      if (keep === 'mine') {
        if (conflict.kind === 'value') this.fields.restore(map, conflict.field, conflict.mine)
        else if (typeof conflict.mine === 'string') {
          const text = this.fields.liveText(map, conflict.field)
          if (text) setText(text, conflict.mine)
        }
      }
      this.map.delete(id)
    })
    return true
  }
}
