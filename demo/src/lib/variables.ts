/**
 * `{{name}}` substitution as in Postman (the map is built by `VariableValues.active()`, the
 * active environment over the globals); unknown names stay as written, so the user sees them.
 */
const PATTERN = /\{\{\s*([^{}\s]+)\s*\}\}/g

export function resolveVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(PATTERN, (whole, name: string) => vars.get(name) ?? whole)
}

/** Names used in `text` that no variable defines. */
export function unresolvedNames(text: string, vars: ReadonlyMap<string, string>): string[] {
  return [...new Set([...text.matchAll(PATTERN)].map((m) => m[1] ?? '').filter((n) => n && !vars.has(n)))]
}
