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
 * vault ciphertext there; this package never interprets it.
 */
import * as Y from 'yjs'
import type { ChangeInfo, SchemaOptions } from './options.ts'
import { OrderedMap, type Ordered } from './ordered-map.ts'
import { cryptoRandom, type RandomSource } from './random.ts'
import { observeTypes, transact } from './transact.ts'
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
  key: r.string('key'),
  value: r.string('value'),
  enabled: r.boolean('enabled'),
  secret: r.boolean('secret'),
})

/** The variables of one environment or of the globals. */
export class VariableSet {
  private readonly entries: OrderedMap<VariableFields>

  constructor(map: Y.Map<unknown>, path: string, report: ProblemSink, random: RandomSource) {
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
    return this.entries.add({ key: '', value: '', enabled: true, secret: false, ...fields }, index)
  }

  /** Sets fields (each last-writer-wins); false if absent. */
  update(id: string, patch: Partial<VariableFields>): boolean {
    const map = this.entries.entry(id)
    if (!map) return false
    transact(map, () => {
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) map.set(key, value)
    })
    return true
  }

  move(id: string, index: number): boolean {
    return this.entries.move(id, index)
  }

  remove(id: string): boolean {
    return this.entries.remove(id)
  }
}

export class Environments {
  /** Variables that apply in every environment (overridden by the active one's). */
  readonly globals: VariableSet
  private readonly environments: OrderedMap<{ name: string; variables: Variable[] }>
  private readonly globalsMap: Y.Map<unknown>
  private readonly report: ProblemSink
  private readonly random: RandomSource

  constructor(
    readonly doc: Y.Doc,
    options: SchemaOptions = {},
  ) {
    const report = (this.report = options.onProblem ?? ignoreProblems)
    const random = (this.random = options.random ?? cryptoRandom)
    this.globalsMap = doc.getMap('globals')
    this.globals = new VariableSet(this.globalsMap, 'globals', report, random)
    this.environments = new OrderedMap(
      doc.getMap('environments'),
      'environments',
      (r, path) => ({ name: r.string('name'), variables: new VariableSet(r.map('variables'), `${path}/variables`, report, random).list() }),
      report,
      random,
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
    return this.environments.add({ name, variables: new Y.Map() }, index)
  }

  rename(id: string, name: string): boolean {
    return this.environments.set(id, 'name', name)
  }

  move(id: string, index: number): boolean {
    return this.environments.move(id, index)
  }

  remove(id: string): boolean {
    return this.environments.remove(id)
  }

  /** The editable variables of an environment. */
  variables(id: string): VariableSet | undefined {
    const map = this.environments.entry(id)?.get('variables')
    return map instanceof Y.Map ? new VariableSet(map, `environments/${id}/variables`, this.report, this.random) : undefined
  }

  observe(cb: (change: ChangeInfo) => void): () => void {
    return observeTypes(this.doc, [this.environments.map, this.globalsMap], cb)
  }
}
