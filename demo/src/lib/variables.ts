/**
 * `{{name}}` substitution as in Postman (the map is built by `VariableValues.active()`, the
 * active environment over the globals); unknown names stay as written, so the user sees them.
 */
/** A `{{name}}` reference (global: use with `replace`, `matchAll` or a fresh `lastIndex`). */
export const VARIABLE_REFERENCE = /\{\{\s*([^{}\s]+)\s*\}\}/g

export function resolveVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(VARIABLE_REFERENCE, (whole, name: string) => vars.get(name) ?? whole)
}

/** Names used in `text` that no variable defines. */
export function unresolvedNames(text: string, vars: ReadonlyMap<string, string>): string[] {
  return [...new Set([...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1] ?? '').filter((n) => n && !vars.has(n)))]
}
