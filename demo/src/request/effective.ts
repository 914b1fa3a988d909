/**
 * What a request is sent with: its auth after `inherit` is resolved up through its folders to
 * the collection, and the variables of the active environment over the globals.
 */
import type { Auth, Collection, Environments, Variable } from '../model/types.ts'
import { activeEnvironmentId } from '../model/active-environment.ts'
import { variableMap } from '../lib/variables.ts'

export function effectiveAuth(collection: Collection, requestId: string): Auth {
  // Bounded walk: the schema already repairs cycles, the bound guards against surprises.
  let node = collection.get(requestId)
  for (let depth = 0; node && depth < 64; depth++) {
    if (node.auth.type !== 'inherit') return node.auth
    node = node.parentId === null ? undefined : collection.get(node.parentId)
  }
  return collection.auth()
}

/**
 * Key → value for `{{name}}` substitution. `withSecrets: false` leaves secret variables out
 * (they stay written as `{{name}}`): what is recorded in history, which is not encrypted.
 */
export function activeVariables(owner: string, environments: Environments, withSecrets = true): Map<string, string> {
  const activeId = activeEnvironmentId(owner, environments)
  const env = activeId ? environments.get(activeId) : undefined
  const keep = (list: readonly Variable[]) => (withSecrets ? list : list.filter((v) => !v.secret))
  return variableMap(keep(environments.globals.list()), keep(env?.variables ?? []))
}
