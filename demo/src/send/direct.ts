/**
 * Sending from the page itself: the browser's fetch, so only APIs that allow this page (CORS)
 * answer. When fetch fails, a second request in `no-cors` mode tells the two causes apart: it
 * reaches a server that merely forbids reading its answer (CORS), and fails like the first
 * when the server cannot be reached at all.
 */
import { ReceivedBody, type ReceivedHead } from './received.ts'

export type DirectOutcome =
  | { readonly kind: 'response'; readonly head: ReceivedHead; readonly error: string | null }
  | { readonly kind: 'blocked'; readonly why: 'cors' | 'unreachable' | 'mixed-content' }
  | { readonly kind: 'timeout' }

export interface DirectOptions {
  readonly timeoutMs: number
  readonly followRedirects: boolean
  readonly body: ReceivedBody
  /** Called with the head at once and again as body bytes arrive. */
  readonly progress: (head: ReceivedHead) => void
}

async function blockedWhy(url: string): Promise<'cors' | 'unreachable' | 'mixed-content'> {
  if (globalThis.location?.protocol === 'https:' && url.startsWith('http:') && !/^http:\/\/(127\.|localhost|\[::1\])/.test(url)) return 'mixed-content'
  try {
    await fetch(url, { method: 'HEAD', mode: 'no-cors', credentials: 'omit', signal: AbortSignal.timeout(5000) })
    return 'cors'
  } catch {
    return 'unreachable'
  }
}

export async function sendDirect(url: string, init: RequestInit, options: DirectOptions): Promise<DirectOutcome> {
  const abort = new AbortController()
  let timer = setTimeout(() => abort.abort(), options.timeoutMs)
  let response: Response
  try {
    response = await fetch(url, { ...init, redirect: options.followRedirects ? 'follow' : 'manual', signal: abort.signal })
  } catch {
    clearTimeout(timer)
    return abort.signal.aborted ? { kind: 'timeout' } : { kind: 'blocked', why: await blockedWhy(url) }
  }
  // The browser follows redirects without showing the hops; it only says where it ended.
  const head: ReceivedHead = {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers.entries()],
    url: response.url || url,
    redirects: response.redirected ? [{ url, status: 0, location: response.url }] : [],
    cookies: [],
  }
  if (response.type === 'opaqueredirect') {
    clearTimeout(timer)
    return { kind: 'response', head: { ...head, status: 0 }, error: 'The server redirected, and browsers do not show where to. Pair the Ferry agent (Settings) to see redirects without following them.' }
  }
  options.progress(head)
  try {
    const reader = response.body?.getReader()
    for (;;) {
      if (!reader) break
      const { done, value } = await reader.read()
      if (done) break
      clearTimeout(timer)
      timer = setTimeout(() => abort.abort(), options.timeoutMs)
      options.body.push(value)
      options.progress(head)
    }
    return { kind: 'response', head, error: null }
  } catch {
    return { kind: 'response', head, error: abort.signal.aborted ? `The response stopped arriving for ${options.timeoutMs / 1000} s.` : 'The connection broke while the response arrived.' }
  } finally {
    clearTimeout(timer)
  }
}
