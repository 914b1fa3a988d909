/**
 * "Here is the response": the agent and the relay's send proxy answer a send request with a
 * stream of frames, so a large body flows to the page as it arrives and a failure half-way
 * (timeout, size limit) still arrives as a sentence. Each frame is `type (1 byte) · length
 * (4 bytes, big-endian) · payload`: one `head` (status, headers, redirect chain, cookies), any
 * number of `data` frames (body bytes), then `end` or `error`. The reader validates every
 * JSON payload; nothing it returns is unchecked.
 */
import { err, ok, type Result } from './result.ts'

export const SEND_FRAMES_CONTENT_TYPE = 'application/vnd.ferry.send-frames'

export const FrameType = { Head: 1, Data: 2, End: 3, Error: 4 } as const

/** One hop of a redirect chain: the response that redirected and where it pointed. */
export interface RedirectHop {
  readonly url: string
  readonly status: number
  readonly location: string
}

/** A cookie the target set during this send (the jar lives for one send, see docs/decisions.md). */
export interface SentCookie {
  readonly name: string
  readonly value: string
  readonly domain: string
  readonly path: string
}

export interface SendResponseHead {
  readonly status: number
  readonly statusText: string
  readonly headers: readonly (readonly [string, string])[]
  /** The URL that answered (the last hop). */
  readonly url: string
  readonly redirects: readonly RedirectHop[]
  readonly cookies: readonly SentCookie[]
}

export interface SendResponseEnd {
  /** Body bytes as received (after content-encoding was undone). */
  readonly sizeBytes: number
}

export type SendFailureCode = 'invalid_request' | 'refused_target' | 'unreachable' | 'timeout' | 'too_large' | 'too_many_redirects' | 'bad_response'

export interface SendFailure {
  readonly code: SendFailureCode
  /** A sentence for people. */
  readonly message: string
}

export type SendFrame =
  | { readonly type: 'head'; readonly head: SendResponseHead }
  | { readonly type: 'data'; readonly bytes: Uint8Array }
  | { readonly type: 'end'; readonly end: SendResponseEnd }
  | { readonly type: 'error'; readonly failure: SendFailure }

/** Largest frame a reader accepts: writers split data into far smaller pieces. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024
const FAILURE_CODES: readonly SendFailureCode[] = ['invalid_request', 'refused_target', 'unreachable', 'timeout', 'too_large', 'too_many_redirects', 'bad_response']

const encoder = new TextEncoder()

export function encodeFrame(type: (typeof FrameType)[keyof typeof FrameType], payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + payload.byteLength)
  frame[0] = type
  new DataView(frame.buffer).setUint32(1, payload.byteLength)
  frame.set(payload, 5)
  return frame
}

export const headFrame = (head: SendResponseHead): Uint8Array => encodeFrame(FrameType.Head, encoder.encode(JSON.stringify(head)))
export const dataFrame = (bytes: Uint8Array): Uint8Array => encodeFrame(FrameType.Data, bytes)
export const endFrame = (end: SendResponseEnd): Uint8Array => encodeFrame(FrameType.End, encoder.encode(JSON.stringify(end)))
export const errorFrame = (failure: SendFailure): Uint8Array => encodeFrame(FrameType.Error, encoder.encode(JSON.stringify(failure)))

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isPairs = (value: unknown): value is [string, string][] =>
  Array.isArray(value) && value.every((row) => Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && typeof row[1] === 'string')
const isStatus = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 999

function parseHead(value: unknown): SendResponseHead | null {
  if (!isRecord(value) || !isStatus(value.status) || typeof value.statusText !== 'string' || typeof value.url !== 'string' || !isPairs(value.headers)) return null
  const { redirects, cookies } = value
  if (!Array.isArray(redirects) || !redirects.every((r) => isRecord(r) && typeof r.url === 'string' && isStatus(r.status) && typeof r.location === 'string')) return null
  if (!Array.isArray(cookies) || !cookies.every((c) => isRecord(c) && ['name', 'value', 'domain', 'path'].every((k) => typeof c[k] === 'string'))) return null
  return value as unknown as SendResponseHead
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return undefined
  }
}

function parseFrame(type: number, payload: Uint8Array): SendFrame | null {
  if (type === FrameType.Data) return { type: 'data', bytes: payload }
  const value = parseJson(payload)
  if (type === FrameType.Head) {
    const head = parseHead(value)
    return head && { type: 'head', head }
  }
  if (type === FrameType.End) {
    return isRecord(value) && typeof value.sizeBytes === 'number' && Number.isSafeInteger(value.sizeBytes) && value.sizeBytes >= 0
      ? { type: 'end', end: { sizeBytes: value.sizeBytes } }
      : null
  }
  if (type === FrameType.Error) {
    return isRecord(value) && FAILURE_CODES.includes(value.code as SendFailureCode) && typeof value.message === 'string'
      ? { type: 'error', failure: { code: value.code as SendFailureCode, message: value.message } }
      : null
  }
  return null
}

/**
 * Cuts a byte stream into frames. `push` takes the next chunk as it arrived and returns the
 * frames it completed, or an error sentence when the stream is not a frame stream.
 */
export class SendFrameReader {
  #buffer = new Uint8Array(0)

  push(chunk: Uint8Array): Result<SendFrame[], string> {
    const joined = new Uint8Array(this.#buffer.byteLength + chunk.byteLength)
    joined.set(this.#buffer)
    joined.set(chunk, this.#buffer.byteLength)
    const frames: SendFrame[] = []
    let at = 0
    while (joined.byteLength - at >= 5) {
      const type = joined[at]!
      const length = new DataView(joined.buffer, joined.byteOffset + at + 1, 4).getUint32(0)
      if (length > MAX_FRAME_BYTES) return err('The answer holds a frame larger than 16 MiB.')
      if (joined.byteLength - at - 5 < length) break
      const frame = parseFrame(type, joined.slice(at + 5, at + 5 + length))
      if (!frame) return err('The answer holds a frame that is not a valid send response.')
      frames.push(frame)
      at += 5 + length
    }
    this.#buffer = joined.slice(at)
    return ok(frames)
  }

  /** Bytes of an unfinished frame still waiting for the rest. */
  get pending(): number {
    return this.#buffer.byteLength
  }
}
