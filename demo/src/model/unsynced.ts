/**
 * What the relay does not have yet, for the active account: a count for the header badge
 * while it is offline or sync is off, and the sentences the sign-out dialog lists ("3 requests
 * changed in “Shop API”"). Built on @ferry/client's `SyncMarks` (marks of the last sync kept
 * in localStorage), which this watches while sync runs.
 */
import { SyncMarks, type UnsyncedDoc, type Workspace } from '@ferry/client'
import { parseDocName } from '@ferry/protocol'

/** How often the count is refreshed while offline or sync is off (only when a doc changed), milliseconds. */
const COUNT_EVERY_MS = 1_500

export interface UnsyncedSummary {
  /** One sentence per doc that changed, e.g. `3 requests changed in "Shop API"`. */
  readonly lines: string[]
  /** Collections with changes (what "Export" downloads). */
  readonly collectionIds: string[]
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Changed items of a collection, by kind: what is still there is read from the doc's tree. */
async function collectionLine(workspace: Workspace, doc: UnsyncedDoc, name: string): Promise<string> {
  const collection = await workspace.collection(doc.id!)
  const kinds = new Map<string, string>()
  const walk = (nodes: ReturnType<typeof collection.tree>) => {
    for (const node of nodes) {
      kinds.set(node.id, node.kind)
      if (node.kind === 'folder') walk(node.children)
    }
  }
  walk(collection.tree())
  const changed = [...doc.changes.changed]
  const requests = changed.filter((id) => kinds.get(id) === 'request').length
  const folders = changed.filter((id) => kinds.get(id) === 'folder').length
  const parts = [
    requests ? plural(requests, 'request') : '',
    folders ? plural(folders, 'folder') : '',
  ].filter(Boolean)
  const removed = doc.changes.removed.size
  const what = [
    parts.length ? `${parts.join(' and ')} changed` : '',
    removed ? `${plural(removed, 'item')} deleted` : '',
    doc.changes.other && !parts.length && !removed ? 'its settings changed' : '',
  ].filter(Boolean).join(', ')
  return `${what} in “${name}”`
}

export async function summarize(workspace: Workspace, docs: readonly UnsyncedDoc[]): Promise<UnsyncedSummary> {
  // A collection in the trash is still the account's: its changes count (and would be lost).
  const names = new Map(workspace.index.allCollections().map((c) => [c.id, c.name]))
  const lines: string[] = []
  const collectionIds: string[] = []
  for (const doc of docs) {
    if (doc.kind === 'collection') {
      const name = doc.id ? names.get(doc.id) : undefined
      // A collection that left the index was deleted for good: nothing of it would be kept anyway.
      if (name === undefined) continue
      lines.push(await collectionLine(workspace, doc, name))
      collectionIds.push(doc.id!)
    } else if (doc.kind === 'environments') {
      lines.push('environments or globals changed')
    } else if (doc.kind === 'history') {
      lines.push('request history added')
    } else {
      lines.push('the collection list, header presets or settings changed')
    }
  }
  return { lines, collectionIds }
}

/** Total of changed and deleted items (and one per doc whose own fields changed). */
export function countOf(docs: readonly UnsyncedDoc[]): number {
  return docs.reduce((sum, d) => sum + d.changes.changed.size + d.changes.removed.size + (d.changes.other ? 1 : 0), 0)
}

/**
 * Watches the active workspace: marks of the last sync while sync runs, and a count of what
 * is not on the relay while it cannot be (`wanted()` true). Calls `changed` when the count moves.
 */
export class UnsyncedTracker {
  readonly marks = new SyncMarks(localStorage)
  #count = 0
  #workspace: Workspace | null = null
  #stopWatch: (() => void) | null = null
  #timer: ReturnType<typeof setInterval> | null = null
  #dirty = true
  readonly #watched = new WeakSet<object>()
  readonly #changed: () => void

  constructor(changed: () => void) {
    this.#changed = changed
  }

  get count(): number {
    return this.#count
  }

  /** Follows `workspace` (null: the local-only one, which has no relay to compare with). */
  follow(workspace: Workspace | null, counting: boolean): void {
    if (workspace !== this.#workspace) {
      this.#stopWatch?.()
      this.#stopWatch = workspace ? this.marks.watch(workspace) : null
      this.#workspace = workspace
      this.#dirty = true
      this.#setCount(0)
    }
    if (counting && workspace && this.#timer === null) {
      const refresh = () => void this.#refresh().catch((error: unknown) => console.warn('Ferry: unsynced changes were not counted', error))
      this.#timer = setInterval(refresh, COUNT_EVERY_MS)
      refresh()
    } else if (!counting && this.#timer !== null) {
      clearInterval(this.#timer)
      this.#timer = null
      this.#setCount(0)
    }
  }

  /** What signing out of the active account would lose now (loads every doc). */
  async summary(): Promise<UnsyncedSummary> {
    const workspace = this.#workspace
    if (!workspace) return { lines: [], collectionIds: [] }
    return summarize(workspace, await this.marks.unsynced(workspace))
  }

  async #refresh(): Promise<void> {
    const workspace = this.#workspace
    if (!workspace) return
    // Count again only after an edit: listen to every loaded doc once.
    for (const name of workspace.loadedDocs()) {
      const parsed = parseDocName(name)
      if (!parsed.ok) continue
      const doc = await workspace.doc(parsed.value.kind, parsed.value.id ?? undefined)
      if (this.#watched.has(doc)) continue
      this.#watched.add(doc)
      doc.on('update', () => (this.#dirty = true))
      this.#dirty = true
    }
    if (!this.#dirty || workspace !== this.#workspace) return
    this.#dirty = false
    this.#setCount(countOf(await this.marks.unsynced(workspace, { loadedOnly: true })))
  }

  #setCount(count: number): void {
    if (count === this.#count) return
    this.#count = count
    this.#changed()
  }

  /** Forgets the marks of an account being signed out. */
  forget(owner: string): void {
    this.marks.forget(owner)
  }
}
