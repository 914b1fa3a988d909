/**
 * Fragmentation: a frame larger than a sender wants to put on the wire (Ferry's client: more
 * than {@link FRAGMENT_CHUNK_BYTES}) goes as `fragment` messages (type 101) that the receiver
 * reassembles into the original frame and then handles as if it had arrived whole.
 *
 * Rules, checked by {@link Reassembly}: the fragments of one frame are sent back to back
 * (index 0, 1, … count − 1, one id, one count, one total), with no other message in between;
 * their chunks add up to exactly `total` bytes; the reassembled frame is not a fragment itself.
 * A receiver refuses a frame whose declared `total` is over its cap at the first fragment,
 * before buffering any of it, so the memory a sender can pin is bounded by the cap.
 */
import { decodeMessage, encodeMessage, type FragmentMessage } from './messages.ts'
import { err, ok, type Result } from './result.ts'

/** Chunk size Ferry's client uses: frames up to this size go whole, larger ones in fragments. */
export const FRAGMENT_CHUNK_BYTES = 128 * 1024
/** Most bytes a fragment frame adds to its chunk (type + four var-uints + the chunk's length prefix). */
export const FRAGMENT_OVERHEAD_BYTES = 32

/**
 * The frames that carry `frame`: the frame itself when it is at most `chunkBytes` long, else
 * fragments of at most `chunkBytes` each, tagged with `id`. Chunks are views into `frame`
 * until each fragment is encoded (one copy per fragment).
 */
export function fragmentFrame(frame: Uint8Array, id: number, chunkBytes = FRAGMENT_CHUNK_BYTES): Uint8Array[] {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError('chunkBytes must be a positive integer')
  if (frame.length <= chunkBytes) return [frame]
  const count = Math.ceil(frame.length / chunkBytes)
  const frames: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const chunk = frame.subarray(index * chunkBytes, Math.min(frame.length, (index + 1) * chunkBytes))
    frames.push(encodeMessage({ type: 'fragment', id, index, count, total: frame.length, chunk }))
  }
  return frames
}

export type ReassemblyErrorCode =
  /** The declared total is over the receiver's cap (close 4413). */
  | 'too-large'
  /** A fragment that does not continue the frame in progress (wrong id, index, count or total). */
  | 'out-of-order'
  /** The chunks add up to more or fewer bytes than the declared total. */
  | 'bad-length'
  /** The reassembled frame is not a valid frame, or is a fragment itself. */
  | 'bad-frame'
  /** Another message arrived while a fragmented frame was incomplete. */
  | 'interrupted'

export interface ReassemblyError {
  readonly code: ReassemblyErrorCode
  readonly message: string
}

interface InProgress {
  readonly id: number
  readonly count: number
  readonly total: number
  /**
   * The frame so far (`received` bytes at its start), grown by doubling up to `total`. One
   * buffer, not a copy per chunk: a one-byte chunk kept on its own cost ~220 bytes of heap, so
   * tiny fragments pinned ~200× the declared total.
   */
  buffer: Uint8Array
  /** Index of the next fragment. */
  next: number
  received: number
}

/** Smallest buffer a frame starts with (unless its total is smaller), so small chunks do not regrow it at every fragment. */
const FIRST_BUFFER_BYTES = 4 * 1024

/**
 * Reassembles one sender's fragments, one frame at a time, holding at most `maxBytes` (the
 * declared total of the frame in progress; the buffered chunks never exceed it). After an
 * error the state is cleared: the caller is expected to drop the sender.
 */
export class Reassembly {
  #partial: InProgress | null = null

  constructor(readonly maxBytes: number) {}

  /** Bytes held for the frame in progress. */
  get bufferedBytes(): number {
    return this.#partial?.received ?? 0
  }

  /** True while a fragmented frame is incomplete. */
  get inProgress(): boolean {
    return this.#partial !== null
  }

  /**
   * Takes the next fragment: the whole frame once its last fragment arrived (a copy, owned by
   * the caller), null while more are expected, or an error.
   */
  push(fragment: FragmentMessage): Result<Uint8Array | null, ReassemblyError> {
    let partial = this.#partial
    if (partial === null) {
      if (fragment.index !== 0) return this.#fail('out-of-order', `fragment ${fragment.index} of ${fragment.id} arrived before its first`)
      if (fragment.total > this.maxBytes) {
        return this.#fail('too-large', `a frame of ${fragment.total} bytes is over the limit of ${this.maxBytes} bytes`)
      }
      partial = { id: fragment.id, count: fragment.count, total: fragment.total, buffer: new Uint8Array(0), next: 0, received: 0 }
      this.#partial = partial
    } else if (
      fragment.id !== partial.id ||
      fragment.count !== partial.count ||
      fragment.total !== partial.total ||
      fragment.index !== partial.next
    ) {
      return this.#fail('out-of-order', `expected fragment ${partial.next} of ${partial.id}, got ${fragment.index} of ${fragment.id}`)
    }
    const received = partial.received + fragment.chunk.length
    if (received > partial.total) {
      return this.#fail('bad-length', `fragments of ${partial.id} carry more than the ${partial.total} bytes declared`)
    }
    if (received > partial.buffer.length) {
      const grown = new Uint8Array(Math.min(partial.total, Math.max(received, 2 * partial.buffer.length, FIRST_BUFFER_BYTES)))
      grown.set(partial.buffer.subarray(0, partial.received))
      partial.buffer = grown
    }
    // Copied: the chunk is a view into the received frame, which the caller may reuse.
    partial.buffer.set(fragment.chunk, partial.received)
    partial.received = received
    partial.next++
    if (partial.next < partial.count) return ok(null)
    if (partial.received !== partial.total) {
      return this.#fail('bad-length', `fragments of ${partial.id} carry ${partial.received} of the ${partial.total} bytes declared`)
    }
    this.#partial = null
    // Grown to at least `received` and never past `total`: exactly the frame now.
    const frame = partial.buffer
    const decoded = decodeMessage(frame)
    if (!decoded.ok) return this.#fail('bad-frame', `reassembled frame: ${decoded.error.message}`)
    if (decoded.value.type === 'fragment') return this.#fail('bad-frame', 'a fragment cannot carry another fragment')
    return ok(frame)
  }

  /** Checks a message that is not a fragment: an error while a fragmented frame is incomplete. */
  interrupt(): Result<void, ReassemblyError> {
    if (this.#partial === null) return ok(undefined)
    return this.#fail('interrupted', `another message arrived before fragment ${this.#partial.next} of ${this.#partial.id}`)
  }

  /** Drops the frame in progress (the sender went away). */
  clear(): void {
    this.#partial = null
  }

  #fail(code: ReassemblyErrorCode, message: string): { readonly ok: false; readonly error: ReassemblyError } {
    this.#partial = null
    return err({ code, message })
  }
}
