/**
 * Where variable values are read and written. For an account they go through the vault
 * (`SecretEnvironments`): sealed on write, opened on read, never stored in clear. The
 * local-only workspace has no relay and no vault, so its values stay as typed on this device.
 */
import { SecretEnvironments, type Reencryptable, type ValueConflict, type Vault, type VariableValue, type Workspace } from '@ferry/client'
import type { Environments, Variable } from './types.ts'
import { activeEnvironmentId } from './active-environment.ts'

/** What the editors show about values: `plain` (no account), or the vault's state. */
export type ValuesState = 'plain' | 'no-vault' | 'locked' | 'unlocked'

export interface VariableValues {
  readonly environments: Environments
  state(): ValuesState
  /** `scope` null = the globals. */
  read(scope: string | null, variableId: string): Promise<VariableValue>
  write(scope: string | null, variableId: string, value: string): Promise<void>
  /**
   * Key → value of the active environment over `collection` (a collection's variables) over
   * the globals, as Postman layers them; `withSecrets: false` leaves secret ones out.
   */
  active(withSecrets?: boolean, collection?: ReadonlyMap<string, string>): Promise<Map<string, string>>
  onChange(listener: () => void): () => void
  /** Values written on two devices at once where this account lost one, opened. */
  conflicts(): Promise<ValueConflict[]>
  resolveConflict(id: string, keep: 'mine' | 'theirs'): void
  /** What a vault key rotation re-encrypts (nothing without a vault). */
  reencryptable(): Reencryptable[]
}

function scopeSet(environments: Environments, scope: string | null) {
  return scope === null ? environments.globals : environments.variables(scope)
}

async function activeMap(environments: Environments, owner: string, read: (scope: string | null, v: Variable) => Promise<string | null>, withSecrets: boolean, collection?: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const activeId = activeEnvironmentId(owner, environments)
  const map = new Map<string, string>()
  // Globals first, then the collection's variables, then the active environment: later writes win.
  const scopes: [string | null, Variable[]][] = [[null, environments.globals.list()], ...(activeId ? [[activeId, environments.get(activeId)?.variables ?? []] as [string, Variable[]]] : [])]
  for (const [scope, variables] of scopes) {
    for (const v of variables) {
      if (!v.enabled || !v.key || (v.secret && !withSecrets)) continue
      const value = await read(scope, v)
      if (value !== null) map.set(v.key, value)
    }
    if (scope === null) for (const [key, value] of collection ?? []) map.set(key, value)
  }
  return map
}

export function plainValues(workspace: Workspace, environments: Environments): VariableValues {
  return {
    environments,
    state: () => 'plain',
    read: async (scope, id) => ({ state: 'value', value: scopeSet(environments, scope)?.get(id)?.value ?? '' }),
    write: async (scope, id, value) => void scopeSet(environments, scope)?.update(id, { value }),
    active: (withSecrets = true, collection) => activeMap(environments, workspace.owner, async (_scope, v) => v.value, withSecrets, collection),
    onChange: () => () => undefined,
    // One device, no sync: values never meet a concurrent write.
    conflicts: async () => [],
    resolveConflict: () => undefined,
    reencryptable: () => [],
  }
}

export function vaultValues(workspace: Workspace, environments: Environments, vault: Vault): VariableValues {
  const secret = new SecretEnvironments(environments, workspace.docName('environments'), vault)
  return {
    environments,
    state: () => (vault.state.kind === 'unlocked' ? 'unlocked' : vault.state.kind),
    read: (scope, id) => secret.readVariable(scope, id),
    write: (scope, id, value) => secret.writeVariable(scope, id, value),
    active: (withSecrets = true, collection) => activeMap(environments, workspace.owner, async (scope, v) => {
      const opened = await secret.readVariable(scope, v.id)
      return opened.state === 'value' ? opened.value : null
    }, withSecrets, collection),
    onChange: (listener) => vault.onChange(listener),
    conflicts: () => secret.valueConflicts(),
    resolveConflict: (id, keep) => void secret.resolveValueConflict(id, keep),
    reencryptable: () => [secret],
  }
}
