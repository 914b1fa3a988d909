/**
 * Sends a request the way the editor describes it, with `{{variables}}` resolved, and
 * measures it. Runs in the page, so the target must allow the page's origin (CORS); a
 * network or CORS failure comes back as a result with `status: 0` and an explanation.
 */
import type { Auth, KeyValue, RawLanguage, RequestData } from '../model/types.ts'
import { resolveVariables } from './variables.ts'
import { fillPathVariables } from './url-params.ts'

/** Bodies larger than this are cut for display (the size figure stays exact). */
const MAX_SHOWN_BODY_CHARS = 2 * 1024 * 1024
const TIMEOUT_MS = 30_000

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

/** Applies the effective auth (`inherit` already resolved by the caller) to headers or URL. */
function applyAuth(auth: Auth, vars: ReadonlyMap<string, string>, headers: Headers, url: URL): void {
  const v = (s: string) => resolveVariables(s, vars)
  if (auth.type === 'bearer' && auth.token && !headers.has('authorization')) {
    headers.set('authorization', `Bearer ${v(auth.token)}`)
  } else if (auth.type === 'basic' && (auth.username || auth.password) && !headers.has('authorization')) {
    const pair = new TextEncoder().encode(`${v(auth.username)}:${v(auth.password)}`)
    headers.set('authorization', `Basic ${btoa(String.fromCharCode(...pair))}`)
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

/**
 * The fetch arguments for a request, or an explanation when its URL is unusable. `auth` is the
 * effective auth (the request's, or the folder's/collection's when it inherits).
 */
export function buildFetch(
  fields: RequestData,
  vars: ReadonlyMap<string, string>,
  auth: Auth = fields.auth,
): { url: string; init: RequestInit } | { error: string } {
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
  const headers = new Headers()
  try {
    for (const [key, value] of enabled(fields.headers, vars)) headers.append(key, value)
    applyAuth(auth, vars, headers, url)
  } catch {
    return { error: 'A header name or value contains characters that cannot be sent.' }
  }
  const method = fields.method.toUpperCase()
  const init: RequestInit = { method, headers, redirect: 'follow' }
  if (method !== 'GET' && method !== 'HEAD') {
    const body = fields.body
    if (body.mode === 'raw') {
      init.body = resolveVariables(body.raw, vars)
      if (!headers.has('content-type')) headers.set('content-type', CONTENT_TYPES[body.language])
    } else if (body.mode === 'urlencoded') {
      init.body = new URLSearchParams(enabled(body.fields, vars).map(([k, v]) => [k, v]))
    } else if (body.mode === 'formdata') {
      const form = new FormData()
      for (const [k, v] of enabled(body.fields, vars)) form.append(k, v)
      init.body = form
    }
  }
  return { url: url.href, init }
}

/** The headers and body of built fetch arguments, as text (for history). */
export function describeSent(init: RequestInit): Pick<SendResult, 'sentHeaders' | 'sentBody'> {
  const sentHeaders = [...(init.headers as Headers).entries()].map(([key, value]) => ({ key, value }))
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

export async function sendRequest(
  fields: RequestData,
  vars: ReadonlyMap<string, string>,
  auth: Auth = fields.auth,
): Promise<SendResult> {
  const started = performance.now()
  const built = buildFetch(fields, vars, auth)
  const url = 'url' in built ? built.url : resolveVariables(fields.url, vars)
  const sent = 'init' in built ? describeSent(built.init) : { sentHeaders: [], sentBody: '' }
  const failed = (error: string): SendResult => ({
    status: 0, statusText: '', durationMs: performance.now() - started, sizeBytes: 0,
    headers: [], body: '', contentType: null, error, url, ...sent,
  })
  if ('error' in built) return failed(built.error)
  const { init } = built
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
    const bytes = new Uint8Array(await response.arrayBuffer())
    const durationMs = performance.now() - started
    const text = new TextDecoder().decode(bytes.subarray(0, MAX_SHOWN_BODY_CHARS))
    return {
      status: response.status,
      statusText: response.statusText,
      durationMs,
      sizeBytes: bytes.byteLength,
      headers: [...response.headers.entries()],
      body: text,
      contentType: response.headers.get('content-type'),
      error: null,
      url,
      ...sent,
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return failed(`No response within ${TIMEOUT_MS / 1000} s.`)
    }
    return failed(
      `Could not get a response from ${typedHost(fields.url)}. The server may be down or unreachable, ` +
        'or it does not allow requests from this page (CORS).',
    )
  }
}
