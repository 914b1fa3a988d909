/**
 * Sends a request the way the editor describes it, with `{{variables}}` resolved, and
 * measures it. From the page when the API allows it (CORS), else through the Ferry agent or
 * the relay's send proxy (send/route.ts); a failure comes back as a result with `status: 0`
 * and a sentence saying why and what to do.
 */
import type { Auth, KeyValue, RawLanguage, RequestData } from '../model/types.ts'
import { resolveVariables } from './variables.ts'
import { fillPathVariables } from './url-params.ts'
import type { RedirectHop, SentCookie } from '@ferry/protocol'
import { ReceivedBody, type ReceivedHead } from '../send/received.ts'
import { routeSend, type RelaySender, type SendVia } from '../send/route.ts'


export interface SendResult {
  /** HTTP status; 0 when no response arrived. */
  readonly status: number
  readonly statusText: string
  readonly durationMs: number
  readonly sizeBytes: number
  readonly headers: readonly [string, string][]
  readonly body: string
  readonly contentType: string | null
  /** Why no response arrived (network, CORS, invalid URL, timeout). */
  readonly error: string | null
  /** The URL actually requested, variables resolved. */
  readonly url: string
  /** The headers as they went out (variables resolved, disabled rows dropped, auth added). */
  readonly sentHeaders: readonly { key: string; value: string }[]
  /** The body as it went out, as text (form data as `key=value` lines). */
  readonly sentBody: string
  /** Which way it went: from the page, through the Ferry agent, or the relay's send proxy. */
  readonly via: SendVia | null
  /** The URL that answered, after redirects. */
  readonly finalUrl: string
  readonly redirects: readonly RedirectHop[]
  /** Cookies the target set during this send (agent and relay; the browser keeps its own). */
  readonly cookies: readonly SentCookie[]
  /** The whole body, for download; null without one or while it arrives. */
  readonly blob: Blob | null
  /** Not text: offered as a download instead of shown. */
  readonly binary: boolean
  /** Still arriving (a progress update). */
  readonly receiving: boolean
}

const enabled = (rows: readonly KeyValue[], vars: ReadonlyMap<string, string>) =>
  rows.filter((r) => r.enabled && r.key.trim()).map((r) => [resolveVariables(r.key.trim(), vars), resolveVariables(r.value, vars)] as const)

const CONTENT_TYPES: Readonly<Record<RawLanguage, string>> = {
  json: 'application/json',
  text: 'text/plain',
  xml: 'application/xml',
  html: 'text/html',
  javascript: 'application/javascript',
  graphql: 'application/graphql',
}

/**
 * The request's headers as the user typed their names, kept beside the `Headers` that fetch
 * gets: `Headers` lowercases every name, and history shows the request as it was written.
 */
class TypedHeaders {
  readonly headers = new Headers()
  readonly typed: { key: string; value: string }[] = []

  has(name: string): boolean {
    return this.headers.has(name)
  }

  append(name: string, value: string): void {
    this.headers.append(name, value)
    this.typed.push({ key: name, value })
  }

  /** Replaces every header of that name (in any case). */
  set(name: string, value: string): void {
    this.headers.set(name, value)
    const lower = name.toLowerCase()
    const kept = this.typed.filter((row) => row.key.toLowerCase() !== lower)
    this.typed.splice(0, this.typed.length, ...kept, { key: name, value })
  }
}

/** Applies the effective auth (`inherit` already resolved by the caller) to headers or URL. */
function applyAuth(auth: Auth, vars: ReadonlyMap<string, string>, headers: TypedHeaders, url: URL): void {
  const v = (s: string) => resolveVariables(s, vars)
  if (auth.type === 'bearer' && auth.token && !headers.has('authorization')) {
    headers.set('Authorization', `Bearer ${v(auth.token)}`)
  } else if (auth.type === 'basic' && (auth.username || auth.password) && !headers.has('authorization')) {
    const pair = new TextEncoder().encode(`${v(auth.username)}:${v(auth.password)}`)
    headers.set('Authorization', `Basic ${btoa(String.fromCharCode(...pair))}`)
  } else if (auth.type === 'apikey' && auth.key) {
    if (auth.in === 'header') headers.set(v(auth.key), v(auth.value))
    else url.searchParams.append(v(auth.key), v(auth.value))
  }
}

/**
 * `:name` segments of the URL's path replaced by the request's path variables (their values
 * with `{{variables}}` resolved), as Postman sends them; the host's `:port` is never one.
 */
export function withPathVariables(url: string, rows: readonly KeyValue[], vars: ReadonlyMap<string, string>): string {
  return fillPathVariables(url, new Map(rows.filter((r) => r.enabled && r.key).map((r) => [r.key, resolveVariables(r.value, vars)])))
}

