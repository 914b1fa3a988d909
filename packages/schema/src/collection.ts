/**
 * `<userId>:collection:<id>` — one collection: a tree of folders and requests stored as a
 * flat map of items (see collection-item.ts for the item layout, collection-tree.ts and tree.ts
 * for how the tree is read and repaired after concurrent edits, collection-fields.ts for what
 * the conflict log watches). Root types: `items` (Y.Map of item maps), `meta`
 * (Y.Map: collection `auth`, `schema` version, `kept`: an imported file's collection-level
 * fields Ferry does not model), `description` (Y.Text), `scripts` and `variables` (the
 * collection's own; see scripts.ts and key-value-list.ts), `conflicts` (see conflicts.ts),
 * and the seeded texts of v1 strings (see text/seed.ts).
 */
import * as Y from 'yjs'
import { authText, parseAuth, readAuth, writeAuth, type AuthTextPart } from './auth.ts'
import { REQUEST_ATOMICS, collectionFields } from './collection-fields.ts'
import { buildItem, fillItem, type Position } from './collection-item.ts'
import { readView, treeShape } from './collection-tree.ts'
import { COMPACT_KEY, isCompact, materialize } from './compact.ts'
import { readKept, writeOpaque } from './opaque.ts'
import { ConflictLog, type ConflictFields } from './conflicts.ts'
import { DocView } from './doc-view.ts'
import { SchemaError } from './errors.ts'
import { keyValueArray, KeyValueList } from './key-value-list.ts'
import type { Auth, CollectionSnapshot, FolderPatch, JsonObject, Kept, NodeInput, RequestPatch, TreeNode } from './model.ts'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { keyAt, keyBetween } from './order.ts'
import { planMoves, type Move } from './placement.ts'
import { createId, cryptoRandom, derivedRandom, type RandomSource } from './random.ts'
import { readScripts, scriptArray, ScriptList } from './scripts.ts'
import { writeDoc } from './schema-version.ts'
import { seededTexts, structState } from './struct-state.ts'
import { clearSeededText, existingRootText, seedClient } from './text/seed.ts'
import { liveTextField, writeTextField } from './text/text-field.ts'
import { observeDoc } from './transact.ts'
import { ignoreProblems, type ProblemSink } from './validate.ts'

/** Where `add` and `move` put an item: under `parentId` (null/absent = root) before the child at `index` (absent = last). */
export interface Placement {
  parentId?: string | null
  index?: number
}

/** The texts of an item: `url` and `body` on requests only. */
export type TextField = 'name' | 'url' | 'body' | 'description'
export type ListField = 'params' | 'headers' | 'bodyFields' | 'pathVariables'

/** What an item id given to `addAll` must look like (what `createId` makes, and a little more). */
const ID = /^[A-Za-z0-9_-]{1,64}$/

const TEXT_KEYS: Record<TextField, string> = { name: 'name', url: 'url', body: 'bodyRaw', description: 'description' }
/**
 * Lost concurrent values (`conflicts()`): method, enabled flags, body mode and language, auth
 * type, positions; and v1 texts a v1 client overwrote.
 */
export class Collection extends DocView {
  /** Collection-level description (Markdown), merged character by character. */
  readonly description: Y.Text
  private readonly items: Y.Map<unknown>
  private readonly meta: Y.Map<unknown>
  private readonly rootScripts: Y.Array<unknown>
  private readonly rootVariables: Y.Array<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource
  protected readonly log: ConflictLog
  private readonly fields: ConflictFields

  constructor(doc: Y.Doc, options: SchemaOptions = {}) {
    super(doc)
    this.items = doc.getMap('items')
    this.meta = doc.getMap('meta')
    this.description = doc.getText('description')
    this.rootScripts = doc.getArray('scripts')
    this.rootVariables = doc.getArray('variables')
    this.report = options.onProblem ?? ignoreProblems
    this.random = options.random ?? cryptoRandom
    this.fields = collectionFields({ items: this.items, meta: this.meta, rootVariables: this.rootVariables })
    this.log = ConflictLog.of(doc, [this.items, this.meta], this.fields, options.recordConflicts)
  }

  /** The root items with their descendants: every valid item exactly once, no cycles. */
  tree(): TreeNode[] {
    const { tree, nodes } = readView(this.items, this.report)
    return tree.children.get(null)!.map((e) => nodes.get(e.id)!)
  }

  /**
   * One item (a folder with its descendants), or undefined if absent or malformed. Reads the
   * whole collection (O(items)); for many lookups, walk one `tree()`.
   */
  get(id: string): TreeNode | undefined {
    return readView(this.items, this.report).nodes.get(id)
  }

