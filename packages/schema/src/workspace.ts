/**
 * `<userId>:workspace` — the account's index of collections (id, name, order, whether it is in
 * the trash), its header presets and account-wide settings. Root types: `collections` and
 * `headerPresets` (ordered maps, see ordered-map.ts; names are texts), `settings` (Y.Map of
 * atomic values), `meta` (schema version), `conflicts` (see conflicts.ts).
 *
 * A collection in the trash (trash.ts) stays listed with its doc, which keeps syncing and
 * merging; `collections()` leaves it out, `trashedCollections()` lists it.
 */
import * as Y from 'yjs'
import { ConflictLog, plainFields } from './conflicts.ts'
import { DocView } from './doc-view.ts'
import { isRowAtomic, keyValueArray, KeyValueList, readRows, withoutIndex } from './key-value-list.ts'
import type { KeyValue } from './model.ts'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { OrderedMap, type Ordered } from './ordered-map.ts'
import { cryptoRandom } from './random.ts'
import { SchemaError } from './errors.ts'
import { isValidSetting, readSettings, type Settings } from './settings.ts'
import { writeDoc } from './schema-version.ts'
import { newText } from './text/text-field.ts'
import { observeDoc } from './transact.ts'
import { TrashableList, trashMark, withTrash, type Trashed } from './trash.ts'
import { ignoreProblems, type ProblemSink } from './validate.ts'

export interface CollectionInfo extends Ordered {
  name: string
}

/** A collection in the trash: when, and by which device. */
export interface TrashedCollection extends CollectionInfo, Trashed {}

export interface HeaderPreset extends Ordered {
  name: string
  headers: KeyValue[]
}

/** Lost concurrent values (`conflicts()`): collection and preset order, a collection's trash state, settings, header enabled flags. */
export class WorkspaceIndex extends DocView {
  private readonly collectionMap: OrderedMap<{ name: string }>
  private readonly bin: TrashableList<{ name: string }>
  private readonly presetMap: OrderedMap<{ name: string; headers: KeyValue[] }>
  private readonly settingsMap: Y.Map<unknown>
  private readonly report: ProblemSink
  protected readonly log: ConflictLog

  constructor(doc: Y.Doc, options: SchemaOptions = {}) {
    super(doc)
    const report = (this.report = options.onProblem ?? ignoreProblems)
    const random = options.random ?? cryptoRandom
    this.collectionMap = new OrderedMap(doc.getMap('collections'), 'collections', (r) => ({ name: r.textField('name') }), report, random)
    this.presetMap = new OrderedMap(
      doc.getMap('headerPresets'),
      'headerPresets',
      (r, path) => ({ name: r.textField('name'), headers: withoutIndex(readRows(r.array('headers'), `${path}/headers`, report)) }),
      report,
      random,
    )
    this.bin = new TrashableList(this.collectionMap, report)
    this.settingsMap = doc.getMap('settings')
    const roots = [this.collectionMap.map, this.presetMap.map]
    const isEntry = (map: Y.Map<unknown>): boolean => roots.includes(map.parent as Y.Map<unknown>)
    const isRow = (map: Y.Map<unknown>): boolean => map.parent instanceof Y.Array
    this.log = ConflictLog.of(
      doc,
      [...roots, this.settingsMap],
      withTrash(
        plainFields(
          (map, key) => (isEntry(map) && key === 'order') || (isRow(map) && isRowAtomic(key)) || map === this.settingsMap,
          (map, key) => (isEntry(map) && key === 'name') || (isRow(map) && (key === 'key' || key === 'value')),
        ),
        (map) => map.parent === this.collectionMap.map,
      ),
      options.recordConflicts,
    )
  }

  /** The collections, in the user's order; not those in the trash. */
  collections(): CollectionInfo[] {
    return this.bin.live()
  }

  /** The collections in the trash, in the user's order. */
  trashedCollections(): TrashedCollection[] {
    return this.bin.trashed()
  }

