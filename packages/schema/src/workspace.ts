/**
 * `<userId>:workspace` — the account's index of collections (id, name, order), its header
 * presets and account-wide settings. Root types: `collections` and `headerPresets` (ordered
 * maps, see ordered-map.ts), `settings` (Y.Map of last-writer-wins scalars).
 */
import * as Y from 'yjs'
import { keyValueArray, KeyValueList, readRows, withoutIndex } from './key-value-list.ts'
import type { KeyValue } from './model.ts'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { OrderedMap, type Ordered } from './ordered-map.ts'
import { cryptoRandom } from './random.ts'
import { SchemaError } from './errors.ts'
import { isValidSetting, readSettings, type Settings } from './settings.ts'
import { observeTypes } from './transact.ts'
import { ignoreProblems, type ProblemSink } from './validate.ts'

export interface CollectionInfo extends Ordered {
  name: string
}

export interface HeaderPreset extends Ordered {
  name: string
  headers: KeyValue[]
}

export class WorkspaceIndex {
  private readonly collectionMap: OrderedMap<{ name: string }>
  private readonly presetMap: OrderedMap<{ name: string; headers: KeyValue[] }>
  private readonly settingsMap: Y.Map<unknown>
  private readonly report: ProblemSink

  constructor(
    readonly doc: Y.Doc,
    options: SchemaOptions = {},
  ) {
    const report = (this.report = options.onProblem ?? ignoreProblems)
    const random = options.random ?? cryptoRandom
    this.collectionMap = new OrderedMap(doc.getMap('collections'), 'collections', (r) => ({ name: r.string('name') }), report, random)
    this.presetMap = new OrderedMap(
      doc.getMap('headerPresets'),
      'headerPresets',
      (r, path) => ({ name: r.string('name'), headers: withoutIndex(readRows(r.array('headers'), `${path}/headers`, report)) }),
      report,
      random,
    )
    this.settingsMap = doc.getMap('settings')
  }

  /** The collections, in the user's order. */
  collections(): CollectionInfo[] {
    return this.collectionMap.list()
  }

  /**
   * Lists a collection (its content lives in its own doc, `<userId>:collection:<id>`); returns
   * its id. Pass `id` to list a collection whose doc already exists (an import or a copy).
   */
  addCollection(name: string, id?: string, index?: number): string {
    return this.collectionMap.add({ name }, index, id)
  }

  renameCollection(id: string, name: string): boolean {
    return this.collectionMap.set(id, 'name', name)
  }

  moveCollection(id: string, index: number): boolean {
    return this.collectionMap.move(id, index)
  }

  /** Unlists a collection; wiping its own doc is the caller's job. */
  removeCollection(id: string): boolean {
    return this.collectionMap.remove(id)
  }

  headerPresets(): HeaderPreset[] {
    return this.presetMap.list()
  }

  addHeaderPreset(name: string, headers: readonly Partial<KeyValue>[] = [], index?: number): string {
    return this.presetMap.add({ name, headers: keyValueArray(headers) }, index)
  }

  renameHeaderPreset(id: string, name: string): boolean {
    return this.presetMap.set(id, 'name', name)
  }

  moveHeaderPreset(id: string, index: number): boolean {
    return this.presetMap.move(id, index)
  }

  removeHeaderPreset(id: string): boolean {
    return this.presetMap.remove(id)
  }

  /** The editable header rows of a preset. */
  presetHeaders(id: string): KeyValueList | undefined {
    const array = this.presetMap.entry(id)?.get('headers')
    return array instanceof Y.Array ? new KeyValueList(array, `headerPresets/${id}/headers`, this.report) : undefined
  }

  /** Account-wide settings; a missing or malformed value reads as its default. */
  settings(): Settings {
    return readSettings(this.settingsMap, this.report)
  }

  /** Throws `SchemaError('invalid_setting')` for a value outside the documented range. */
  setSetting<K extends keyof Settings>(key: K, value: Settings[K]): void {
    if (!isValidSetting(key, value)) throw new SchemaError('invalid_setting', `invalid value for ${key}`)
    this.settingsMap.set(key, value)
  }

  /** Calls `cb` after every transaction that changed the index, presets or settings. */
  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeTypes(this.doc, [this.collectionMap.map, this.presetMap.map, this.settingsMap], cb)
  }
}
