/**
 * Atomic fields (method, enabled flags, body mode, auth type, positions, encrypted variable
 * values) keep one value when two devices set them concurrently. The value that lost is
 * recorded in the doc's root map `conflicts`, so every device of the account can show it and
 * the user can put it back; nothing is dropped without a trace.
 *
 * Any replica records what it sees at the moment it applies a remote update, whichever
 * device wrote what (client ids change with every app start, and docs sync in the background
 * without any view open): for every write to a watched key that this update added or
 * deleted and that is now deleted, if the winning write's author had not seen it (it is not
 * among the writes the winner replaced, followed through Yjs's `origin` links) and the two
 * values differ, it is a lost value. Its content is read there and then: Yjs collects the
 * content of deleted writes right after. A v1 string overwritten by a v1 client while newer
 * clients had edited its seeded text (see text/seed.ts) is recorded the same way, naming
 * that text, whose merged content is what `mine` shows.
 *
 * Records are keyed by the lost write's struct id (or the text's name), so every replica
 * recording the same loss writes the same entry.
 */
import * as Y from 'yjs'
import { canWrite } from './schema-version.ts'
import { setText } from './text/diff.ts'
import { watchOrphanTexts } from './text/orphans.ts'
import { editedSinceSeed, existingRootText } from './text/seed.ts'
import { entryValue, liveTextField, ownerOf, readTextField, stringSeed } from './text/text-field.ts'
import { onRemoteMapChanges, type MapChange, type SharedType } from './transact.ts'
import { isRecord } from './validate.ts'

export interface Conflict {
  /** Stable id of the record (what `resolve` takes). */
  id: string
  /** Where: the map's owner (an item, row or entry struct id, or a root name) and the field. */
  owner: string
  field: string
  /**
   * Where, as the app names it: the keys and array positions from the doc's root to the field,
   * e.g. `['items', requestId, 'method']`, `['items', requestId, 'headers', 2, 'enabled']`,
   * `['environments', environmentId, 'variables', variableId, 'value']`, `['globals', variableId,
   * 'value']`, `['collections', collectionId, 'order']`, `['settings', key]`, `['meta', 'auth']`.
   */
  path: (string | number)[]
  /** The value that lost: what a device wrote and nobody sees now. */
  mine: unknown
  /** The value that won and is in the document now. */
  theirs: unknown
  /** `value` for atomic fields, `text` for a v1 string replaced by a v1 client. */
  kind: 'value' | 'text'
  /** The Yjs client id that wrote the lost value (a device compares its own, for "yours"). */
  client: number
  /** When it was recorded (ms since epoch, the recording device's clock). */
  at: number
}

/** A text field of a write: its root text's name and the v1 seed it started from. */
export interface SeededField {
  name: string
  seed: string
}

/** What a doc class tells the log about its maps. */
export interface ConflictFields {
  /**
   * Whether `key` of `map` holds an atomic value (watched for lost writes), and what of a
   * value there is atomic (two values whose atomic parts are equal do not conflict).
   */
  atomic(map: Y.Map<unknown>, key: string): ((value: unknown) => unknown) | undefined
  /** The seeded text fields (conflict field → name and seed) the write `entry` at `key` of `map` holds. */
  seeded(map: Y.Map<unknown>, key: string, entry: Y.Item): Record<string, SeededField>
  /** The lost value of `entry` as the record keeps it (e.g. with its text names). */
  kept(map: Y.Map<unknown>, key: string, entry: Y.Item): unknown
  /** The current value of a text `field` of `map` (read only). */
  readText(map: Y.Map<unknown>, field: string): string | undefined
  /** The live text of a text `field` of `map` (what a text conflict puts back into). */
  liveText(map: Y.Map<unknown>, field: string): Y.Text | undefined
  /** Puts a lost atomic value back at `key` of `map`. */
  restore(map: Y.Map<unknown>, key: string, value: unknown): void
}

/**
 * The fields of a doc whose atomic values are plain values and whose texts are plain text
 * fields (nested texts or v1 strings): everything but auth (see collection-fields.ts).
 */
export function plainFields(isAtomic: (map: Y.Map<unknown>, key: string) => boolean, isText: (map: Y.Map<unknown>, key: string) => boolean): ConflictFields {
  const identity = (v: unknown): unknown => v
  return {
    atomic: (map, key) => (isAtomic(map, key) ? identity : undefined),
    seeded: (map, key, entry) => (isText(map, key) ? stringSeed(key, entry) : {}),
    kept: (_map, _key, entry) => entryValue(entry),
    readText: readTextField,
    liveText: liveTextField,
    restore: (map, key, value) => map.set(key, value),
  }
}

