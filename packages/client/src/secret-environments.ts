/**
 * Environments and globals with their values sealed by the vault. Wraps `@ferry/schema`'s
 * `Environments`: keys, names, `enabled` and `secret` flags stay readable there (so the CRDT
 * merges per variable), while every value goes through here — read as plain text, written
 * as vault ciphertext.
 *
 * A device without the key reads values as `locked` and cannot write them; a value that fails
 * to open (tampered, moved from another variable or account) reads as `invalid` with a typed
 * error, and the rest of the doc stays usable.
 */
import type { DocName } from '@ferry/protocol'
import type { Environments, VariableFields, VariableSet } from '@ferry/schema'
import { VaultError, VaultLocked, VaultValueError } from './vault-errors.ts'
import { openValue, sealValue, valueGeneration, type VariableAddress } from './vault-values.ts'
import type { Reencryptable, Vault } from './vault.ts'

export type VariableValue =
  | { readonly state: 'value'; readonly value: string }
  /** Sealed under a key this device does not hold (not approved yet, or rotated elsewhere and not fetched yet). */
  | { readonly state: 'locked' }
  | { readonly state: 'invalid'; readonly error: VaultValueError }

/** `{{name}}` substitution result. Names without a readable value stay as written in `text`. */
export interface Resolution {
  readonly text: string
  /** Referenced names defined nowhere (enabled) in the active environment or the globals. */
  readonly missing: string[]
  /** Referenced names whose value is locked or invalid on this device. */
  readonly unreadable: string[]
}

/**
 * A variable value written on two devices at once, where one value was kept: both opened.
 * `mine` is the value this account lost (what the losing device had written), `theirs` the
 * one in the doc now.
 */
export interface ValueConflict {
  readonly id: string
  /** null: the globals. */
  readonly environmentId: string | null
  readonly variableId: string
  readonly mine: VariableValue
  readonly theirs: VariableValue
  /** The Yjs client id that wrote the lost value (a device compares its own, for "yours"). */
  readonly client: number
  /** When it was recorded (ms since the epoch, the recording device's clock). */
  readonly at: number
}

const reference = /\{\{\s*([^{}\s]+)\s*\}\}/g

export class SecretEnvironments implements Reencryptable {
  readonly #environments: Environments
  readonly #docName: DocName
  readonly #vault: Vault
  readonly #refreshAsked = new Set<number>()

  /** `docName` must be the doc `environments` lives in (`<userId>:environments`): values are bound to it. */
  constructor(environments: Environments, docName: DocName, vault: Vault) {
    this.#environments = environments
    this.#docName = docName
    this.#vault = vault
  }

  /** The schema view, for everything that is not a value (names, keys, flags, order). */
  get environments(): Environments {
    return this.#environments
  }

  /** The vault values are sealed with (its state says whether this device can seal). */
  get vault(): Vault {
    return this.#vault
  }

