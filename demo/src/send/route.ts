/**
 * Which way a request goes: from the page (direct) first; when the browser may not call the API
 * (CORS, or plain HTTP from an HTTPS page), through the paired Ferry agent on this machine,
 * then through the relay's send proxy when the relay offers one. An origin that needed a way
 * round is sent that way straight away for the rest of the page's life.
 */
import type { SendBody, SendRequest } from '@ferry/protocol'
import type { SentVia } from '@ferry/schema'
import { sendDirect } from './direct.ts'
import type { ReceivedBody, ReceivedHead } from './received.ts'
import { sendRemote, type RemoteOutcome } from './remote.ts'
import { sendSettings, type SendSettings } from './send-settings.ts'

/** The ways, as history records them. */
export type SendVia = SentVia

/** The relay's send proxy, for a signed-in account. */
export interface RelaySender {
  readonly url: string
  accessToken(): Promise<string>
}

export type Routed =
  | { readonly via: SendVia; readonly head: ReceivedHead; readonly error: string | null }
  | { readonly via: SendVia | null; readonly head: null; readonly error: string }

/** Redirects a send follows at most. */
const MAX_REDIRECTS = 20
/** Origins the browser could not call directly, this page load. */
const routedOrigins = new Set<string>()
/** The relay answered that it has no send proxy (it says so with a 404), this page load. */
let relayWithoutProxy = false

/**
 * The CORS failure and its fix. The relay's send proxy serves signed-in accounts only, so
 * without one (the local-only workspace) the Ferry agent is the fix there is.
 */
export function corsSentence(signedIn: boolean): string {
  const agent = 'This API does not allow browsers to call it (CORS). Start the Ferry agent (`npx ferry-agent`) and pair it in Send settings'
  return signedIn ? `${agent}, or ask your relay operator to enable the send proxy.` : `${agent}.`
}

function base64(bytes: Uint8Array): string {
  let text = ''
  for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  return btoa(text)
}

/** The built fetch arguments as a send request for the agent or the relay. */
export async function toSendRequest(url: string, init: RequestInit, settings: SendSettings): Promise<SendRequest> {
  const headers = [...(init.headers as Headers).entries()]
  const has = (name: string) => headers.some(([k]) => k === name)
  let body: SendBody | null = null
  if (typeof init.body === 'string') body = { text: init.body }
  else if (init.body instanceof URLSearchParams) {
    body = { text: init.body.toString() }
    if (!has('content-type')) headers.push(['content-type', 'application/x-www-form-urlencoded;charset=UTF-8'])
  } else if (init.body instanceof FormData) {
    // The browser's own multipart encoding, boundary included.
    const encoded = new Response(init.body)
    body = { base64: base64(new Uint8Array(await encoded.arrayBuffer())) }
    if (!has('content-type')) headers.push(['content-type', encoded.headers.get('content-type') ?? 'multipart/form-data'])
  }
  return { method: init.method ?? 'GET', url, headers, body, timeoutMs: settings.timeoutMs, followRedirects: settings.followRedirects, maxRedirects: MAX_REDIRECTS }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type'])
const SIMPLE_CONTENT_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\s*(;|$)/i

/**
 * Whether sending again after a CORS refusal repeats nothing: the method is safe, or the
 * browser had to ask first (a preflight) and so never sent the request. A POST with only
 * CORS-safelisted headers goes out without asking — the server got it even though the page may
 * not read the answer — so it is not tried directly when the agent or relay can send it.
 */
export function retrySafe(method: string, headers: Headers): boolean {
  if (SAFE_METHODS.has(method) || method !== 'POST') return true
  for (const [name, value] of headers) {
    if (!SAFELISTED_HEADERS.has(name)) return true
    if (name === 'content-type' && !SIMPLE_CONTENT_TYPE.test(value)) return true
  }
  return false
}

const failed = (via: SendVia | null, error: string): Routed => ({ via, head: null, error })

function settled(via: SendVia, outcome: Exclude<RemoteOutcome, { kind: 'unavailable' }>): Routed {
  return outcome.kind === 'response' ? { via, head: outcome.head, error: outcome.error } : failed(via, outcome.failure.message)
}

/**
 * Sends `url`/`init` (built by `buildFetch`) the first way that works. `where` names the target
 * as typed (never a variable's value) in the page's own sentences.
 */
export async function routeSend(url: string, init: RequestInit, where: string, relay: RelaySender | null, body: ReceivedBody, progress: (via: SendVia, head: ReceivedHead) => void): Promise<Routed> {
  const settings = sendSettings()
  const origin = new URL(url).origin
  const relayUsable = settings.useRelay && relay !== null && !relayWithoutProxy
  const routeAvailable = settings.agent !== null || relayUsable
  let blocked: 'cors' | 'unreachable' | 'mixed-content' = 'cors'
  // With a way round, the page is skipped when it cannot show a redirect it does not follow, or
  // when a CORS refusal would come after the request already reached the server.
  const direct = !routedOrigins.has(origin) && (settings.followRedirects || !routeAvailable) && (retrySafe(init.method ?? 'GET', init.headers as Headers) || !routeAvailable)
  if (direct) {
    const outcome = await sendDirect(url, init, { timeoutMs: settings.timeoutMs, followRedirects: settings.followRedirects, body, progress: (head) => progress('direct', head) })
    if (outcome.kind === 'response') return { via: 'direct', head: outcome.head, error: outcome.error }
    if (outcome.kind === 'timeout') return failed('direct', `No response from ${where} within ${settings.timeoutMs / 1000} s.`)
    blocked = outcome.why
  }
  const request = await toSendRequest(url, init, settings)
  let agentProblem = ''
  if (settings.agent) {
    const outcome = await sendRemote(`${settings.agent.url}/v1/send`, `Bearer ${settings.agent.token}`, request, body, (head) => progress('agent', head))
    if (outcome.kind !== 'unavailable') {
      routedOrigins.add(origin)
      return settled('agent', outcome)
    }
    agentProblem = outcome.status === 0
      ? ' The paired Ferry agent is not running: start it with `npx ferry-agent`.'
      : ` The Ferry agent refused: ${outcome.message}`
  }
  let relayProblem = ''
  if (relayUsable && relay) {
    // No token (offline, session ended): the relay is as unavailable as when it refuses.
    const token = await relay.accessToken().then((t) => ({ t }), (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }))
    const outcome: RemoteOutcome = 'error' in token
      ? { kind: 'unavailable', status: 0, message: token.error }
      : await sendRemote(`${relay.url}/v1/send`, `Bearer ${token.t}`, request, body, (head) => progress('relay', head))
    if (outcome.kind !== 'unavailable') {
      routedOrigins.add(origin)
      return settled('relay', outcome)
    }
    if (outcome.status === 404) relayWithoutProxy = true
    else relayProblem = ` The relay's send proxy could not be used: ${outcome.message}`
  }
  // The sentence's fix names the relay's operator; when the user turned the proxy off here, that is the fix instead.
  const relayTurnedOff = !settings.useRelay && relay !== null && !relayWithoutProxy ? " The relay's send proxy is turned off in Send settings." : ''
  const problems = `${agentProblem}${relayProblem}${relayTurnedOff}`
  if (blocked === 'mixed-content') {
    return failed(null, `This page is served over HTTPS and ${where} over plain HTTP, which browsers block. Start the Ferry agent (\`npx ferry-agent\`) and pair it in Send settings, or use https://.${problems}`)
  }
  if (blocked === 'unreachable') return failed(null, `Could not reach ${where}: the server may be down, or the address is wrong.${problems}`)
  return failed(null, `${corsSentence(relay !== null)}${problems}`)
}
