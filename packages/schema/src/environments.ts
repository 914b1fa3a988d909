/**
 * `<userId>:environments` — environments and the globals. Root types: `environments`
 * (ordered map of `{ name, order, variables }`) and `globals` (a variables map).
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
import { FieldReader, ignoreProblems, type ProblemSink } from './validate.ts'

export interface VariableFields {
  key: string
  /** Opaque (vault ciphertext in practice). */
  value: string
  enabled: boolean
  /** Shown masked in the UI. */
  secret: boolean
}

export interface Variable extends VariableFields, Ordered {}

export interface EnvironmentInfo extends Ordered {
  name: string
}

export interface Environment extends EnvironmentInfo {
  variables: Variable[]
}

const readVariable = (r: FieldReader): VariableFields => ({
  key: r.textField('key'),
  value: r.string('value'),
  enabled: r.boolean('enabled'),
  secret: r.boolean('secret'),
})

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

  /** Adds a variable before `index` (default last); returns its id. */
  add(fields: Partial<VariableFields>, index?: number): string {
    const { key, ...rest } = fields
    return this.write(() => this.entries.add({ value: '', enabled: true, secret: false, ...rest, key: newText(key) }, index))
  }

  /** Sets fields: the key as the smallest text edit, the others as values; false if absent. */
  update(id: string, patch: Partial<VariableFields>): boolean {
    const map = this.entries.entry(id)
    if (!map) return false
    this.write(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue
        if (key === 'key') writeTextField(map, key, value as string)
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
 * `theirs` to show them), `enabled`, `secret`, and the order of variables and environments.
 */
export class Environments extends DocView {
  /** Variables that apply in every environment (overridden by the active one's). */
  readonly globals: VariableSet
  private readonly environments: OrderedMap<{ name: string; variables: Variable[] }>
  private readonly globalsMap: Y.Map<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource
  protected readonly log: ConflictLog
  private readonly write: Write = (fn) => writeDoc(this.doc, fn)

  constructor(doc: Y.Doc, options: SchemaOptions = {}) {
    super(doc)
    const report = (this.report = options.onProblem ?? ignoreProblems)
    const random = (this.random = options.random ?? cryptoRandom)
    this.globalsMap = doc.getMap('globals')
    this.globals = new VariableSet(this.globalsMap, 'globals', report, random, this.write)
    const root = doc.getMap('environments')
    this.environments = new OrderedMap(
      root,
      'environments',
      (r, path) => ({ name: r.textField('name'), variables: new VariableSet(r.map('variables'), `${path}/variables`, report, random).list() }),
      report,
      random,
    )
    const isEnvironment = (map: Y.Map<unknown>): boolean => map.parent === root
    const isVariable = (map: Y.Map<unknown>): boolean => {
      const holder = map.parent
      return holder === this.globalsMap || (holder instanceof Y.Map && holder.parent instanceof Y.Map && isEnvironment(holder.parent))
    }
    this.log = ConflictLog.of(
      doc,
      [root, this.globalsMap],
      plainFields(
        (map, key) => (isEnvironment(map) && key === 'order') || (isVariable(map) && ATOMIC_VARIABLE_FIELDS.includes(key)),
        (map, key) => (isEnvironment(map) && key === 'name') || (isVariable(map) && key === 'key'),
      ),
      options.recordConflicts,
    )
  }

  /** The environments with their variables, in the user's order. */
  list(): Environment[] {
    return this.environments.list()
  }

  get(id: string): Environment | undefined {
    return this.environments.get(id)
  }

  /** Adds an empty environment before `index` (default last); returns its id. */
  add(name: string, index?: number): string {
    return this.write(() => this.environments.add({ name: newText(name), variables: new Y.Map() }, index))
  }

  /** Renames as the smallest text edit. */
  rename(id: string, name: string): boolean {
    return this.write(() => this.environments.setText(id, 'name', name))
  }

  /** The live name of an environment, for an editor binding. */
  nameText(id: string): Y.Text | undefined {
    return this.write(() => this.environments.text(id, 'name'))
  }

  move(id: string, index: number): boolean {
    return this.write(() => this.environments.move(id, index))
  }

  remove(id: string): boolean {
    return this.write(() => this.environments.remove(id))
  }

  /** The editable variables of an environment. */
  variables(id: string): VariableSet | undefined {
    const map = this.environments.entry(id)?.get('variables')
    return map instanceof Y.Map ? new VariableSet(map, `environments/${id}/variables`, this.report, this.random, this.write) : undefined
  }

  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeDoc(this.doc, cb)
  }
}