/** Origin of the transactions that record conflicts (they are local writes like any other). */
export const CONFLICT_ORIGIN = Symbol('ferry.conflicts')

/** How far left of a winning write the log looks for writes an update touched. */
const MAX_WALK = 64

/** The map named by `owner` in `doc`, if it still exists. */
function mapOf(doc: Y.Doc, owner: string): Y.Map<unknown> | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(owner)
  if (!match) {
    const root = doc.share.get(owner)
    return root instanceof Y.Map ? root : undefined
  }
  const [client, clock] = [Number(match[1]), Number(match[2])]
  if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock) || Y.getState(doc.store, client) <= clock) return undefined
  const item = Y.getItem(doc.store, Y.createID(client, clock))
  const type = item instanceof Y.Item && !item.deleted && item.content instanceof Y.ContentType ? item.content.type : undefined
  return type instanceof Y.Map ? type : undefined
}

/** The keys and array positions from `doc`'s root to `map`. */
function pathOf(doc: Y.Doc, map: Y.Map<unknown>): (string | number)[] {
  const path: (string | number)[] = []
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let at: Y.AbstractType<any> = map
  while (at._item) {
    const parent = at._item.parent as SharedType
    path.unshift(at._item.parentSub ?? (parent instanceof Y.Array ? parent.toArray().indexOf(at) : -1))
    at = parent
  }
  for (const [name, root] of doc.share) if (root === at) path.unshift(name)
  return path
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

/** Whether `winner` was written by a device that had seen `lost` (following origin links). */
function seenBy(doc: Y.Doc, winner: Y.Item, lost: Y.Item): boolean {
  let origin = winner.origin
  for (let steps = 0; origin && steps < 10_000; steps++) {
    if (origin.client === lost.id.client && origin.clock >= lost.id.clock && origin.clock < lost.id.clock + lost.length) return true
    const item = Y.getItem(doc.store, origin)
    if (!(item instanceof Y.Item)) return false
    origin = item.origin
  }
  return false
}

const watched = new WeakMap<Y.Doc, ConflictLog>()

export class ConflictLog {
  private readonly map: Y.Map<unknown>
  private watching = false

  /** The log of `doc`, watching `roots` with `fields` unless `record` is false; one per doc. */
  static of(doc: Y.Doc, roots: readonly SharedType[], fields: ConflictFields, record = true): ConflictLog {
    let log = watched.get(doc)
    if (!log) watched.set(doc, (log = new ConflictLog(doc, fields)))
    if (record) log.watch(roots)
    return log
  }

  private constructor(
    private readonly doc: Y.Doc,
    private readonly fields: ConflictFields,
  ) {
    this.map = doc.getMap('conflicts')
  }

  private watch(roots: readonly SharedType[]): void {
    if (this.watching) return
    this.watching = true
    onRemoteMapChanges(this.doc, roots, (changes) => this.inspect(changes))
    watchOrphanTexts(this.doc, roots, (map) => this.ownedTexts(map))
  }

  /** The seeded root texts `map` and the maps inside it hold (what its deletion must empty). */
  ownedTexts(map: Y.Map<unknown>): string[] {
    const names: string[] = []
    const stack: Y.Map<unknown>[] = [map]
    while (stack.length > 0) {
      const at = stack.pop()!
      for (const [key, entry] of at._map) {
        for (const { name } of Object.values(this.fields.seeded(at, key, entry))) names.push(name)
        const value = entry.deleted ? undefined : entryValue(entry)
        if (value instanceof Y.Map) stack.push(value)
        else if (value instanceof Y.Array) value.forEach((v) => v instanceof Y.Map && stack.push(v))
      }
    }
    return names
  }

  private inspect(changes: MapChange[]): void {
    if (!canWrite(this.doc)) return
    const found: Record<string, unknown>[] = []
    for (const event of changes) {
      const target = event.target
      for (const key of event.keys) {
        const winner = target._map.get(key)
        if (!winner || winner.deleted) continue
        let left = winner.left
        for (let steps = 0; left !== null && steps < MAX_WALK; steps++, left = left.left) {
          // A write that arrives already emptied was replaced by its own device before it synced
          // (Yjs sends such writes without content): nobody ever saw it, so nothing was lost.
          if (!left.deleted || !(event.adds(left) || event.deletes(left)) || left.content instanceof Y.ContentDeleted) continue
          this.lost(target, key, winner, left, found)
        }
      }
    }
    if (found.length === 0) return
    this.doc.transact(() => {
      for (const c of found) if (!this.map.has(c.id as string)) this.map.set(c.id as string, c)
    }, CONFLICT_ORIGIN)
  }

  /** Records `lost` (a write this update replaced or brought in already replaced) if it was lost. */
  private lost(target: Y.Map<unknown>, key: string, winner: Y.Item, lost: Y.Item, found: Record<string, unknown>[]): void {
    const base = { owner: ownerOf(target), client: lost.id.client, at: Date.now() }
    const atomicPart = this.fields.atomic(target, key)
    const valueLost = atomicPart !== undefined && !seenBy(this.doc, winner, lost) && !sameValue(atomicPart(entryValue(lost)), atomicPart(entryValue(winner)))
    if (valueLost) {
      found.push({ ...base, id: `${lost.id.client}.${lost.id.clock}`, field: key, kind: 'value', mine: this.fields.kept(target, key, lost), theirs: entryValue(winner) })
    }
    const now = this.fields.seeded(target, key, winner)
    for (const [field, { name, seed }] of Object.entries(this.fields.seeded(target, key, lost))) {
      // A part the winning value lacks comes back with that lost value (its record keeps the text's name).
      if (now[field]?.name === name || (valueLost && !now[field])) continue
      const edited = editedSinceSeed(this.doc, name, seed)
      if (edited !== undefined && edited !== this.fields.readText(target, field)) {
        found.push({ ...base, id: name, field, kind: 'text', text: name, theirs: this.fields.readText(target, field) ?? '' })
      }
    }
  }

  private read(id: string, v: unknown): Conflict | undefined {
    if (!isRecord(v) || typeof v.owner !== 'string' || typeof v.field !== 'string' || (v.kind !== 'value' && v.kind !== 'text')) return undefined
    const map = mapOf(this.doc, v.owner)
    if (!map) return undefined
    const path = [...pathOf(this.doc, map), v.field]
    const client = typeof v.client === 'number' ? v.client : 0
    const at = typeof v.at === 'number' ? v.at : 0
    if (v.kind === 'value') return { id, owner: v.owner, field: v.field, path, kind: 'value', mine: v.mine, theirs: v.theirs, client, at }
    // A text conflict shows the old text as it is now: every device's edits to it, merged.
    const text = typeof v.text === 'string' ? existingRootText(this.doc, v.text) : undefined
    return text && { id, owner: v.owner, field: v.field, path, kind: 'text', mine: text.toString(), theirs: v.theirs, client, at }
  }

  /** Every open record, as read (duplicates of one loss included). */
  private records(): Conflict[] {
    const out: Conflict[] = []
    for (const [id, v] of this.map.entries()) {
      const conflict = this.read(id, v)
      if (conflict) out.push(conflict)
    }
    return out.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
  }

  /** What makes two records the same loss to a person: the field and both values. */
  private static same(c: Conflict): string {
    return JSON.stringify([c.owner, c.field, c.kind, c.mine, c.theirs])
  }

  /**
   * The open conflicts, oldest first; malformed records and those whose map is gone are left
   * out, and records of the same loss (one device wrote the same value twice while apart, say)
   * are listed once.
   */
  list(): Conflict[] {
    const seen = new Set<string>()
    return this.records().filter((c) => {
      const key = ConflictLog.same(c)
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  }

  /**
   * Closes a conflict: `mine` puts the lost value back (for a text, as the smallest edit of
   * what is there now), `theirs` keeps what is there. False if there is no such open conflict.
   */
  resolve(id: string, keep: 'mine' | 'theirs'): boolean {
    const conflict = this.read(id, this.map.get(id))
    const map = conflict && mapOf(this.doc, conflict.owner)
    if (!conflict || !map) return false
    this.doc.transact(() => {
      if (keep === 'mine') {
        if (conflict.kind === 'value') this.fields.restore(map, conflict.field, conflict.mine)
        else {
          const text = this.fields.liveText(map, conflict.field)
          if (text) setText(text, conflict.mine as string)
        }
      }
      const key = ConflictLog.same(conflict)
      for (const other of this.records()) if (ConflictLog.same(other) === key) this.map.delete(other.id)
    })
    return true
  }
}
