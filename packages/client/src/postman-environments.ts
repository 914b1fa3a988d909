/**
 * Postman environments and globals in and out of an account's environments doc, every value
 * through the vault. Import is two steps: `planScopes` says where each file's environment
 * would go — a new environment, or one that already exists (same Postman id, stored at the
 * last import, or same name), which the user chooses to update or to import as a new copy;
 * imported globals go into the globals, and the user chooses only when a key is already
 * there. `applyScopes` then seals every value first and stores everything in one transaction
 * of the doc, so an import lands whole or not at all, and plaintext never reaches the doc.
 *
 * Update means: a variable with the same key (the n-th of that key for the n-th in the file)
 * takes the file's value, flags and Postman fields; the others are added; variables the file
 * does not have are kept (an import adds, it never deletes). An environment found by its
 * Postman id also takes the file's name.
 *
 * Export (`exportPostmanEnvironment`, `exportPostmanGlobals`) writes the file Postman imports,
 * with secret values left empty unless the caller asks for them (as Postman does when sharing);
 * a value this device cannot open is exported empty and named in `unreadable`.
 */
import { createId, postmanFileName, postmanIdOf, writePostmanScope, type Environments, type PostmanBatch, type PostmanScope, type PostmanScopeFile, type PostmanScopeKind, type Variable, type VariableSet } from '@ferry/schema'
import type { SecretEnvironments, VariableValue } from './secret-environments.ts'

/** This client's version, written into exports as `_postman_exported_using: 'Ferry/<version>'`. */
export const FERRY_VERSION = '0.1.0'

export type ScopeChoice = 'update' | 'copy'

export type ScopeTarget =
  /** No environment of that id or name: a new one is made. */
  | { readonly kind: 'new-environment' }
  /** An environment of that Postman id (or name) exists: the user chooses `update` or `copy`. */
  | { readonly kind: 'environment'; readonly environmentId: string; readonly name: string; readonly by: 'id' | 'name' }
  /** Into the globals; with `collisions` (keys already there) the user chooses `update` or `copy` (a new environment). */
  | { readonly kind: 'globals'; readonly collisions: readonly string[] }

export interface ScopePlan {
  readonly scope: PostmanScope
  readonly target: ScopeTarget
}

/** Whether a plan needs the user to choose between `update` and `copy`. */
export const needsChoice = (plan: ScopePlan): boolean => plan.target.kind === 'environment' || (plan.target.kind === 'globals' && plan.target.collisions.length > 0)

/** What happened to one imported environment or the globals. */
export interface ScopeOutcome {
  readonly kind: 'environment' | 'globals'
  /** The environment's id (null: the globals). */
  readonly environmentId: string | null
  /** Its name in Ferry now. */
  readonly name: string
  /** The file's name for it. */
  readonly from: string
  readonly added: number
  readonly updated: number
  readonly action: 'created' | 'updated' | 'copied'
}

/** Several globals in one import (two files, or a dump listing them twice) become one. */
function oneGlobals(globals: readonly PostmanScope[]): PostmanScope | null {
  if (globals.length === 0) return null
  const [first, ...rest] = globals
  return { ...first!, variables: [first!, ...rest].flatMap((g) => g.variables), postman: globals.find((g) => g.postman !== null)?.postman ?? null }
}

/** Where each environment and the globals of `batch` would go. */
export function planScopes(environments: Environments, batch: PostmanBatch): ScopePlan[] {
  const existing = environments.list()
  const plans: ScopePlan[] = batch.environments.map((scope) => {
    const byId = scope.id === null ? undefined : existing.find((e) => postmanIdOf(e.postman) === scope.id || e.id === scope.id)
    const byName = byId ? undefined : existing.find((e) => e.name === scope.name)
    const found = byId ?? byName
    return { scope, target: found ? { kind: 'environment', environmentId: found.id, name: found.name, by: byId ? 'id' : 'name' } : { kind: 'new-environment' } }
  })
  const globals = oneGlobals(batch.globals)
  if (globals) {
    const keys = new Set(environments.globals.list().map((v) => v.key))
    const collisions = [...new Set(globals.variables.map((v) => v.key).filter((k) => keys.has(k)))]
    plans.push({ scope: globals, target: { kind: 'globals', collisions } })
  }
  return plans
}

