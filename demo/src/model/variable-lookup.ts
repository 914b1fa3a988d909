/**
 * What a `{{name}}` stands for right now, for hover hints: the value it resolves to (the open
 * request's collection variables over the globals, under the active environment, as on
 * Send), "secret" for a secret one (never shown on hover), or "not defined". The app shell
 * provides how values are read; editors ask through `lookupVariable`.
 */
import type { AppSession } from './session.ts'
import type { Workspace } from '@ferry/client'

export type VariableInfo =
  | { readonly state: 'value'; readonly value: string }
  | { readonly state: 'secret' }
  | { readonly state: 'undefined' }

type Lookup = (name: string) => Promise<VariableInfo>

let provided: Lookup | null = null

/** Sets how names are looked up (the app shell, for its session); returns the undo. */
export function provideVariableLookup(lookup: Lookup): () => void {
  provided = lookup
  return () => {
    if (provided === lookup) provided = null
  }
}

export function lookupVariable(name: string): Promise<VariableInfo> {
  return provided ? provided(name) : Promise.resolve({ state: 'undefined' })
}

/** One line for a hover: `{{name}} = value`, or why there is none. */
export function describeVariable(name: string, info: VariableInfo): string {
  switch (info.state) {
    case 'value':
      return `{{${name}}} = ${info.value === '' ? '(empty)' : info.value}`
    case 'secret':
      return `{{${name}}} is a secret value (hidden here; sent as is)`
    case 'undefined':
      return `{{${name}}} is not defined in the collection, the active environment or globals`
  }
}

/**
 * The lookup for `session`: `collectionId()` names the collection whose variables count (the
 * open request's), null for none.
 */
export function sessionLookup(session: AppSession, workspace: Workspace, collectionId: () => string | null): Lookup {
  return async (name) => {
    const id = collectionId()
    const own = new Map<string, string>()
    if (id && workspace.index.collections().some((c) => c.id === id)) {
      const collection = await workspace.collection(id)
      for (const v of collection.kept().variables) if (v.enabled && v.key) own.set(v.key, v.value)
    }
    const values = await session.variableValues()
    const shown = await values.active(false, own)
    const value = shown.get(name)
    if (value !== undefined) return { state: 'value', value }
    return (await values.active(true, own)).has(name) ? { state: 'secret' } : { state: 'undefined' }
  }
}
