/**
 * The conflict records of one environment or the globals, as notices for its editor: variable
 * values (opened by the vault, secret ones masked), enabled and secret flags, the order of
 * variables and of the environment itself, whether it is in the trash, and v1 names a v1 client
 * overwrote. A record's
 * `path` names the variable as the app does: `['environments', environmentId, 'variables',
 * variableId, field]`, `['globals', variableId, field]`, `['environments', environmentId, field]`.
 */
import type { Conflict, Variable, VariableSet } from './types.ts'
import type { VariableValue } from '@ferry/client'
import type { ConflictNotice } from '../ui/conflict-notices.ts'
import type { VariableValues } from './variable-values.ts'
import { lostHere } from './conflict-owners.ts'
import { placeOf } from './places.ts'

/** What a conflicting value reads as here: secret values stay masked. */
function shownValue(value: VariableValue, secret: boolean): string {
  if (value.state === 'locked') return '(locked on this device)'
  if (value.state === 'invalid') return '(unreadable)'
  if (secret) return '•••••• (secret)'
  return value.value === '' ? '(empty)' : value.value
}

const flag = (value: unknown, on: string, off: string): string => (value === true ? on : value === false ? off : String(value))
/** A trash mark as words: set (trashed) or null (restored). */
export const inTrash = (value: unknown): string => (value === null || value === undefined ? 'restored' : 'in the trash')
const text = (value: unknown): string => (typeof value === 'string' ? (value === '' ? '(empty)' : value) : String(value))

/** Where in this scope a record is: a variable's field, or the environment's own field. */
function placeIn(c: Conflict, environmentId: string | null): { variableId: string } | { own: true } | undefined {
  const [root, ...rest] = c.path
  if (environmentId === null) return root === 'globals' && rest.length === 2 && typeof rest[0] === 'string' ? { variableId: rest[0] } : undefined
  if (root !== 'environments' || rest[0] !== environmentId) return undefined
  if (rest.length === 2) return { own: true }
  return rest.length === 4 && rest[1] === 'variables' && typeof rest[2] === 'string' ? { variableId: rest[2] } : undefined
}

function variableNotice(c: Conflict, set: VariableSet, variable: Variable): Omit<ConflictNotice, 'id' | 'lostHere'> | undefined {
  const name = variable.key || 'a variable'
  switch (c.field) {
    case 'enabled': return { what: `Enabled flag of ${name}`, mine: flag(c.mine, 'on', 'off'), theirs: flag(c.theirs, 'on', 'off') }
    case 'secret': return { what: `Secret mark of ${name}`, mine: flag(c.mine, 'secret', 'not secret'), theirs: flag(c.theirs, 'secret', 'not secret') }
    case 'order': return { what: `Place of ${name}`, mine: placeOf(set.list(), variable.id, c.mine), theirs: placeOf(set.list(), variable.id, c.theirs) }
    case 'key': return { what: `Name of ${name}`, mine: text(c.mine), theirs: text(c.theirs) }
    default: return undefined
  }
}

/** The open conflicts of `environmentId` (null: the globals), values opened. */
export async function environmentConflicts(values: VariableValues, environmentId: string | null): Promise<ConflictNotice[]> {
  const environments = values.environments
  const set = environmentId === null ? environments.globals : environments.variables(environmentId)
  if (!set) return []
  const doc = environments.doc
  const notices: (ConflictNotice & { at: number })[] = []
  for (const c of await values.conflicts()) {
    const variable = c.environmentId === environmentId ? set.get(c.variableId) : undefined
    if (variable) notices.push({ id: c.id, at: c.at, what: `Value of ${variable.key || 'a variable'}`, mine: shownValue(c.mine, variable.secret), theirs: shownValue(c.theirs, variable.secret), lostHere: lostHere(c, doc) })
  }
  for (const c of environments.conflicts()) {
    // Values are listed above, opened (or not at all where values are not sealed).
    if (c.field === 'value' && c.kind === 'value') continue
    const place = placeIn(c, environmentId)
    if (!place) continue
    let said: Omit<ConflictNotice, 'id' | 'lostHere'> | undefined
    if ('own' in place) {
      if (c.field === 'order' && environmentId !== null) said = { what: 'Place of this environment', mine: placeOf(environments.list(), environmentId, c.mine), theirs: placeOf(environments.list(), environmentId, c.theirs) }
      else if (c.field === 'name') said = { what: 'Name of this environment', mine: text(c.mine), theirs: text(c.theirs) }
      else if (c.field === 'trashed') said = { what: 'This environment in the trash', mine: inTrash(c.mine), theirs: inTrash(c.theirs) }
    } else {
      const variable = set.get(place.variableId)
      said = variable && variableNotice(c, set, variable)
    }
    if (said) notices.push({ id: c.id, at: c.at, ...said, lostHere: lostHere(c, doc) })
  }
  return notices.sort((a, b) => a.at - b.at).map(({ at: _, ...notice }) => notice)
}
