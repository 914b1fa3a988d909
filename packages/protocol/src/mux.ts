/**
 * The multiplexed sync protocol, version 1 (docs/PROTOCOL.md): one socket carries every doc
 * of an account. Each frame is `var-string docName · message`; the empty doc name is the
 * control channel (open / close / opened / refused). Like `decodeMessage`, decoding never
 * throws and never reads past the frame.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeMessage, encodeMessageAfter, type Message, type MessageError } from './messages.ts'
import { prefixed } from './prefixed.ts'
import { err, ok, type Result } from './result.ts'

export const MUX_VERSION = 1
/** Versions this build speaks, for the `v` query parameter and the 4400 reason. */
export const MUX_VERSIONS: readonly number[] = [MUX_VERSION]
export const MUX_PATH = '/v1/mux'

export const ControlType = { Open: 0, Close: 1, Opened: 2, Refused: 3 } as const

/** What a client asks for when opening a doc: its state vector and delete-set hash (32 bytes, or empty when it holds nothing). */
export interface OpenRequest {
  readonly docName: string
  readonly stateVector: Uint8Array
  readonly deleteSetHash: Uint8Array
}

export type ControlMessage =
  | { readonly type: 'open'; readonly docs: readonly OpenRequest[] }
  | { readonly type: 'close'; readonly docs: readonly string[] }
  | { readonly type: 'opened'; readonly docs: readonly string[] }
  | { readonly type: 'refused'; readonly docName: string; readonly code: number; readonly reason: string }

export type MuxFrame = { readonly channel: 'control'; readonly message: ControlMessage } | { readonly channel: 'doc'; readonly docName: string; readonly message: Message }

/** Longest doc name a frame may carry (doc names are far shorter; see doc-names.ts). */
const MAX_DOC_NAME_BYTES = 512
/** Most docs one `open`, `close` or `opened` may list. */
export const MAX_DOCS_PER_CONTROL = 10_000

class Bad extends Error {}

function readBytes(decoder: decoding.Decoder, max = Number.POSITIVE_INFINITY): Uint8Array {
  const length = decoding.readVarUint(decoder)
  if (length > decoder.arr.length - decoder.pos || length > max) throw new Bad('bad length')
  return decoding.readUint8Array(decoder, length)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function readName(decoder: decoding.Decoder): string {
  return utf8.decode(readBytes(decoder, MAX_DOC_NAME_BYTES))
}

function readCount(decoder: decoding.Decoder): number {
  const n = decoding.readVarUint(decoder)
  if (n > MAX_DOCS_PER_CONTROL) throw new Bad(`more than ${MAX_DOCS_PER_CONTROL} docs in one control message`)
  return n
}

function readControl(decoder: decoding.Decoder): ControlMessage {
  const type = decoding.readVarUint(decoder)
  switch (type) {
    case ControlType.Open: {
      const docs: OpenRequest[] = []
      for (let n = readCount(decoder); n > 0; n--) docs.push({ docName: readName(decoder), stateVector: readBytes(decoder), deleteSetHash: readBytes(decoder, 64) })
      return { type: 'open', docs }
    }
    case ControlType.Close:
    case ControlType.Opened: {
      const docs: string[] = []
      for (let n = readCount(decoder); n > 0; n--) docs.push(readName(decoder))
      return { type: type === ControlType.Close ? 'close' : 'opened', docs }
    }
    case ControlType.Refused:
      return { type: 'refused', docName: readName(decoder), code: decoding.readVarUint(decoder), reason: utf8.decode(readBytes(decoder, 1024)) }
    default:
      throw new Bad(`unknown control message type ${type}`)
  }
}

/** Decodes one multiplexed frame; byte arrays are views into `bytes`. */
export function decodeMuxFrame(bytes: Uint8Array): Result<MuxFrame, MessageError> {
  if (bytes.length === 0) return err({ code: 'empty', message: 'empty frame' })
  const decoder = decoding.createDecoder(bytes)
  try {
    const docName = readName(decoder)
    if (docName !== '') {
      const inner = decodeMessage(bytes.subarray(decoder.pos))
      return inner.ok ? ok({ channel: 'doc', docName, message: inner.value }) : inner
    }
    const message = readControl(decoder)
    if (decoding.hasContent(decoder)) return err({ code: 'trailing-bytes', message: `${decoder.arr.length - decoder.pos} bytes after the control message` })
    return ok({ channel: 'control', message })
  } catch (e) {
    if (e instanceof TypeError) return err({ code: 'bad-text', message: 'a doc name or reason is not valid UTF-8' })
    if (e instanceof Bad && e.message.startsWith('unknown')) return err({ code: 'unknown-type', message: e.message })
    if (e instanceof Bad && e.message.startsWith('more than')) return err({ code: 'truncated', message: e.message })
    return err({ code: 'truncated', message: 'frame ends early or has a bad length prefix' })
  }
}

/** A doc channel frame: `docName` followed by an already encoded message (`encodeMessage`). */
export function encodeDocFrame(docName: string, message: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, docName)
  return prefixed(encoder, message)
}

/** The doc frame of `message`, encoded: as `encodeDocFrame(docName, encodeMessage(message))` with its payload copied once, not twice. */
export function encodeDocMessage(docName: string, message: Message): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, docName)
  return encodeMessageAfter(encoder, message)
}

export function encodeControl(message: ControlMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, '')
  switch (message.type) {
    case 'open':
      encoding.writeVarUint(encoder, ControlType.Open)
      encoding.writeVarUint(encoder, message.docs.length)
      for (const doc of message.docs) {
        encoding.writeVarString(encoder, doc.docName)
        encoding.writeVarUint8Array(encoder, doc.stateVector)
        encoding.writeVarUint8Array(encoder, doc.deleteSetHash)
      }
      break
    case 'close':
    case 'opened':
      encoding.writeVarUint(encoder, message.type === 'close' ? ControlType.Close : ControlType.Opened)
      encoding.writeVarUint(encoder, message.docs.length)
      for (const name of message.docs) encoding.writeVarString(encoder, name)
      break
    case 'refused':
      encoding.writeVarUint(encoder, ControlType.Refused)
      encoding.writeVarString(encoder, message.docName)
      encoding.writeVarUint(encoder, message.code)
      encoding.writeVarString(encoder, message.reason)
      break
  }
  return encoding.toUint8Array(encoder)
}

/** A close reason carrying `retry-after=<seconds>` (whole seconds, at least 1). */
export function withRetryAfter(reason: string, seconds: number): string {
  return `${reason}; retry-after=${Math.min(999_999, Math.max(1, Math.ceil(seconds)))}`
}

/**
 * Longest wait a client takes from a `retry-after`, seconds: a relay (or anyone on a plain
 * `ws://` path) naming days would otherwise park a doc or the whole socket that long.
 */
export const MAX_RETRY_AFTER_SECONDS = 3_600

/** The `retry-after=<seconds>` a close reason may carry (docs/PROTOCOL.md), at most an hour, or undefined. */
export function retryAfterSeconds(reason: string): number | undefined {
  const match = /retry-after=(\d{1,6})/.exec(reason)
  return match ? Math.min(Number(match[1]), MAX_RETRY_AFTER_SECONDS) : undefined
}