  /**
   * Seals `value` for a variable without storing it, so a batch (an import) can seal every
   * value first and then store them all in one transaction; the ids may be ones the caller is
   * about to create. `replacing` is the value stored there now, if any: as in `writeVariable`,
   * a value is never sealed under an older key than the one it replaces. An empty value needs
   * no key and stays empty.
   * @throws VaultLocked when this device has no (recent enough) key.
   */
  async seal(environmentId: string | null, variableId: string, value: string, replacing?: string): Promise<string> {
    if (value === '') return ''
    const current = await this.#keyNotOlderThan(replacing === undefined ? 0 : (safeGeneration(replacing) ?? 0))
    return sealValue(current.key, current.generation, { docName: this.#docName, environmentId, variableId }, value)
  }

  /** Reads one value in clear. `environmentId` null means the globals. */
  async readVariable(environmentId: string | null, variableId: string): Promise<VariableValue> {
    const variable = this.#set(environmentId).get(variableId)
    if (!variable) throw new VaultError('no_such_variable', `No variable ${variableId} here.`)
    return this.#open({ docName: this.#docName, environmentId, variableId }, variable.value)
  }

  /**
   * Seals `value` and stores it in the variable.
   * @throws VaultLocked when this device has no key (it never overwrites what it cannot read),
   * VaultError `no_such_variable`.
   */
  async writeVariable(environmentId: string | null, variableId: string, value: string): Promise<void> {
    const set = this.#set(environmentId)
    const existing = set.get(variableId)
    if (!existing) throw new VaultError('no_such_variable', `No variable ${variableId} here.`)
    const current = await this.#keyNotOlderThan(safeGeneration(existing.value) ?? 0)
    const sealed = await sealValue(current.key, current.generation, { docName: this.#docName, environmentId, variableId }, value)
    if (!set.update(variableId, { value: sealed })) throw new VaultError('no_such_variable', `Variable ${variableId} was removed meanwhile.`)
  }

  /**
   * Adds a variable with its value sealed; answers its id. An empty value needs no key.
   * @throws VaultLocked when a value is given and this device has no key.
   */
  async addVariable(environmentId: string | null, fields: Partial<VariableFields>, index?: number): Promise<string> {
    const { value = '', ...rest } = fields
    if (value !== '' && !this.#vault.current()) throw new VaultLocked()
    const id = this.#set(environmentId).add(rest, index)
    if (value !== '') await this.writeVariable(environmentId, id, value)
    return id
  }

  /** Replaces `{{name}}` in `text`: the active environment's enabled variables first, then the globals'. */
  async resolve(text: string, activeEnvironmentId: string | null): Promise<Resolution> {
    const sources: [string | null, VariableSet | undefined][] = [[activeEnvironmentId, activeEnvironmentId === null ? undefined : this.#environments.variables(activeEnvironmentId)], [null, this.#environments.globals]]
    const byName = new Map<string, VariableAddress & { stored: string }>()
    for (const [environmentId, set] of sources) {
      for (const variable of set?.list() ?? []) {
        if (variable.enabled && variable.key !== '' && !byName.has(variable.key)) {
          byName.set(variable.key, { docName: this.#docName, environmentId, variableId: variable.id, stored: variable.value })
        }
      }
    }
    const values = new Map<string, string | null>()
    for (const [, name] of text.matchAll(reference)) {
      const found = byName.get(name!)
      if (!found || values.has(name!)) continue
      const opened = await this.#open(found, found.stored)
      values.set(name!, opened.state === 'value' ? opened.value : null)
    }
    const missing = new Set<string>()
    const unreadable = new Set<string>()
    const resolved = text.replace(reference, (whole, name: string) => {
      const value = values.get(name)
      if (value === undefined) missing.add(name)
      else if (value === null) unreadable.add(name)
      return value ?? whole
    })
    return { text: resolved, missing: [...missing], unreadable: [...unreadable] }
  }

  /**
   * The open conflicts on variable values, opened. A record's `path` names the variable
   * (`['environments', environmentId, 'variables', variableId, 'value']` or `['globals',
   * variableId, 'value']`); both values are opened under that address, so one this device
   * cannot open yet reads as `locked`.
   */
  async valueConflicts(): Promise<ValueConflict[]> {
    const out: ValueConflict[] = []
    for (const conflict of this.#environments.conflicts()) {
      if (conflict.kind !== 'value' || conflict.field !== 'value' || typeof conflict.mine !== 'string' || typeof conflict.theirs !== 'string') continue
      const address = this.#addressOf(conflict.path)
      if (!address) continue
      out.push({
        id: conflict.id,
        environmentId: address.environmentId,
        variableId: address.variableId,
        mine: await this.#open(address, conflict.mine),
        theirs: await this.#open(address, conflict.theirs),
        client: conflict.client,
        at: conflict.at,
      })
    }
    return out
  }

  /** Closes a value conflict: `mine` puts the lost value back, `theirs` keeps the current one. */
  resolveValueConflict(id: string, keep: 'mine' | 'theirs'): boolean {
    return this.#environments.resolveConflict(id, keep)
  }

  /** The variable a value conflict's path names. */
  #addressOf(path: readonly (string | number)[]): VariableAddress | undefined {
    const [root, ...rest] = path
    if (root === 'globals' && rest.length === 2 && typeof rest[0] === 'string') return { docName: this.#docName, environmentId: null, variableId: rest[0] }
    const [environmentId, variables, variableId] = rest
    if (root === 'environments' && rest.length === 4 && variables === 'variables' && typeof environmentId === 'string' && typeof variableId === 'string') {
      return { docName: this.#docName, environmentId, variableId }
    }
    return undefined
  }

  /**
   * Re-seals every readable value not under the current key (after a rotation). Values it
   * cannot open are left as they are. All rewrites land in one transaction, and a value that
   * changed while it was being re-sealed is left for the next call.
   */
  async reencrypt(): Promise<number> {
    const current = this.#vault.current()
    if (!current) throw new VaultLocked()
    const scopes = this.#scopes()
    const rewrites: { set: VariableSet; id: string; before: string; after: string }[] = []
    for (const [environmentId, set] of scopes) {
      for (const variable of set.list()) {
        const address = { docName: this.#docName, environmentId, variableId: variable.id }
        const generation = safeGeneration(variable.value)
        if (generation === null || generation === current.generation) continue
        const opened = await this.#open(address, variable.value)
        if (opened.state !== 'value') continue
        rewrites.push({ set, id: variable.id, before: variable.value, after: await sealValue(current.key, current.generation, address, opened.value) })
      }
    }
    let count = 0
    this.#environments.doc.transact(() => {
      for (const rewrite of rewrites) {
        if (rewrite.set.get(rewrite.id)?.value !== rewrite.before) continue
        rewrite.set.update(rewrite.id, { value: rewrite.after })
        count++
      }
    })
    return count
  }

  /** The globals and every environment's variables, those in the trash too (a restore must not bring back a value under a retired key). */
  #scopes(): [string | null, VariableSet][] {
    const scopes: [string | null, VariableSet][] = [[null, this.#environments.globals]]
    for (const environment of [...this.#environments.list(), ...this.#environments.trashed()]) {
      const set = this.#environments.variables(environment.id)
      if (set) scopes.push([environment.id, set])
    }
    return scopes
  }

  #set(environmentId: string | null): VariableSet {
    if (environmentId === null) return this.#environments.globals
    const set = this.#environments.variables(environmentId)
    if (!set) throw new VaultError('no_such_variable', `No environment ${environmentId}.`)
    return set
  }

  async #open(address: VariableAddress, stored: string): Promise<VariableValue> {
    let generation: number | null
    try {
      generation = valueGeneration(stored)
    } catch (error) {
      if (error instanceof VaultValueError) return { state: 'invalid', error }
      throw error
    }
    if (generation === null) return { state: 'value', value: '' }
    const key = this.#vault.keyFor(generation)
    if (!key) {
      this.#askForKey(generation)
      return { state: 'locked' }
    }
    try {
      return { state: 'value', value: await openValue(key, address, stored) }
    } catch (error) {
      if (error instanceof VaultValueError) return { state: 'invalid', error }
      throw error
    }
  }

  /**
   * The vault key to seal with: never older than `storedGeneration`, the key of the value being
   * replaced (sealing under an older one would hide the value from devices approved after a
   * rotation). Fetches newer keys first when this device's are older.
   * @throws VaultLocked, with the failed fetch as its cause when there was one.
   */
  async #keyNotOlderThan(storedGeneration: number): Promise<{ readonly generation: number; readonly key: CryptoKey }> {
    let refreshError: unknown
    if (storedGeneration > (this.#vault.current()?.generation ?? 0)) await this.#vault.refresh().catch((error: unknown) => (refreshError = error))
    const current = this.#vault.current()
    if (current && current.generation >= storedGeneration) return current
    throw refreshError === undefined ? new VaultLocked() : new VaultLocked(undefined, { cause: refreshError })
  }

  /** A value sealed under a newer generation than this device holds: another device rotated, so fetch the new key (once). */
  #askForKey(generation: number): void {
    const current = this.#vault.current()
    if (!current || generation <= current.generation || this.#refreshAsked.has(generation)) return
    this.#refreshAsked.add(generation)
    void this.#vault.refresh().catch(() => this.#refreshAsked.delete(generation))
  }
}

function safeGeneration(stored: string): number | null {
  try {
    return valueGeneration(stored)
  } catch {
    return null
  }
}