  /** The whole collection as plain data (export, copy). */
  snapshot(): CollectionSnapshot {
    return { description: this.description.toString(), auth: this.auth(), items: this.tree(), ...this.kept() }
  }

  /** The collection's own scripts, variables and kept fields (see `Kept`). */
  kept(): Kept {
    return {
      scripts: readScripts(this.rootScripts, 'scripts', this.report),
      variables: new KeyValueList(this.rootVariables, 'variables', this.report).rows().map(({ index: _, ...row }) => row),
      ...readKept(this.meta),
    }
  }

  /**
   * Sets the scripts, variables and kept fields of an item, or of the collection when `id` is
   * null (an import, or an update from a file): each list as the smallest change. False if
   * the item is absent.
   */
  setKept(kept: Kept, id: string | null = null): boolean {
    const map = id === null ? this.meta : this.editable(id)
    if (!(map instanceof Y.Map)) return false
    writeDoc(this.doc, () => {
      this.scripts(id)!.replace(kept.scripts)
      this.variables(id)!.replace(kept.variables)
      writeOpaque(map, 'kept', kept.kept)
    })
    return true
  }

  /** The item (or, for null, the collection) map holding `key`, created empty if an older item lacks it. */
  private nested(id: string | null, key: 'scripts' | 'variables'): Y.Array<unknown> | undefined {
    if (id === null) return key === 'scripts' ? this.rootScripts : this.rootVariables
    const item = this.editable(id)
    if (!(item instanceof Y.Map)) return undefined
    const array = item.get(key)
    if (array instanceof Y.Array) return array
    if (array !== undefined) return undefined
    // Items written before scripts and variables existed lack them; two devices adding the
    // first one concurrently would each create an array and one would win (its rows kept).
    return writeDoc(this.doc, () => {
      const created = key === 'scripts' ? scriptArray() : keyValueArray()
      item.set(key, created)
      return created
    })
  }

  /** The scripts of an item, or of the collection when `id` is null; undefined if absent. */
  scripts(id: string | null): ScriptList | undefined {
    const array = this.nested(id, 'scripts')
    return array && new ScriptList(array, id === null ? 'scripts' : `items/${id}/scripts`, this.report, (fn) => writeDoc(this.doc, fn))
  }

  /** The variables of an item, or of the collection when `id` is null; undefined if absent. */
  variables(id: string | null): KeyValueList | undefined {
    const array = this.nested(id, 'variables')
    return array && new KeyValueList(array, id === null ? 'variables' : `items/${id}/variables`, this.report, (fn) => writeDoc(this.doc, fn))
  }

  /**
   * The map of item `id` ready for writing: a compact request (see compact.ts) is
   * materialized first — a write, but one every device makes identically.
   */
  private editable(id: string): Y.Map<unknown> | undefined {
    const item = this.items.get(id)
    if (!(item instanceof Y.Map) || !isCompact(item)) return item instanceof Y.Map ? item : undefined
    writeDoc(this.doc, () => materialize(item, fillItem, (map, auth) => writeAuth(map, 'auth', auth)))
    return item
  }

  /** Whether nothing was ever kept here: no items, description, auth, scripts or variables. */
  isEmpty(): boolean {
    return this.items.size === 0 && this.description.length === 0 && this.meta.get('auth') === undefined && this.meta.get('kept') === undefined && this.rootScripts.length === 0 && this.rootVariables.length === 0
  }

  /** Collection-level auth (what `inherit` at the top resolves to). */
  auth(): Auth {
    if (this.meta.get('auth') === undefined) return { type: 'none' }
    const auth = readAuth(this.meta, 'auth')
    if (auth) return auth
    this.report({ code: 'malformed_item', path: 'meta/auth', message: 'collection auth is malformed; using none' })
    return { type: 'none' }
  }

  /** Sets collection-level auth: the type as one value, each text part as the smallest edit. */
  setAuth(auth: Auth): void {
    writeDoc(this.doc, () => writeAuth(this.meta, 'auth', auth))
  }

  /**
   * The live text of one auth part (token, username, password, key, value) of an item, or of
   * the collection when `id` is null, for an editor binding; undefined if the item is absent.
   */
  authText(id: string | null, part: AuthTextPart): Y.Text | undefined {
    const map = id === null ? this.meta : this.editable(id)
    if (!(map instanceof Y.Map)) return undefined
    return writeDoc(this.doc, () => {
      if (parseAuth(map.get('auth')) === undefined) writeAuth(map, 'auth', { type: 'none' })
      return authText(map, 'auth', part)
    })
  }

