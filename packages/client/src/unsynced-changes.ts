/**
 * What changed in a doc since the relay last held all of it — to tell a user what signing out
 * with sync off would lose ("3 requests changed since the last sync"), and to count it on the
 * offline badge. The mark is a Yjs snapshot (state vector and delete set) taken when the doc
 * was in sync; `PendingChanges` knows the same only while a socket is open, and nothing once
 * sync is off or the page reloaded, so the mark is kept by the caller across sessions.
 *
 * Every struct inserted after the mark, and every struct deleted after it, is traced up its
 * parents to the entry of a root map it sits in: in a collection, that is the item (request
 * or folder) in the `items` map. Anything else (the collection's own description, auth,
 * variables…) counts as `other`. Nothing is split or written: the struct store is only read.
 */
import * as Y from 'yjs'

export interface DocChanges {
  /** Keys of the entries of the root map `itemsRoot` that were added or edited since the mark (still there). */
  readonly changed: ReadonlySet<string>
  /** Keys of entries of `itemsRoot` that were deleted since the mark. */
  readonly removed: ReadonlySet<string>
  /** Something outside `itemsRoot` changed. */
  readonly other: boolean
}

type Struct = Y.Item | { readonly id: Y.ID; readonly length: number }

/** The key in `root` under which `item` sits (its own or an ancestor's), or null when outside `root`. */
function entryOf(item: Y.Item, root: object | null): string | null {
  let at: Y.Item | null = item
  while (at) {
    const parent: unknown = at.parent
    if (!(parent instanceof Y.AbstractType)) return null
    if (parent === root) return at.parentSub
    at = (parent as Y.AbstractType<unknown>)._item
  }
  return null
}

/** Calls `visit` for each struct of `client` from `clock` (inclusive) until `end` (exclusive). */
function eachStruct(structs: readonly Struct[], clock: number, end: number, visit: (struct: Struct) => void): void {
  if (structs.length === 0 || clock >= end) return
  const last = structs[structs.length - 1]!
  if (clock >= last.id.clock + last.length) return
  for (let i = Y.findIndexSS(structs as Y.Item[], clock); i < structs.length; i++) {
    const struct = structs[i]!
    if (struct.id.clock >= end) break
    visit(struct)
  }
}

/**
 * The changes in `doc` since `mark` (null: the relay never held any of it, so everything in
 * it counts). `itemsRoot` names the root map whose entries are reported one by one.
 */
export function changesSince(doc: Y.Doc, mark: Y.Snapshot | null, itemsRoot = 'items'): DocChanges {
  const root = doc.share.has(itemsRoot) ? doc.getMap(itemsRoot) : null
  const changed = new Set<string>()
  const removed = new Set<string>()
  let other = false
  const note = (struct: Struct, deleted: boolean) => {
    if (!(struct instanceof Y.Item)) return
    const key = entryOf(struct, root)
    if (key === null) other = true
    else if (deleted && struct.parent === root && struct.parentSub === key && root?.get(key) === undefined) removed.add(key)
    else changed.add(key)
  }
  const clients = doc.store.clients as Map<number, Struct[]>
  for (const [client, structs] of clients) {
    eachStruct(structs, mark?.sv.get(client) ?? 0, Number.POSITIVE_INFINITY, (s) => note(s, false))
  }
  const deletions = Y.createDeleteSetFromStructStore(doc.store)
  for (const [client, ranges] of deletions.clients) {
    const structs = clients.get(client) ?? []
    const known = mark?.sv.get(client) ?? 0
    for (const range of ranges) {
      // Structs inserted after the mark were noted above; what the mark already had deleted is old news.
      eachStruct(structs, range.clock, Math.min(range.clock + range.len, known), (s) => {
        const at = Y.createID(client, Math.max(s.id.clock, range.clock))
        if (!mark || !Y.isDeleted(mark.ds, at)) note(s, true)
      })
    }
  }
  for (const key of removed) changed.delete(key)
  return { changed, removed, other }
}

/** True when nothing changed. */
export function isUnchanged(changes: DocChanges): boolean {
  return changes.changed.size === 0 && changes.removed.size === 0 && !changes.other
}