/** `name`, or `name (2)`, `name (3)`… — whichever no environment has yet. */
function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name
  for (let n = 2; taken.has(candidate); n++) candidate = `${name} (${n})`
  taken.add(candidate)
  return candidate
}

/** One variable write, sealed before the transaction. */
interface Write {
  readonly variableId: string
  /** null: a new variable. */
  readonly existing: Variable | null
  readonly fields: { key: string; enabled: boolean; secret: boolean; postman: string }
  readonly value: string
  sealed?: string
}

interface ScopeWrite {
  readonly outcome: Omit<ScopeOutcome, 'added' | 'updated'>
  /** A new environment to make first (with this id), or null. */
  readonly create: { id: string; name: string; postman: string | null } | null
  readonly rename: string | null
  readonly postman: string | null
  readonly writes: Write[]
}

export class ImportChanged extends Error {
  override name = 'ImportChanged'
}

/**
 * Imports planned environments and globals: seals every value, then writes them all in one
 * transaction. `choices[i]` answers plan `i` when `needsChoice` (a missing answer means
 * `copy`, which never touches what exists).
 * @throws VaultLocked when this device cannot seal (nothing is written), `ImportChanged` when
 * an environment to update was deleted meanwhile (nothing is written).
 */
export async function applyScopes(secret: SecretEnvironments, plans: readonly ScopePlan[], choices: Readonly<Record<number, ScopeChoice>> = {}): Promise<ScopeOutcome[]> {
  const environments = secret.environments
  const taken = new Set(environments.list().map((e) => e.name))
  const scopeWrites: ScopeWrite[] = plans.map((plan, index) => {
    const { scope, target } = plan
    const choice = needsChoice(plan) ? (choices[index] ?? 'copy') : 'update'
    if (target.kind === 'new-environment' || choice === 'copy') {
      const id = createId()
      const name = uniqueName(scope.name, taken)
      const writes = scope.variables.map((v) => ({ variableId: createId(), existing: null, fields: fieldsOf(v), value: v.value }))
      const kind = target.kind === 'new-environment' ? 'created' : 'copied'
      return { outcome: { kind: 'environment', environmentId: id, name, from: scope.name, action: kind }, create: { id, name, postman: scope.postman }, rename: null, postman: null, writes }
    }
    const environmentId = target.kind === 'environment' ? target.environmentId : null
    const set = setOf(environments, environmentId)
    const rename = target.kind === 'environment' && target.by === 'id' && target.name !== scope.name ? scope.name : null
    return {
      outcome: { kind: target.kind === 'globals' ? 'globals' : 'environment', environmentId, name: rename ?? (target.kind === 'environment' ? target.name : 'Globals'), from: scope.name, action: 'updated' },
      create: null,
      rename,
      postman: scope.postman,
      writes: matchByKey(set?.list() ?? [], scope),
    }
  })

  // Seal everything first: nothing is written unless every value could be sealed.
  for (const scopeWrite of scopeWrites) {
    const environmentId = scopeWrite.create?.id ?? scopeWrite.outcome.environmentId
    for (const write of scopeWrite.writes) write.sealed = await secret.seal(environmentId, write.variableId, write.value, write.existing?.value)
  }

  const outcomes: ScopeOutcome[] = []
  environments.doc.transact(() => {
    for (const scopeWrite of scopeWrites) {
      if (!scopeWrite.create && scopeWrite.outcome.environmentId !== null && !environments.get(scopeWrite.outcome.environmentId)) {
        throw new ImportChanged(`"${scopeWrite.outcome.name}" was deleted while importing; nothing was imported. Import again.`)
      }
    }
    for (const scopeWrite of scopeWrites) {
      const { create } = scopeWrite
      if (create) environments.add(create.name, undefined, { id: create.id, ...(create.postman === null ? {} : { postman: create.postman }) })
      const environmentId = create?.id ?? scopeWrite.outcome.environmentId
      if (scopeWrite.rename !== null && environmentId !== null) environments.rename(environmentId, scopeWrite.rename)
      if (scopeWrite.postman !== null) {
        if (environmentId === null) environments.setGlobalsPostman(scopeWrite.postman)
        else environments.setPostman(environmentId, scopeWrite.postman)
      }
      const set = setOf(environments, environmentId)!
      let added = 0
      let updated = 0
      for (const write of scopeWrite.writes) {
        const fields = { ...write.fields, value: write.sealed! }
        if (write.existing) {
          const { key: _key, ...patch } = fields
          set.update(write.variableId, patch)
          updated++
        } else {
          set.add(fields, undefined, write.variableId)
          added++
        }
      }
      outcomes.push({ ...scopeWrite.outcome, added, updated })
    }
  })
  return outcomes
}