/** Fetch arguments, and the headers as typed (`init.headers` has their names lowercased). */
export interface Built {
  readonly url: string
  readonly init: RequestInit
  readonly typedHeaders: readonly { key: string; value: string }[]
}

/**
 * The fetch arguments for a request, or an explanation when its URL is unusable. `auth` is the
 * effective auth (the request's, or the folder's/collection's when it inherits).
 */
export function buildFetch(
  fields: RequestData,
  vars: ReadonlyMap<string, string>,
  auth: Auth = fields.auth,
): Built | { error: string } {
  let raw = withPathVariables(resolveVariables(fields.url.trim(), vars), fields.pathVariables, vars)
  if (!raw) return { error: 'Enter a URL to send the request to.' }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) raw = `http://${raw}`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    // The URL as typed, not as resolved: a variable may hold a secret.
    return { error: `"${fields.url.trim()}" is not a valid URL (after filling in its variables).` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'Only http:// and https:// URLs can be sent.' }
  const headers = new TypedHeaders()
  try {
    for (const [key, value] of enabled(fields.headers, vars)) headers.append(key, value)
    applyAuth(auth, vars, headers, url)
  } catch {
    return { error: 'A header name or value contains characters that cannot be sent.' }
  }
  const method = fields.method.toUpperCase()
  const init: RequestInit = { method, headers: headers.headers, redirect: 'follow' }
  if (method !== 'GET' && method !== 'HEAD') {
    const body = fields.body
    if (body.mode === 'raw') {
      init.body = resolveVariables(body.raw, vars)
      if (!headers.has('content-type')) headers.set('Content-Type', CONTENT_TYPES[body.language])
    } else if (body.mode === 'urlencoded') {
      init.body = new URLSearchParams(enabled(body.fields, vars).map(([k, v]) => [k, v]))
    } else if (body.mode === 'formdata') {
      const form = new FormData()
      for (const [k, v] of enabled(body.fields, vars)) form.append(k, v)
      init.body = form
    }
  }
  return { url: url.href, init, typedHeaders: headers.typed }
}

/** The headers (names as typed) and body of a built request, as text (for history). */
export function describeSent({ init, typedHeaders }: Built): Pick<SendResult, 'sentHeaders' | 'sentBody'> {
  const sentHeaders = typedHeaders.map(({ key, value }) => ({ key, value }))
  const body = init.body
  const sentBody = body instanceof FormData
    ? [...body.entries()].map(([k, v]) => `${k}=${typeof v === 'string' ? v : v.name}`).join('\n')
    : body === undefined || body === null ? '' : String(body)
  return { sentHeaders, sentBody }
}

/**
 * Where a request goes, as the user typed it (`{{host}}` unresolved): error messages name it
 * without revealing a variable's value, which may be a vault secret.
 */
export function typedHost(typedUrl: string): string {
  const match = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]+)/i.exec(typedUrl.trim())
  return match?.[1] ?? 'the server'
}

export interface SendOptions {
  /** The relay's send proxy, when an account is signed in. */
  readonly relay?: RelaySender | null
  /** Called as the response arrives (head, then growing body), for streaming it into view. */
  readonly onProgress?: (partial: SendResult) => void
}

export async function sendRequest(
  fields: RequestData,
  vars: ReadonlyMap<string, string>,
  auth: Auth = fields.auth,
  options: SendOptions = {},
): Promise<SendResult> {
  const started = performance.now()
  const built = buildFetch(fields, vars, auth)
  const url = 'url' in built ? built.url : resolveVariables(fields.url, vars)
  const sent = 'init' in built ? describeSent(built) : { sentHeaders: [], sentBody: '' }
  const body = new ReceivedBody()
  const result = (via: SendVia | null, head: ReceivedHead | null, error: string | null, receiving = false): SendResult => {
    const contentType = head?.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? null
    return {
      status: head?.status ?? 0,
      statusText: head?.statusText ?? '',
      durationMs: performance.now() - started,
      sizeBytes: body.sizeBytes,
      headers: head ? head.headers.map(([k, v]) => [k, v] as [string, string]) : [],
      body: head ? body.text : '',
      contentType,
      error,
      url,
      ...sent,
      via,
      finalUrl: head?.url ?? url,
      redirects: head?.redirects ?? [],
      cookies: head?.cookies ?? [],
      blob: head && body.sizeBytes > 0 && !receiving ? body.blob(contentType) : null,
      binary: head ? body.binary(contentType) : false,
      receiving,
    }
  }
  if ('error' in built) return result(null, null, built.error)
  const routed = await routeSend(url, built.init, typedHost(fields.url), options.relay ?? null, body, (via, head) => options.onProgress?.(result(via, head, null, true)))
  return result(routed.via, routed.head, routed.error)
}
