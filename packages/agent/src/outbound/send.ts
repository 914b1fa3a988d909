/**
 * Sends a validated send request from this machine and writes the answer as send frames
 * (`@ferry/protocol` send-frames): follows redirects itself so it can report every hop,
 * carries a per-send cookie jar across them, undoes content-encoding, stops at a size limit
 * and on silence longer than the timeout. Shared by the Ferry agent and the relay's send
 * proxy; the proxy adds an address check (SSRF), the agent does not need one.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { dataFrame, endFrame, errorFrame, headFrame, type RedirectHop, type SendRequest } from '@ferry/protocol'
import { SendCookieJar } from './cookies.ts'
import { exchange, type AddressCheck } from './exchange.ts'
import { failureOf, SendFailed } from './failures.ts'

export type { AddressCheck } from './exchange.ts'

export interface OutboundOptions {
  /** Body bytes (decoded) accepted at most; past it the send ends with `too_large`. */
  readonly maxResponseBytes: number
  /** Longest timeout a request may ask for, ms. */
  readonly maxTimeoutMs: number
  /** Said after the size-limit sentence: how to raise the limit. */
  readonly raiseLimitHint: string
  readonly checkAddress?: AddressCheck
  /** Aborted when whoever asked went away: the send stops and writes nothing more. */
  readonly signal?: AbortSignal
}

/** Writes one frame; resolves when the writer can take more (backpressure). */
export type FrameSink = (frame: Uint8Array) => Promise<void>

/** Methods whose requests carry no body by convention: no Content-Length when they have none. */
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'])
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** Headers that carry credentials: not sent on to another origin by a redirect (as browsers and curl do). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization'])

function decoded(response: IncomingMessage): Readable {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase()
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null
  if (!decoder) return response
  response.on('error', (error) => decoder.destroy(error))
  return response.pipe(decoder)
}

function pairs(raw: readonly string[]): [string, string][] {
  const rows: [string, string][] = []
  for (let i = 0; i + 1 < raw.length; i += 2) rows.push([raw[i]!, raw[i + 1]!])
  return rows
}

function bodyBytes(request: SendRequest): Uint8Array | null {
  if (!request.body) return null
  return 'text' in request.body ? Buffer.from(request.body.text, 'utf8') : Buffer.from(request.body.base64, 'base64')
}

/** The headers for one hop: the user's, then what a plain client adds when they are missing, and the jar's cookies. */
function hopHeaders(url: URL, method: string, rows: readonly (readonly [string, string])[], body: Uint8Array | null, jarCookies: string | null): [string, string][] {
  const headers = rows.map(([k, v]) => [k, v] as [string, string])
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name)
  // Headers given as rows are sent as they are: Node adds no Host of its own then.
  if (!has('host')) headers.unshift(['Host', url.host])
  if (!has('user-agent')) headers.push(['User-Agent', 'Ferry'])
  if (!has('accept')) headers.push(['Accept', '*/*'])
  // Without a length Node would send a body-less POST or PUT chunked; browsers say "0".
  if (!has('content-length') && !has('transfer-encoding') && (body || !BODILESS_METHODS.has(method))) headers.push(['Content-Length', String(body?.byteLength ?? 0)])
  if (jarCookies) {
    const own = headers.findIndex(([k]) => k.toLowerCase() === 'cookie')
    if (own >= 0) headers[own] = [headers[own]![0], `${headers[own]![1]}; ${jarCookies}`]
    else headers.push(['Cookie', jarCookies])
  }
  return headers
}

export async function sendOutbound(request: SendRequest, options: OutboundOptions, write: FrameSink): Promise<void> {
  const timeoutMs = Math.min(request.timeoutMs, options.maxTimeoutMs)
  const abort = new AbortController()
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  // Silence, not total time, ends a send: a large download that keeps flowing is not cut.
  const quietFor = () => {
    clearTimeout(timer)
    timer = setTimeout(() => ((timedOut = true), abort.abort()), timeoutMs)
  }
  const gone = () => abort.abort()
  options.signal?.addEventListener('abort', gone, { once: true })
  const jar = new SendCookieJar()
  const redirects: RedirectHop[] = []
  let url = new URL(request.url)
  let method = request.method
  let headers = request.headers
  let body = bodyBytes(request)
  try {
    quietFor()
    for (;;) {
      const response = await exchange({ url, method, headers: hopHeaders(url, method, headers, body, jar.header(url)), body, checkAddress: options.checkAddress, signal: abort.signal })
      quietFor()
      const setCookies = response.headers['set-cookie'] ?? []
      jar.store(url, setCookies)
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (request.followRedirects && REDIRECT_STATUSES.has(status) && location) {
        response.resume()
        let next: URL
        try {
          next = new URL(location, url)
        } catch {
          throw new SendFailed('bad_response', `${url.host} redirected to "${location.slice(0, 200)}", which is not a URL.`)
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new SendFailed('bad_response', `${url.host} redirected to a ${next.protocol} URL, which cannot be sent.`)
        redirects.push({ url: url.href, status, location })
        if (redirects.length > request.maxRedirects) throw new SendFailed('too_many_redirects', `Stopped after ${request.maxRedirects} redirects (the last one to ${next.href}).`)
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET'
          body = null
          headers = headers.filter(([k]) => !/^content-/i.test(k))
        }
        if (next.origin !== url.origin) headers = headers.filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase()))
        url = next
        continue
      }
      await write(headFrame({ status, statusText: response.statusMessage ?? '', headers: pairs(response.rawHeaders), url: url.href, redirects, cookies: jar.list() }))
      let sizeBytes = 0
      for await (const chunk of decoded(response) as AsyncIterable<Buffer>) {
        quietFor()
        sizeBytes += chunk.byteLength
        if (sizeBytes > options.maxResponseBytes) {
          throw new SendFailed('too_large', `The response is larger than ${formatMb(options.maxResponseBytes)}, the most accepted here. ${options.raiseLimitHint}`)
        }
        await write(dataFrame(chunk))
      }
      await write(endFrame({ sizeBytes }))
      return
    }
  } catch (error) {
    if (options.signal?.aborted) return
    const failure = timedOut
      ? { code: 'timeout' as const, message: `No answer from ${url.host} for ${timeoutMs / 1000} s.` }
      : failureOf(error, url.host)
    await write(errorFrame(failure))
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', gone)
    abort.abort()
  }
}

function formatMb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`
}
