/**
 * "Send this request": what the demo asks the Ferry agent (on the user's machine) or the
 * relay's send proxy to send for it, as JSON. Both validate it with `parseSendRequest` at
 * their edge; every refusal is a sentence for people.
 */
import { err, ok, type Result } from './result.ts'

/** Request body: UTF-8 text, or bytes as base64 (files, multipart forms). */
export type SendBody = { readonly text: string } | { readonly base64: string }

export interface SendRequest {
  /** An HTTP method token (GET, POST, PROPFIND…). */
  readonly method: string
  /** Absolute http:// or https:// URL, variables already resolved. */
  readonly url: string
  /** Header rows in order; a name may repeat. */
  readonly headers: readonly (readonly [string, string])[]
  readonly body: SendBody | null
  /** No byte from the target for this long ends the send (waiting for the head, and between body chunks). */
  readonly timeoutMs: number
  /** Follow 3xx responses (the chain is reported either way). */
  readonly followRedirects: boolean
  /** Hops followed at most before giving up. */
  readonly maxRedirects: number
}

export const SEND_LIMITS = {
  maxUrlChars: 64 * 1024,
  maxHeaders: 500,
  /** Header names and values, characters each. */
  maxHeaderChars: 64 * 1024,
  maxTimeoutMs: 10 * 60_000,
  maxRedirects: 50,
  /** Body as carried in the JSON (base64 counts as written): the send request's own size bound. */
  maxBodyChars: 64 * 1024 * 1024,
} as const

/** The JSON of a send request is at most this many bytes (the body dominates). */
export const MAX_SEND_REQUEST_BYTES = SEND_LIMITS.maxBodyChars + 2 * 1024 * 1024

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Header values may hold visible ASCII, spaces, tabs and bytes past 0x7f, never CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function parseHeaders(value: unknown): Result<[string, string][], string> {
  if (!Array.isArray(value)) return err('headers must be a list of [name, value] pairs.')
  if (value.length > SEND_LIMITS.maxHeaders) return err(`A request may carry at most ${SEND_LIMITS.maxHeaders} headers.`)
  const rows: [string, string][] = []
  for (const row of value) {
    if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== 'string' || typeof row[1] !== 'string') {
      return err('headers must be a list of [name, value] pairs of strings.')
    }
    const [name, text] = row as [string, string]
    if (!HEADER_NAME.test(name) || name.length > SEND_LIMITS.maxHeaderChars) return err(`"${name.slice(0, 60)}" is not a header name that can be sent.`)
    if (!HEADER_VALUE.test(text) || text.length > SEND_LIMITS.maxHeaderChars) return err(`The value of the header "${name}" contains characters that cannot be sent.`)
    rows.push([name, text])
  }
  return ok(rows)
}

function parseBody(value: unknown): Result<SendBody | null, string> {
  if (value === null || value === undefined) return ok(null)
  if (isRecord(value) && typeof value.text === 'string' && Object.keys(value).length === 1) {
    return value.text.length > SEND_LIMITS.maxBodyChars ? err('The request body is too large to send.') : ok({ text: value.text })
  }
  if (isRecord(value) && typeof value.base64 === 'string' && Object.keys(value).length === 1) {
    if (value.base64.length > SEND_LIMITS.maxBodyChars) return err('The request body is too large to send.')
    return BASE64.test(value.base64) ? ok({ base64: value.base64 }) : err('The request body is not valid base64.')
  }
  return err('body must be null, { "text": … } or { "base64": … }.')
}

function integer(value: unknown, name: string, min: number, max: number): Result<number, string> {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? ok(value)
    : err(`${name} must be a whole number from ${min} to ${max}.`)
}

/** Validates untrusted JSON as a send request; the error is a sentence naming what is wrong. */
export function parseSendRequest(value: unknown): Result<SendRequest, string> {
  if (!isRecord(value)) return err('The send request must be a JSON object.')
  const { method, url, followRedirects } = value
  if (typeof method !== 'string' || !METHOD.test(method)) return err('method must be an HTTP method such as GET or POST.')
  if (typeof url !== 'string' || url.length > SEND_LIMITS.maxUrlChars) return err('url must be a URL of at most 64 KiB.')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return err('url is not a valid absolute URL.')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return err('Only http:// and https:// URLs can be sent.')
  if (parsed.username || parsed.password) return err('Put credentials in an Authorization header, not in the URL.')
  const headers = parseHeaders(value.headers)
  if (!headers.ok) return headers
  const body = parseBody(value.body)
  if (!body.ok) return body
  const timeoutMs = integer(value.timeoutMs, 'timeoutMs', 1, SEND_LIMITS.maxTimeoutMs)
  if (!timeoutMs.ok) return timeoutMs
  const maxRedirects = integer(value.maxRedirects, 'maxRedirects', 0, SEND_LIMITS.maxRedirects)
  if (!maxRedirects.ok) return maxRedirects
  if (typeof followRedirects !== 'boolean') return err('followRedirects must be true or false.')
  return ok({
    method: method.toUpperCase(),
    url: parsed.href,
    headers: headers.value,
    body: body.value,
    timeoutMs: timeoutMs.value,
    followRedirects,
    maxRedirects: maxRedirects.value,
  })
}