  /** Every collection listed, in the trash or not: the docs the account holds. */
  allCollections(): CollectionInfo[] {
    return this.bin.all()
  }

  /**
   * Lists a collection (its content lives in its own doc, `<userId>:collection:<id>`) before
   * `index` among the live ones; returns its id. Pass `id` to list a collection whose doc
   * already exists (an import or a copy).
   */
  addCollection(name: string, id?: string, index?: number): string {
    return writeDoc(this.doc, () => this.collectionMap.add({ name: newText(name) }, index, id, this.bin.live()))
  }

  /** Renames as the smallest text edit (a concurrent rename elsewhere in the name merges). */
  renameCollection(id: string, name: string): boolean {
    return writeDoc(this.doc, () => this.collectionMap.setText(id, 'name', name))
  }

  /** The live name of a collection, for an editor binding. */
  collectionName(id: string): Y.Text | undefined {
    return writeDoc(this.doc, () => this.collectionMap.text(id, 'name'))
  }

  /** Moves a collection before `index` among the live ones. */
  moveCollection(id: string, index: number): boolean {
    return writeDoc(this.doc, () => this.collectionMap.move(id, index, this.bin.live()))
  }

  /**
   * Moves a collection to the trash at `at` (ms since the epoch) by device `by`; its doc stays.
   * One already there keeps its mark. False if it is not listed.
   */
  trashCollection(id: string, at: number, by?: string): boolean {
    const mark = trashMark(at, by)
    return writeDoc(this.doc, () => this.bin.trash(id, mark))
  }

  /** Takes a collection out of the trash, back at its place; false if it is not listed (deleted for good). */
  restoreCollection(id: string): boolean {
    return writeDoc(this.doc, () => this.bin.restore(id))
  }

  /** Unlists a collection for good (from the trash or not); wiping its own doc is the caller's job. */
  removeCollection(id: string): boolean {
    return writeDoc(this.doc, () => this.collectionMap.remove(id))
  }

  headerPresets(): HeaderPreset[] {
    return this.presetMap.list()
  }

  addHeaderPreset(name: string, headers: readonly Partial<KeyValue>[] = [], index?: number): string {
    return writeDoc(this.doc, () => this.presetMap.add({ name: newText(name), headers: keyValueArray(headers) }, index))
  }

  renameHeaderPreset(id: string, name: string): boolean {
    return writeDoc(this.doc, () => this.presetMap.setText(id, 'name', name))
  }

  /** The live name of a header preset, for an editor binding. */
  headerPresetName(id: string): Y.Text | undefined {
    return writeDoc(this.doc, () => this.presetMap.text(id, 'name'))
  }

  moveHeaderPreset(id: string, index: number): boolean {
    return writeDoc(this.doc, () => this.presetMap.move(id, index))
  }

  removeHeaderPreset(id: string): boolean {
    return writeDoc(this.doc, () => this.presetMap.remove(id))
  }

  /** The editable header rows of a preset. */
  presetHeaders(id: string): KeyValueList | undefined {
    const array = this.presetMap.entry(id)?.get('headers')
    return array instanceof Y.Array ? new KeyValueList(array, `headerPresets/${id}/headers`, this.report, (fn) => writeDoc(this.doc, fn)) : undefined
  }

  /** Account-wide settings; a missing or malformed value reads as its default. */
  settings(): Settings {
    return readSettings(this.settingsMap, this.report)
  }

  /** Throws `SchemaError('invalid_setting')` for a value outside the documented range. */
  setSetting<K extends keyof Settings>(key: K, value: Settings[K]): void {
    if (!isValidSetting(key, value)) throw new SchemaError('invalid_setting', `invalid value for ${key}`)
    writeDoc(this.doc, () => this.settingsMap.set(key, value))
  }

  /** Calls `cb` after every transaction that changed the index, presets or settings. */
  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeDoc(this.doc, cb)
  }
}
