/**
 * `<userId>:environments` — environments and the globals. Root types: `environments`
 * (ordered map of `{ name, order, variables, trashed? }`) and `globals` (a variables map).
 *
 * An environment in the trash (trash.ts) keeps its variables, which keep merging; `list()` and
 * `get()` leave it out, `trashed()` lists it, `variables()` still edits it.
 *
 * Globals are their own root map rather than a special environment: a root type exists on
 * every replica without being created, so two offline devices that both touch the globals
 * first cannot each create one and have a merge keep only one of them; and the globals
 * cannot be renamed, reordered or deleted.
 *
 * Variables are an ordered map keyed by a stable variable id (the vault binds each
 * ciphertext to the doc name and that id). `value` is an opaque string: the client stores
 * vault ciphertext there; this package never interprets it. Ciphertext cannot merge
 * character by character, so `value` is atomic like `enabled` and `secret`: a device whose
 * value lost to a concurrent one records it in `conflicts` (see conflicts.ts) and the user
 * picks. Environment names and variable keys are texts.
 *
 * Postman fields Ferry does not model (added for issue 13, additive — docs without them read
 * as before, and older Ferry versions ignore them). Each variable and each environment may
 * hold `postman`: a plain JSON string with the rest of the Postman object it was imported
 * from, kept verbatim so an export writes it back (a variable's `id`, `description`,
 * `type: 'any'`, an environment's `id`, `timestamp`, `owner`, field order…). It never holds a
 * value: the variable's `value` field (vault ciphertext) does; `postman/environment.ts` says
 * what the JSON holds. Root map `globalsInfo` holds the same for the globals (key `postman`:
 * the globals file's `id`, `name`…). These fields are metadata written by imports, atomic,
 * and not watched for lost concurrent writes.
 */
import * as Y from 'yjs'
import { ConflictLog, plainFields } from './conflicts.ts'
import { DocView } from './doc-view.ts'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { OrderedMap, type Ordered } from './ordered-map.ts'
import { cryptoRandom, type RandomSource } from './random.ts'
import { writeDoc } from './schema-version.ts'
import { newText, writeTextField } from './text/text-field.ts'
import { observeDoc } from './transact.ts'
import { TrashableList, trashMark, withTrash, type Trashed } from './trash.ts'
import { FieldReader, ignoreProblems, MAX_SCALAR_LENGTH, type ProblemSink } from './validate.ts'

export interface VariableFields {
  key: string
  /** Opaque (vault ciphertext in practice). */
  value: string
  enabled: boolean
  /** Shown masked in the UI. */
  secret: boolean
  /** The Postman variable's other fields as JSON (see the module comment); absent when not imported. */
  postman?: string
}

/** A change to a variable: `postman: null` removes the Postman fields. */
export type VariablePatch = Partial<Omit<VariableFields, 'postman'>> & { postman?: string | null }

export interface Variable extends VariableFields, Ordered {}

export interface EnvironmentInfo extends Ordered {
  name: string
  /** The Postman environment's other fields as JSON (see the module comment); absent when not imported. */
  postman?: string
}

export interface Environment extends EnvironmentInfo {
  variables: Variable[]
}

/** An environment in the trash: when, and by which device. */
export interface TrashedEnvironment extends Environment, Trashed {}

/** An optional plain JSON string (the `postman` fields): absent reads as nothing, anything but a string is malformed. */
function optionalJson(r: FieldReader): { postman?: string } {
  const postman = r.parsed('postman', 'a string', (v) => (v === undefined ? null : typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH ? v : undefined), null)
  return postman === null ? {} : { postman }
}

const readVariable = (r: FieldReader): VariableFields => ({
  key: r.textField('key'),
  value: r.string('value'),
  enabled: r.boolean('enabled'),
  secret: r.boolean('secret'),
  ...optionalJson(r),
})

/** Sets or (null) removes an entry's `postman` field. */
function setPostman(map: Y.Map<unknown>, postman: string | null): void {
  if (postman === null) {
    if (map.has('postman')) map.delete('postman')
  } else if (map.get('postman') !== postman) map.set('postman', postman)
}

/** The variables of one environment or of the globals. */
const ATOMIC_VARIABLE_FIELDS: readonly string[] = ['order', 'value', 'enabled', 'secret']

/** Runs a write in one transaction of the environments doc (stamping its schema version). */
type Write = <T>(fn: () => T) => T

export class VariableSet {
  private readonly entries: OrderedMap<VariableFields>

  constructor(
    map: Y.Map<unknown>,
    path: string,
    report: ProblemSink,
    random: RandomSource,
    private readonly write: Write = (fn) => fn(),
  ) {
    this.entries = new OrderedMap(map, path, readVariable, report, random)
  }

  list(): Variable[] {
    return this.entries.list()
  }

  get(id: string): Variable | undefined {
    return this.entries.get(id)
  }

  /**
   * Adds a variable before `index` (default last); returns its id. `id` is for a caller that
   * must know it ahead (the vault binds a value to its variable id: an import seals first).
   */
  add(fields: Partial<VariableFields>, index?: number, id?: string): string {
    const { key, postman, ...rest } = fields
    const entry = { value: '', enabled: true, secret: false, ...rest, key: newText(key), ...(postman === undefined ? {} : { postman }) }
    return this.write(() => this.entries.add(entry, index, id))
  }

  /** Sets fields: the key as the smallest text edit, the others as values; false if absent. */
  update(id: string, patch: VariablePatch): boolean {
    const map = this.entries.entry(id)
    if (!map) return false
    this.write(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue
        if (key === 'key') writeTextField(map, key, value as string)
        else if (key === 'postman') setPostman(map, value as string | null)
        else if (map.get(key) !== value) map.set(key, value)
      }
    })
    return true
  }

  /** The live text of a variable's name, for an editor binding. */
  keyText(id: string): Y.Text | undefined {
    return this.write(() => this.entries.text(id, 'key'))
  }

  move(id: string, index: number): boolean {
    return this.write(() => this.entries.move(id, index))
  }

  remove(id: string): boolean {
    return this.write(() => this.entries.remove(id))
  }
}

