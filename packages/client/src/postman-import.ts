/**
 * One Postman import into a workspace: collections, environments, globals and header presets
 * from any mix of files (`readPostmanFiles`), or from a whole data dump — one-click migration.
 *
 * `planPostmanImport` checks everything before anything is written: every collection is
 * imported into a scratch doc first (a collection the importer refuses refuses the whole
 * import, with its message), and environments or globals need this account's vault unlocked on
 * this device (values are sealed; without a vault, or on the local-only workspace, nothing is
 * imported and the error says why). It also says which environments already exist, for the
 * user to choose `update` or `copy` (see postman-environments.ts).
 *
 * `applyPostmanImport` then writes: environments and globals in one transaction (sealed), the
 * header presets in one transaction of the index, each collection into a new collection.
 * Its report names every item imported and everything not imported, with the reason.
 */
import { Collection, importPostman, type ImportIssue, type PostmanBatch, type PostmanNotImported } from '@ferry/schema'
import * as Y from 'yjs'
import { applyScopes, needsChoice, planScopes, type ScopeChoice, type ScopeOutcome, type ScopePlan } from './postman-environments.ts'
import type { SecretEnvironments } from './secret-environments.ts'
import type { Vault } from './vault.ts'
import type { Workspace } from './workspace.ts'

export type PostmanImportErrorCode =
  /** The file (or one of them) is not something Ferry imports; see the message. */
  | 'invalid_file'
  /** Environments or globals on the local-only workspace: there is no vault to seal values. */
  | 'needs_account'
  /** The account has no vault yet: set it up, then import again. */
  | 'vault_not_set_up'
  /** This device cannot seal values yet (waiting for approval, removed, not checked). */
  | 'vault_locked'
  /** A newer Ferry wrote the environments doc: this one may not write it. */
  | 'read_only'

export class PostmanImportError extends Error {
  override name = 'PostmanImportError'
  constructor(
    readonly code: PostmanImportErrorCode,
    message: string,
    /** For a collection the importer refused: every problem by item and place (the first ones), and how many there are. */
    readonly problems?: { readonly issues: readonly ImportIssue[]; readonly count: number },
  ) {
    super(message)
  }
}

export interface PostmanImportPlan {
  readonly batch: PostmanBatch
  /** Environments and globals, where each would go. */
  readonly scopes: readonly ScopePlan[]
  /** Indexes into `scopes` that need the user's `update` or `copy`. */
  readonly questions: readonly number[]
}

export interface ImportedItem {
  readonly what: 'collection' | 'environment' | 'globals' | 'header preset'
  readonly name: string
  /** What happened, in words ("new environment", "3 values updated, 1 added"…). */
  readonly detail: string
  /** The new collection's id (collections only). */
  readonly id?: string
}

export interface PostmanImportReport {
  readonly imported: ImportedItem[]
  readonly notImported: PostmanNotImported[]
}

/** What the vault's state means for an import of values, or null when it can seal. */
function vaultProblem(vault: Vault | null): PostmanImportError | null {
  if (!vault) {
    return new PostmanImportError('needs_account', 'Environments and globals need an account: their values are end-to-end encrypted by your vault, which the workspace on this device without an account does not have. Sign in (or create an account), then import again. Nothing was imported.')
  }
  const state = vault.state
  if (state.kind === 'no-vault') return new PostmanImportError('vault_not_set_up', 'Set up your vault first: environment and global values are end-to-end encrypted, and your account has no vault yet. Nothing was imported.')
  if (state.kind === 'locked') {
    const why = state.reason === 'revoked' ? 'this device was removed from your vault' : state.reason === 'pending' ? 'this device waits for approval from one of your other devices (or your recovery key)' : 'this device has not been checked with the relay yet'
    return new PostmanImportError('vault_locked', `This device cannot encrypt values: ${why}. Nothing was imported.`)
  }
  return null
}

/**
 * Checks a batch against the workspace and says what needs a choice. `secret` is the
 * account's environments through its vault (null on the local-only workspace).
 * @throws PostmanImportError when anything would keep the import from landing whole.
 */