  /**
   * Adds a folder (with any `children`, recursively) or a request; returns the new id.
   * Throws `SchemaError('not_a_folder')` if `place.parentId` is not a folder of this tree.
   */
  add(input: NodeInput, place: Placement = {}): string {
    return this.addAll([input], place)[0]!
  }

  /** Adds several items side by side (an import), in one transaction; returns their ids. */
  addAll(inputs: readonly NodeInput[], place: Placement = {}): string[] {
    const tree = treeShape(this.items)
    const parentId = place.parentId ?? null
    const siblings = tree.children.get(parentId)
    if (!siblings) throw new SchemaError('not_a_folder', `${parentId} is not a folder in this collection`)
    const ids: string[] = []
    const taken = new Set<string>()
    const idFor = (input: NodeInput): string => {
      const given = input.assignId
      const id = given !== undefined && ID.test(given) && !taken.has(given) && !this.items.has(given) ? given : createId(this.random)
      taken.add(id)
      return id
    }
    writeDoc(this.doc, () => {
      const placed: { order: string }[] = [...siblings]
      const start = Math.max(0, Math.min(place.index ?? siblings.length, siblings.length))
      const pending = inputs.map((input, i) => {
        const order = keyAt(placed, start + i, this.random)
        placed.splice(start + i, 0, { order })
        const id = idFor(input)
        ids.push(id)
        return { id, input, position: { parentId, order } }
      })
      // Depth-first with an explicit stack, so deeply nested imports cannot overflow it.
      while (pending.length > 0) {
        const { id, input, position } = pending.pop()!
        const item = buildItem(input, position)
        this.items.set(id, item)
        if (input.auth && !item.has(COMPACT_KEY)) writeAuth(item, 'auth', input.auth)
        if (input.kind !== 'folder' || !input.children) continue
        let order: string | null = null
        for (const child of input.children) {
          order = keyBetween(order, null, this.random)
          pending.push({ id: idFor(child), input: child, position: { parentId: id, order } })
        }
      }
    })
    return ids
  }

  /**
   * Moves an item under `place.parentId` at `place.index` (among its new siblings, itself
   * excluded). False — nothing written — if the item or the target folder is missing, or the
   * target is the item itself or inside it.
   */
  move(id: string, place: Placement): boolean {
    const tree = treeShape(this.items)
    const parentId = place.parentId ?? null
    const item = this.items.get(id)
    if (!tree.parentOf.has(id) || !(item instanceof Y.Map) || !tree.children.has(parentId)) return false
    for (let at: string | null = parentId; at !== null; at = tree.parentOf.get(at) ?? null) {
      if (at === id) return false
    }
    const siblings = tree.children.get(parentId)!.filter((e) => e.id !== id)
    const position: Position = { parentId, order: keyAt(siblings, place.index ?? siblings.length, this.random) }
    writeDoc(this.doc, () => item.set('position', position))
    return true
  }

  /** Deletes an item and everything under it; returns the deleted ids (empty if absent). */
  remove(id: string): string[] {
    return this.removeAll([id])
  }

  /** Deletes items and everything under them, on one read of the tree's shape; returns the deleted ids. */
  removeAll(ids: readonly string[]): string[] {
    const present = ids.filter((id) => this.items.has(id))
    if (present.length === 0) return []
    const tree = treeShape(this.items)
    const removed: string[] = []
    const seen = new Set<string>()
    const stack = [...present]
    while (stack.length > 0) {
      const at = stack.pop()!
      if (seen.has(at)) continue
      seen.add(at)
      removed.push(at)
      for (const child of tree.children.get(at) ?? []) stack.push(child.id)
    }
    writeDoc(this.doc, () => {
      for (const at of removed) {
        const item = this.items.get(at)
        if (item instanceof Y.Map) for (const name of this.log.ownedTexts(item)) clearSeededText(this.doc, name)
        this.items.delete(at)
      }
    })
    return removed
  }

  /**
   * Makes several moves (see `Move`) on one read of the tree's shape, in order; returns how
   * many items moved. With `seed`, the order keys are derived from it and from the tree, so
   * two devices making the same moves from the same tree write the same positions (no
   * conflict is recorded between equal values); without, they are random as usual.
   */
  placeAll(moves: readonly Move[], seed?: string): number {
    if (moves.length === 0) return 0
    const random = (parentId: string | null, left: string | null, first: string): RandomSource =>
      seed === undefined ? this.random : derivedRandom(`${seed}|${parentId}|${left}|${first}`)
    const planned = planMoves(treeShape(this.items), moves, random)
    if (planned.size === 0) return 0
    writeDoc(this.doc, () => {
      for (const [id, position] of planned) (this.items.get(id) as Y.Map<unknown>).set('position', position)
    })
    return planned.size
  }

