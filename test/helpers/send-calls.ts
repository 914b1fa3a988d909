/**
 * Calls to the agent and the relay's send proxy from Node, with any Host and Origin (a
 * browser would not let a test forge them), and the framed answer read back whole.
 */
import { request } from 'node:http'
import { SendFrameReader, type SendFailure, type SendRequest, type SendResponseEnd, type SendResponseHead } from '@ferry/protocol'

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body))
    const outgoing = request(url, { method: options.method ?? (payload ? 'POST' : 'GET'), headers: { ...(payload && { 'content-type': 'application/json' }), ...options.headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

export interface SendAnswer {
  head: SendResponseHead | null
  body: Buffer
  end: SendResponseEnd | null
  failure: SendFailure | null
}

/** Reads a whole frame stream; throws when it is not one. */
export function readAnswer(bytes: Buffer): SendAnswer {
  const result = new SendFrameReader().push(bytes)
  if (!result.ok) throw new Error(result.error)
  const answer: SendAnswer = { head: null, body: Buffer.alloc(0), end: null, failure: null }
  for (const frame of result.value) {
    if (frame.type === 'head') answer.head = frame.head
    else if (frame.type === 'data') answer.body = Buffer.concat([answer.body, frame.bytes])
    else if (frame.type === 'end') answer.end = frame.end
    else answer.failure = frame.failure
  }
  return answer
}

export const sendRequest = (url: string, change: Partial<SendRequest> = {}): SendRequest => ({
  method: 'GET', url, headers: [], body: null, timeoutMs: 5000, followRedirects: true, maxRedirects: 10, ...change,
})

/** The echo server's JSON answer. */
export const echoed = (answer: SendAnswer) => JSON.parse(answer.body.toString()) as { method: string; path: string; headers: Record<string, string>; body: string }
