/**
 * Keeps the URL's query string and the Params table in step: editing one rewrites the other,
 * as API clients do. `{{variables}}` are left untouched (never percent-encoded). Path
 * variables (`/:id`) are named by the URL's path, their values kept in their own table.
 */
import type { KeyValue } from '../model/types.ts'

function splitUrl(url: string): { base: string; query: string; hash: string } {
  const hashAt = url.indexOf('#')
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt)
  const hash = hashAt === -1 ? '' : url.slice(hashAt)
  const q = withoutHash.indexOf('?')
  return q === -1 ? { base: withoutHash, query: '', hash } : { base: withoutHash.slice(0, q), query: withoutHash.slice(q + 1), hash }
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}
const encode = (s: string): string => s.split(/(\{\{[^{}]*\}\})/).map((part, i) => (i % 2 ? part : encodeURIComponent(part))).join('')

/** The params the URL's query string holds (all enabled). */
export function paramsFromUrl(url: string): KeyValue[] {
  const { query } = splitUrl(url)
  if (!query) return []
  return query.split('&').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=')
    return eq === -1
      ? { key: decode(pair), value: '', enabled: true }
      : { key: decode(pair.slice(0, eq)), value: decode(pair.slice(eq + 1)), enabled: true }
  })
}

/** The URL with its query string rebuilt from the enabled params. */
export function urlWithParams(url: string, params: readonly KeyValue[]): string {
  const { base, hash } = splitUrl(url)
  const query = params
    .filter((p) => p.enabled && p.key)
    .map((p) => (p.value === '' ? encode(p.key) : `${encode(p.key)}=${encode(p.value)}`))
    .join('&')
  return `${base}${query ? `?${query}` : ''}${hash}`
}

/** Merges URL-derived params with the table: disabled rows are kept where they were. */
export function mergeParams(fromUrl: readonly KeyValue[], table: readonly KeyValue[]): KeyValue[] {
  const disabled = table.filter((p) => !p.enabled)
  return [...fromUrl, ...disabled]
}

/** The URL split around its path: `origin` (scheme and host, when it has a scheme), `path`, `rest` (query and hash). */
function pathOf(url: string): { origin: string; path: string; rest: string } {
  const [, origin = '', path = '', rest = ''] = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)?([^?#]*)(.*)$/is.exec(url) ?? []
  return { origin, path, rest }
}

/** A `:name` segment of a path (never a host's `:port`, which no `/` precedes). */
const PATH_VARIABLE = /(^|\/):([^/:?#]+)(?=\/|$)/g

/** The names of the URL's path variables (`/users/:id` → `id`), in order, once each. */
export function pathVariableNames(url: string): string[] {
  return [...new Set([...pathOf(url).path.matchAll(PATH_VARIABLE)].map((m) => m[2]!))]
}

/** The URL with each `:name` path segment that `values` has replaced by its value. */
export function fillPathVariables(url: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0) return url
  const { origin, path, rest } = pathOf(url)
  return origin + path.replace(PATH_VARIABLE, (whole, slash: string, name: string) => (values.has(name) ? slash + values.get(name) : whole)) + rest
}

/** Path-variable rows for `url`: one per name, in the URL's order, keeping the rows the table has. */
export function pathVariablesFor(url: string, table: readonly KeyValue[]): KeyValue[] {
  return pathVariableNames(url).map((key) => table.find((r) => r.key === key) ?? { key, value: '', enabled: true })
}
