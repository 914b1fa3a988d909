/**
 * The sync wire format: y-websocket framing (lib0 var-uints) plus Ferry's `persisted`
 * extension. One WebSocket binary frame carries exactly one message:
 *
 * | type | sub-type / payload                                                        |
 * |------|---------------------------------------------------------------------------|
 * | 0    | sync: 0 step 1 (state vector), 1 step 2 (update), 2 update — each a var-uint8-array |
 * | 1    | awareness: var-uint8-array awareness update                               |
 * | 2    | auth: 0 permission denied + var-string reason (as y-protocols/auth)       |
 * | 3    | query awareness: no payload                                               |
 * | 100  | persisted: var-uint8-array state vector (only to sockets opened with `ack=1`) |
 * | 101  | fragment: var-uint id, index, count, total length, then a var-uint8-array chunk (see fragments.ts) |
 *
 * Decoding never throws and never reads past the frame: a length prefix longer than the
 * rest of the frame is an error even when the bytes belong to a larger underlying buffer.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { prefixed } from './prefixed.ts'
import { err, ok, type Result } from './result.ts'

export const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3, Persisted: 100, Fragment: 101 } as const
export const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const
/** y-protocols/auth's only message: permission denied. */
export const AuthType = { PermissionDenied: 0 } as const

export type Message =
  | { readonly type: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly type: 'sync-step2'; readonly update: Uint8Array }
  | { readonly type: 'sync-update'; readonly update: Uint8Array }
  | { readonly type: 'awareness'; readonly update: Uint8Array }
  | { readonly type: 'auth-denied'; readonly reason: string }
  | { readonly type: 'query-awareness' }
  | { readonly type: 'persisted'; readonly stateVector: Uint8Array }
  | FragmentMessage

/**
 * One piece of a frame too large to send whole (a client's large update): the `chunk` at
 * position `index` of `count`, all sharing `id`; `total` is the byte length of the whole
 * frame, so a receiver can refuse it before buffering any of it. The reassembled bytes are one
 * ordinary frame (never a fragment again).
 */
export interface FragmentMessage {
  readonly type: 'fragment'
  readonly id: number
  readonly index: number
  readonly count: number
  readonly total: number
  readonly chunk: Uint8Array
}

export type MessageErrorCode = 'empty' | 'truncated' | 'unknown-type' | 'trailing-bytes' | 'bad-text' | 'bad-fragment'

export interface MessageError {
  readonly code: MessageErrorCode
  readonly message: string
}

/** Thrown inside the decoder only; `decodeMessage` turns every throw into a `MessageError`. */
class Truncated extends Error {}

function readBytes(decoder: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(decoder)
  if (length > decoder.arr.length - decoder.pos) throw new Truncated()
  return decoding.readUint8Array(decoder, length)
}

function readBody(decoder: decoding.Decoder, type: number): Message | MessageError {
  switch (type) {
    case MessageType.Sync: {
      const sub = decoding.readVarUint(decoder)
      if (sub === SyncType.Step1) return { type: 'sync-step1', stateVector: readBytes(decoder) }
      if (sub === SyncType.Step2) return { type: 'sync-step2', update: readBytes(decoder) }
      if (sub === SyncType.Update) return { type: 'sync-update', update: readBytes(decoder) }
      return { code: 'unknown-type', message: `unknown sync message type ${sub}` }
    }
    case MessageType.Awareness:
      return { type: 'awareness', update: readBytes(decoder) }
    case MessageType.Auth: {
      const sub = decoding.readVarUint(decoder)
      if (sub !== AuthType.PermissionDenied) return { code: 'unknown-type', message: `unknown auth message type ${sub}` }
      const text = readBytes(decoder)
      try {
        return { type: 'auth-denied', reason: new TextDecoder('utf-8', { fatal: true }).decode(text) }
      } catch {
        return { code: 'bad-text', message: 'auth reason is not valid UTF-8' }
      }
    }
    case MessageType.QueryAwareness:
      return { type: 'query-awareness' }
    case MessageType.Persisted:
      return { type: 'persisted', stateVector: readBytes(decoder) }
    case MessageType.Fragment:
      return readFragment(decoder)
    default:
      return { code: 'unknown-type', message: `unknown message type ${type}` }
  }
}