export async function planPostmanImport(secret: SecretEnvironments | null, batch: PostmanBatch): Promise<PostmanImportPlan> {
  for (const collection of batch.collections) {
    const checked = importPostman(new Collection(new Y.Doc()), collection.json)
    if (!checked.ok) {
      const where = collection.source === 'This file' ? `"${collection.name}"` : `"${collection.name}" (${collection.source})`
      const message = checked.error.message
      const problems = checked.error.code === 'invalid_collection' ? { issues: checked.error.issues, count: checked.error.count } : undefined
      throw new PostmanImportError('invalid_file', `${where}: ${message.charAt(0).toLowerCase()}${message.slice(1)}${/[.!?]$/.test(message) ? '' : '.'} Nothing was imported.`, problems)
    }
  }
  const hasScopes = batch.environments.length + batch.globals.length > 0
  if (!hasScopes) return { batch, scopes: [], questions: [] }
  const problem = vaultProblem(secret?.vault ?? null)
  if (problem) throw problem
  const environments = secret!.environments
  if (!environments.writable()) throw new PostmanImportError('read_only', 'Your environments were written by a newer version of Ferry: update Ferry to import into them. Nothing was imported.')
  const scopes = planScopes(environments, batch)
  return { batch, scopes, questions: scopes.flatMap((plan, index) => (needsChoice(plan) ? [index] : [])) }
}

const variables = (n: number): string => `${n} variable${n === 1 ? '' : 's'}`

function scopeDetail(outcome: ScopeOutcome): string {
  const counts = [outcome.updated ? `${outcome.updated} updated` : '', outcome.added ? `${outcome.added} added` : ''].filter(Boolean).join(', ') || 'no variables'
  switch (outcome.action) {
    case 'created':
      return `new environment (${variables(outcome.added)})`
    case 'copied':
      return `new copy "${outcome.name}" (${variables(outcome.added)})`
    case 'updated':
      return outcome.kind === 'globals' ? `globals: ${counts}` : `updated "${outcome.name}": ${counts}`
  }
}

/**
 * Writes a planned import. `choices[i]` answers `plan.scopes[i]` for each index in
 * `plan.questions` (unanswered: `copy`, which leaves what exists untouched).
 * @throws VaultLocked when this device lost its key meanwhile (nothing written).
 */
export async function applyPostmanImport(workspace: Workspace, secret: SecretEnvironments | null, plan: PostmanImportPlan, choices: Readonly<Record<number, ScopeChoice>> = {}): Promise<PostmanImportReport> {
  const imported: ImportedItem[] = []
  const notImported: PostmanNotImported[] = [...plan.batch.notImported]
  if (plan.scopes.length > 0) {
    const outcomes = await applyScopes(secret!, plan.scopes, choices)
    for (const outcome of outcomes) imported.push({ what: outcome.kind, name: outcome.kind === 'globals' ? 'Globals' : outcome.from, detail: scopeDetail(outcome) })
  }
  if (plan.batch.headerPresets.length > 0) {
    const taken = new Set(workspace.index.headerPresets().map((p) => p.name))
    workspace.indexDoc.transact(() => {
      for (const preset of plan.batch.headerPresets) {
        let name = preset.name
        for (let n = 2; taken.has(name); n++) name = `${preset.name} (${n})`
        taken.add(name)
        workspace.index.addHeaderPreset(name, preset.headers)
        imported.push({ what: 'header preset', name: preset.name, detail: `${preset.headers.length} header${preset.headers.length === 1 ? '' : 's'}${name === preset.name ? '' : ` (as "${name}")`}` })
        if (preset.notKept.length > 0) notImported.push({ what: 'header preset', name: preset.name, reason: `${preset.notKept.join(', ')} not kept` })
      }
    })
  }
  for (const collection of plan.batch.collections) {
    const id = await workspace.createCollection(collection.name)
    const result = importPostman(await workspace.collection(id), collection.json)
    // Checked in the plan: a refusal here would be a bug; say it rather than hide it.
    if (!result.ok) notImported.push({ what: 'collection', name: collection.name, reason: result.error.message })
    else imported.push({ what: 'collection', name: collection.name, detail: 'new collection', id })
  }
  return { imported, notImported }
}
