/**
 * What `head` (a lib0 encoder holding a few var-uints or a name) wrote, followed by `body`, in
 * one buffer of exactly their size. Writing a large body through lib0's encoder copies it twice
 * — into a new chunk twice its size, then into the result — which a relay answering a new
 * device with every stored doc paid for each doc twice over (the message, then its frame).
 */
import * as encoding from 'lib0/encoding'

export function prefixed(head: encoding.Encoder, body: Uint8Array): Uint8Array {
  const start = encoding.toUint8Array(head)
  const out = new Uint8Array(start.length + body.length)
  out.set(start)
  out.set(body, start.length)
  return out
}