function readFragment(decoder: decoding.Decoder): FragmentMessage | MessageError {
  const id = decoding.readVarUint(decoder)
  const index = decoding.readVarUint(decoder)
  const count = decoding.readVarUint(decoder)
  const total = decoding.readVarUint(decoder)
  const chunk = readBytes(decoder)
  // Every chunk carries at least one byte, so there are never more chunks than bytes.
  if (count === 0 || index >= count || count > total || chunk.length === 0 || chunk.length > total) {
    return { code: 'bad-fragment', message: `fragment ${index} of ${count} (${chunk.length} of ${total} bytes) is inconsistent` }
  }
  return { type: 'fragment', id, index, count, total, chunk }
}

/**
 * Decodes one frame. Byte arrays in the result are views into `bytes` (no copy). Any framing
 * problem — empty frame, truncated or oversized length prefix, unknown type, bytes after the
 * message — is a {@link MessageError}; the content of updates is not checked here.
 */
export function decodeMessage(bytes: Uint8Array): Result<Message, MessageError> {
  if (bytes.length === 0) return err({ code: 'empty', message: 'empty message' })
  const decoder = decoding.createDecoder(bytes)
  try {
    const body = readBody(decoder, decoding.readVarUint(decoder))
    if ('code' in body) return err(body)
    if (decoding.hasContent(decoder)) {
      return err({ code: 'trailing-bytes', message: `${decoder.arr.length - decoder.pos} bytes after the message` })
    }
    return ok(body)
  } catch {
    return err({ code: 'truncated', message: 'message ends early or has a bad length prefix' })
  }
}

/** Encodes one message as a frame. */
export function encodeMessage(message: Message): Uint8Array {
  return encodeMessageAfter(encoding.createEncoder(), message)
}

/**
 * What `encoder` holds, followed by `message` encoded; its payload is copied once, into the
 * result (`prefixed`), not through the encoder.
 */
export function encodeMessageAfter(encoder: encoding.Encoder, message: Message): Uint8Array {
  let payload: Uint8Array | null = null
  switch (message.type) {
    case 'sync-step1':
    case 'sync-step2':
    case 'sync-update': {
      encoding.writeVarUint(encoder, MessageType.Sync)
      const sub = message.type === 'sync-step1' ? SyncType.Step1 : message.type === 'sync-step2' ? SyncType.Step2 : SyncType.Update
      encoding.writeVarUint(encoder, sub)
      payload = message.type === 'sync-step1' ? message.stateVector : message.update
      break
    }
    case 'awareness':
      encoding.writeVarUint(encoder, MessageType.Awareness)
      payload = message.update
      break
    case 'auth-denied':
      encoding.writeVarUint(encoder, MessageType.Auth)
      encoding.writeVarUint(encoder, AuthType.PermissionDenied)
      encoding.writeVarString(encoder, message.reason)
      break
    case 'query-awareness':
      encoding.writeVarUint(encoder, MessageType.QueryAwareness)
      break
    case 'persisted':
      encoding.writeVarUint(encoder, MessageType.Persisted)
      payload = message.stateVector
      break
    case 'fragment':
      encoding.writeVarUint(encoder, MessageType.Fragment)
      encoding.writeVarUint(encoder, message.id)
      encoding.writeVarUint(encoder, message.index)
      encoding.writeVarUint(encoder, message.count)
      encoding.writeVarUint(encoder, message.total)
      payload = message.chunk
      break
  }
  if (payload === null) return encoding.toUint8Array(encoder)
  encoding.writeVarUint(encoder, payload.length)
  return prefixed(encoder, payload)
}