  /**
   * Runs `write` — edits of the fields `keys` of item `id`, or of the collection's own when
   * `id` is null (`description`, `auth`, `scripts`, `variables`, `kept`) — under a client id
   * derived from `seed` and from the state of those fields (see struct-state.ts), so two
   * devices making the same edits from the same state write them once between them; edits
   * elsewhere in the item do not change the id. `seed` must name everything the edits depend
   * on beyond that state, and `write` must touch nothing else. A compact request is
   * materialized first. If a write was already made under that id here (a peer's doing),
   * `write` runs as this device.
   */
  writeAs<T>(id: string | null, keys: readonly string[], seed: string, write: () => T): T {
    return writeDoc(this.doc, () => {
      const map = id === null ? this.meta : this.editable(id)
      if (!map) return write()
      const roots = id === null ? ([['description', this.description], ['scripts', this.rootScripts], ['variables', this.rootVariables]] as const) : []
      const types = [map, ...roots.filter(([key]) => keys.includes(key)).map(([, type]) => type)]
      const texts = seededTexts(map, (key) => keys.includes(key), (at, key, entry) => Object.values(this.fields.seeded(at, key, entry)).map((f) => f.name))
      const state = structState([...types, ...texts.map((name) => existingRootText(this.doc, name)).filter((t): t is Y.Text => t !== undefined && t._start !== null)], (key) => keys.includes(key))
      const client = seedClient(`write:${id ?? ''}:${seed}:${state}`)
      if (Y.getState(this.doc.store, client) > 0) return write()
      const own = this.doc.clientID
      this.doc.clientID = client
      try {
        return write()
      } finally {
        this.doc.clientID = own
      }
    })
  }

  /** Sets only the kept fields of an item, or of the collection when `id` is null; false if absent. */
  setKeptFields(kept: JsonObject | undefined, id: string | null = null): boolean {
    const map = id === null ? this.meta : this.editable(id)
    if (!(map instanceof Y.Map)) return false
    writeDoc(this.doc, () => writeOpaque(map, 'kept', kept))
    return true
  }

  /** A fresh id from this collection's random source (an import notes ids before adding). */
  newId(): string {
    return createId(this.random)
  }

  /**
   * Sets fields of an item: names and URLs as the smallest text edit (so a concurrent edit
   * elsewhere in them survives), method and body settings as values, auth as both (see
   * auth.ts). Request-only fields are ignored on folders. False if absent.
   */
  update(id: string, patch: RequestPatch | FolderPatch): boolean {
    const item = this.editable(id)
    if (!(item instanceof Y.Map)) return false
    const isRequest = item.get('kind') === 'request'
    writeDoc(this.doc, () => {
      if (patch.name !== undefined) writeTextField(item, 'name', patch.name)
      if (patch.auth !== undefined) writeAuth(item, 'auth', patch.auth)
      if (!isRequest) return
      const request = patch as RequestPatch
      if (request.url !== undefined) writeTextField(item, 'url', request.url)
      for (const key of REQUEST_ATOMICS) {
        const value = request[key]
        if (value !== undefined && item.get(key) !== value) item.set(key, value)
      }
      if (request.examples !== undefined) writeOpaque(item, 'examples', request.examples.length > 0 ? request.examples : undefined)
    })
    return true
  }

  /** The live text of an item's field, for an editor binding; undefined if absent. */
  text(id: string, field: TextField): Y.Text | undefined {
    const item = this.editable(id)
    if (!(item instanceof Y.Map)) return undefined
    const key = TEXT_KEYS[field]
    const stored = item.get(key)
    if (stored instanceof Y.Text) return stored
    return typeof stored === 'string' ? writeDoc(this.doc, () => liveTextField(item, key)) : undefined
  }

  /** The editable rows of a request's params, headers or form fields. */
  list(id: string, field: ListField): KeyValueList | undefined {
    const item = this.editable(id)
    const array = item instanceof Y.Map ? item.get(field) : undefined
    return array instanceof Y.Array ? new KeyValueList(array, `items/${id}/${field}`, this.report, (fn) => writeDoc(this.doc, fn)) : undefined
  }

  /** Calls `cb` after every transaction that changed this collection; returns unsubscribe. */
  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeDoc(this.doc, cb)
  }
}
