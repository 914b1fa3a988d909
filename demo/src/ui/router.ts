/**
 * Hash routes (`#/signin`, `#/r/<collectionId>/<requestId>`, `#/reset?token=…`). The hash
 * keeps every route servable by the relay's single index.html and carries mailed tokens
 * without sending them to any server.
 */

export interface Route {
  /** Path segments after `#/`, decoded: `#/r/a/b` → `['r', 'a', 'b']`. */
  readonly parts: readonly string[]
  readonly query: URLSearchParams
}

export function currentRoute(hash = location.hash): Route {
  const raw = hash.replace(/^#\/?/, '')
  const [path = '', search = ''] = raw.split('?', 2)
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p)
    } catch {
      return p
    }
  })
  return { parts, query: new URLSearchParams(search) }
}

/** Builds `#/a/b?x=1` with each part encoded. */
export function href(parts: readonly string[], query?: Record<string, string>): string {
  const path = parts.map(encodeURIComponent).join('/')
  const search = query ? new URLSearchParams(query).toString() : ''
  return `#/${path}${search ? `?${search}` : ''}`
}

export function navigate(parts: readonly string[], query?: Record<string, string>, replace = false): void {
  const target = href(parts, query)
  if (location.hash === target) return
  if (replace) history.replaceState(null, '', target)
  else history.pushState(null, '', target)
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}

/**
 * Navigates as `navigate` does, unless the route changed since `from` (the hash when the work
 * began): an answer that comes after the user went elsewhere — signing in shows the workspace
 * before the sign-in call returns, and its Trash can be a click away — must not take them back.
 */
export function navigateUnlessMoved(from: string, parts: readonly string[], query?: Record<string, string>, replace = false): void {
  if (location.hash === from) navigate(parts, query, replace)
}
