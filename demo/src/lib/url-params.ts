/**
 * Keeps the URL's query string and the Params table in step: editing one rewrites the other,
 * as API clients do. `{{variables}}` are left untouched (never percent-encoded).
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