/**
 * Lost concurrent values (`conflicts()`): a variable's `value` (ciphertext: decrypt `mine` and
 * `theirs` to show them), `enabled`, `secret`, the order of variables and environments, and an
 * environment's trash state.
 */
export class Environments extends DocView {
  /** Variables that apply in every environment (overridden by the active one's). */
  readonly globals: VariableSet
  private readonly environments: OrderedMap<{ name: string; variables: Variable[]; postman?: string }>
  private readonly bin: TrashableList<{ name: string; variables: Variable[]; postman?: string }>
  private readonly globalsMap: Y.Map<unknown>
  private readonly globalsInfo: Y.Map<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource
  protected readonly log: ConflictLog
  private readonly write: Write = (fn) => writeDoc(this.doc, fn)

  constructor(doc: Y.Doc, options: SchemaOptions = {}) {
    super(doc)
    const report = (this.report = options.onProblem ?? ignoreProblems)
    const random = (this.random = options.random ?? cryptoRandom)
    this.globalsMap = doc.getMap('globals')
    this.globalsInfo = doc.getMap('globalsInfo')
    this.globals = new VariableSet(this.globalsMap, 'globals', report, random, this.write)
    const root = doc.getMap('environments')
    this.environments = new OrderedMap(
      root,
      'environments',
      (r, path) => ({ name: r.textField('name'), variables: new VariableSet(r.map('variables'), `${path}/variables`, report, random).list(), ...optionalJson(r) }),
      report,
      random,
    )
    this.bin = new TrashableList(this.environments, report)
    const isEnvironment = (map: Y.Map<unknown>): boolean => map.parent === root
    const isVariable = (map: Y.Map<unknown>): boolean => {
      const holder = map.parent
      return holder === this.globalsMap || (holder instanceof Y.Map && holder.parent instanceof Y.Map && isEnvironment(holder.parent))
    }
    this.log = ConflictLog.of(
      doc,
      [root, this.globalsMap],
      withTrash(
        plainFields(
          (map, key) => (isEnvironment(map) && key === 'order') || (isVariable(map) && ATOMIC_VARIABLE_FIELDS.includes(key)),
          (map, key) => (isEnvironment(map) && key === 'name') || (isVariable(map) && key === 'key'),
        ),
        isEnvironment,
      ),
      options.recordConflicts,
    )
  }

  /** The environments with their variables, in the user's order; not those in the trash. */
  list(): Environment[] {
    return this.bin.live()
  }

  /** The environments in the trash, in the user's order. */
  trashed(): TrashedEnvironment[] {
    return this.bin.trashed()
  }

  /** A live environment (undefined when absent or in the trash). */
  get(id: string): Environment | undefined {
    return this.bin.mark(id) === null ? this.environments.get(id) : undefined
  }

  /**
   * Adds an empty environment before `index` (default last); returns its id. `options.id` is
   * for a caller that must know it ahead (values are sealed to it); `options.postman` the
   * Postman fields of an imported environment.
   */
  add(name: string, index?: number, options: { id?: string; postman?: string } = {}): string {
    const fields = { name: newText(name), variables: new Y.Map(), ...(options.postman === undefined ? {} : { postman: options.postman }) }
    return this.write(() => this.environments.add(fields, index, options.id, this.bin.live()))
  }

  /** Sets (or with null removes) an environment's Postman fields; false if absent. */
  setPostman(id: string, postman: string | null): boolean {
    const map = this.environments.entry(id)
    if (map) this.write(() => setPostman(map, postman))
    return map !== undefined
  }

  /** The Postman fields of the globals (their file's id, name…), if imported. */
  globalsPostman(): string | undefined {
    const v = this.globalsInfo.get('postman')
    return typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH ? v : undefined
  }

  /** Sets (or with null removes) the globals' Postman fields. */
  setGlobalsPostman(postman: string | null): void {
    this.write(() => setPostman(this.globalsInfo, postman))
  }

  /** Renames as the smallest text edit. */
  rename(id: string, name: string): boolean {
    return this.write(() => this.environments.setText(id, 'name', name))
  }

  /** The live name of an environment, for an editor binding. */
  nameText(id: string): Y.Text | undefined {
    return this.write(() => this.environments.text(id, 'name'))
  }

  /** Moves an environment before `index` among the live ones. */
  move(id: string, index: number): boolean {
    return this.write(() => this.environments.move(id, index, this.bin.live()))
  }

  /**
   * Moves an environment to the trash at `at` (ms since the epoch) by device `by`; its
   * variables stay. One already there keeps its mark. False if absent.
   */
  trash(id: string, at: number, by?: string): boolean {
    const mark = trashMark(at, by)
    return this.write(() => this.bin.trash(id, mark))
  }

  /** Takes an environment out of the trash, back at its place; false if absent (deleted for good). */
  restore(id: string): boolean {
    return this.write(() => this.bin.restore(id))
  }

  /** Deletes an environment for good (from the trash or not). */
  remove(id: string): boolean {
    return this.write(() => this.environments.remove(id))
  }

  /** The editable variables of an environment (in the trash or not). */
  variables(id: string): VariableSet | undefined {
    const map = this.environments.entry(id)?.get('variables')
    return map instanceof Y.Map ? new VariableSet(map, `environments/${id}/variables`, this.report, this.random, this.write) : undefined
  }

  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeDoc(this.doc, cb)
  }
}
