/**
 * `{{name}}` substitution as in Postman: an enabled variable of the active environment wins
 * over a global of the same key; unknown names stay as written (so the user sees them).
 */
import type { Variable } from '../model/types.ts'

const PATTERN = /\{\{\s*([^{}\s]+)\s*\}\}/g

/** Key → value for the active scope stack (later scopes override earlier ones). */
export function variableMap(...scopes: readonly (readonly Variable[])[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const scope of scopes) {
    for (const v of scope) if (v.enabled && v.key) map.set(v.key, v.value)
  }
  return map
}

export function resolveVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(PATTERN, (whole, name: string) => vars.get(name) ?? whole)
}

/** Names used in `text` that no variable defines. */
export function unresolvedNames(text: string, vars: ReadonlyMap<string, string>): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? '').filter((n) => n && !vars.has(n)))]
}