const fieldsOf = (v: PostmanScope['variables'][number]) => ({ key: v.key, enabled: v.enabled, secret: v.secret, postman: v.postman })

function setOf(environments: Environments, environmentId: string | null): VariableSet | undefined {
  return environmentId === null ? environments.globals : environments.variables(environmentId)
}

/** The n-th variable of a key in the file updates the n-th variable of that key here; the rest are new. */
function matchByKey(existing: readonly Variable[], scope: PostmanScope): Write[] {
  const unused = [...existing]
  return scope.variables.map((v) => {
    const at = unused.findIndex((e) => e.key === v.key)
    const match = at >= 0 ? unused.splice(at, 1)[0]! : null
    return { variableId: match?.id ?? createId(), existing: match, fields: fieldsOf(v), value: v.value }
  })
}

/** What an export reads values through: `SecretEnvironments`, or the local-only workspace's plain values. */
export interface VariableSource {
  readonly environments: Environments
  readVariable(environmentId: string | null, variableId: string): Promise<VariableValue>
}

export interface ExportOptions {
  /** Secret values are left empty unless this is true (as Postman does when sharing). */
  readonly includeSecrets: boolean
  readonly now?: Date
}

export interface PostmanScopeExport {
  readonly file: PostmanScopeFile
  readonly fileName: string
  /** Keys of secret variables exported with an empty value (`includeSecrets` false). */
  readonly secretsLeftEmpty: string[]
  /** Keys of variables whose value this device cannot open (locked, damaged): exported empty. */
  readonly unreadable: string[]
}

async function exportScope(source: VariableSource, scope: PostmanScopeKind, environmentId: string | null, head: { id: string; name: string; postman?: string }, variables: readonly Variable[], options: ExportOptions): Promise<PostmanScopeExport> {
  const secretsLeftEmpty: string[] = []
  const unreadable: string[] = []
  const values = []
  for (const variable of variables) {
    let value = ''
    if (variable.secret && !options.includeSecrets) {
      if (variable.value !== '') secretsLeftEmpty.push(variable.key)
    } else {
      const opened = await source.readVariable(environmentId, variable.id)
      if (opened.state === 'value') value = opened.value
      else unreadable.push(variable.key)
    }
    values.push({ key: variable.key, value, enabled: variable.enabled, secret: variable.secret, ...(variable.postman === undefined ? {} : { postman: variable.postman }) })
  }
  const file = writePostmanScope(scope, { ...head, variables: values, exportedAt: (options.now ?? new Date()).toISOString(), exportedUsing: `Ferry/${FERRY_VERSION}` })
  return { file, fileName: postmanFileName(scope, head.name), secretsLeftEmpty, unreadable }
}

/** One environment as a Postman environment file. @throws Error when it does not exist. */
export async function exportPostmanEnvironment(source: VariableSource, environmentId: string, options: ExportOptions): Promise<PostmanScopeExport> {
  const environment = source.environments.get(environmentId)
  if (!environment) throw new Error('This environment no longer exists.')
  const head = { id: environment.id, name: environment.name, ...(environment.postman === undefined ? {} : { postman: environment.postman }) }
  return exportScope(source, 'environment', environmentId, head, environment.variables, options)
}

/** The globals as a Postman globals file. */
export async function exportPostmanGlobals(source: VariableSource, options: ExportOptions): Promise<PostmanScopeExport> {
  const postman = source.environments.globalsPostman()
  let name = 'Globals'
  try {
    const stored: unknown = postman === undefined ? null : JSON.parse(postman)
    if (typeof stored === 'object' && stored !== null && 'name' in stored && typeof stored.name === 'string') name = stored.name
  } catch {
    // Unreadable stored fields are ignored (the export writes its own).
  }
  const head = { id: uuid(), name, ...(postman === undefined ? {} : { postman }) }
  return exportScope(source, 'globals', null, head, source.environments.globals.list(), options)
}

/** A random UUID (v4) from `getRandomValues`, which works where `crypto.randomUUID` does not (plain-HTTP origins). */
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
