/** Strips the query string from a URL before it is logged: sync URLs carry tokens there. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`
}
