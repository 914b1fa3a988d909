/** Strips the query string from a URL before it is logged: sync URLs carry tokens there. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`
}

/**
 * What a log line says about a request's URL: the matched route's pattern
 * (`/v1/links/resolve/:token`), never the raw path or query, since tokens travel in both.
 */
export function loggedRoute(request: { routeOptions?: { url?: string } }): string {
  return request.routeOptions?.url ?? '(no route)'
}
