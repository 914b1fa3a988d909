/**
 * Sending through the Ferry agent or the relay's send proxy: the send request goes out as JSON
 * and the answer comes back as send frames (`@ferry/protocol`), read as they arrive so a large
 * body shows while it downloads.
 */
import { SendFrameReader, type SendFailure, type SendRequest } from '@ferry/protocol'
import type { ReceivedBody, ReceivedHead } from './received.ts'

export type RemoteOutcome =
  /** The target answered (`error`: it stopped half-way, e.g. the size limit). */
  | { readonly kind: 'response'; readonly head: ReceivedHead; readonly error: string | null }
  /** The agent or relay tried and got no response (refused target, unreachable, timeout). */
  | { readonly kind: 'failed'; readonly failure: SendFailure }
  /** The agent or relay itself could not be used; `status` 0 when it did not answer at all. */
  | { readonly kind: 'unavailable'; readonly status: number; readonly message: string }

/** The sentence of an agent's or relay's JSON error answer, or one naming the status. */
export async function errorSentence(response: Response): Promise<string> {
  const text = await response.text()
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message
    if (typeof message === 'string') return message
  } catch {
    // Not JSON (a proxy's HTML page, say): the status says enough.
  }
  return `It answered ${response.status}.`
}

export async function sendRemote(
  endpoint: string,
  authorization: string,
  request: SendRequest,
  body: ReceivedBody,
  progress: (head: ReceivedHead) => void,
): Promise<RemoteOutcome> {
  let response: Response
  try {
    response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(request) })
  } catch {
    return { kind: 'unavailable', status: 0, message: `${new URL(endpoint).host} did not answer.` }
  }
  if (!response.ok || !response.body) return { kind: 'unavailable', status: response.status, message: await errorSentence(response) }
  const reader = new SendFrameReader()
  const chunks = response.body.getReader()
  let head: ReceivedHead | null = null
  try {
    for (;;) {
      const { done, value } = await chunks.read()
      if (done) break
      const frames = reader.push(value)
      if (!frames.ok) return head ? { kind: 'response', head, error: frames.error } : { kind: 'failed', failure: { code: 'bad_response', message: frames.error } }
      for (const frame of frames.value) {
        if (frame.type === 'head') head = frame.head
        else if (frame.type === 'data') body.push(frame.bytes)
        else if (frame.type === 'error') return head ? { kind: 'response', head, error: frame.failure.message } : { kind: 'failed', failure: frame.failure }
        else if (head) return { kind: 'response', head, error: null }
      }
      if (head) progress(head)
    }
  } catch {
    // The stream broke: the agent stopped, or the relay went away mid-answer.
  }
  const broke = 'The connection to the sender broke before the whole response arrived.'
  return head ? { kind: 'response', head, error: broke } : { kind: 'unavailable', status: 0, message: broke }
}
