/**
 * The cookie jar of one send: cookies a target sets on one hop of a redirect chain go with the
 * next hops (a login that redirects keeps its session), and the jar is reported with the
 * response, then dropped. Nothing is kept between sends, so the agent and the relay never hold
 * a user's sessions (docs/decisions.md "Sending through the agent or the relay").
 */
import type { SentCookie } from '@ferry/protocol'

interface StoredCookie extends SentCookie {
  /** Set without a Domain attribute: sent to that exact host only. */
  readonly hostOnly: boolean
  readonly secure: boolean
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`)
}

function pathMatches(path: string, cookiePath: string): boolean {
  return path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'))
}

/** The default path of RFC 6265 5.1.4: the request path up to its last slash. */
function defaultPath(url: URL): string {
  const cut = url.pathname.lastIndexOf('/')
  return cut <= 0 ? '/' : url.pathname.slice(0, cut)
}

export class SendCookieJar {
  #cookies: StoredCookie[] = []

  /** Takes the `Set-Cookie` headers a response from `url` carried. */
  store(url: URL, setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      let domain = url.hostname
      let hostOnly = true
      let path = defaultPath(url)
      let secure = false
      let expired = false
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=')
        const raw = rest.join('=').trim()
        switch (key.trim().toLowerCase()) {
          case 'domain': {
            const wanted = raw.replace(/^\./, '').toLowerCase()
            if (!wanted) break
            // A host may only set cookies for itself or a parent domain.
            if (!domainMatches(url.hostname, wanted)) expired = true
            domain = wanted
            hostOnly = false
            break
          }
          case 'path':
            if (raw.startsWith('/')) path = raw
            break
          case 'secure':
            secure = true
            break
          case 'max-age':
            if (Number(raw) <= 0) expired = true
            break
          case 'expires':
            if (Date.parse(raw) <= Date.now()) expired = true
            break
        }
      }
      this.#cookies = this.#cookies.filter((c) => !(c.name === name && c.domain === domain && c.path === path))
      if (!expired) this.#cookies.push({ name, value, domain, path, hostOnly, secure })
    }
  }

  /** The `Cookie` header value for a request to `url`, or null when no cookie applies. */
  header(url: URL): string | null {
    const host = url.hostname
    const matching = this.#cookies.filter((c) =>
      (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)) && pathMatches(url.pathname, c.path) && (!c.secure || url.protocol === 'https:'))
    return matching.length > 0 ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : null
  }

  list(): SentCookie[] {
    return this.#cookies.map(({ name, value, domain, path }) => ({ name, value, domain, path }))
  }
}
