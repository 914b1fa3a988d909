/**
 * Coalesces outgoing frames per event-loop turn: the first send to a socket in a turn corks
 * its TCP stream, and one `setImmediate` uncorks every corked stream, so all the frames a
 * socket gets in one turn (updates from many peers of a busy room) leave in one `writev`
 * instead of one syscall each. Frames are never re-encoded or merged: clients see exactly
 * the y-websocket messages the senders produced.
 */
import type { Duplex } from 'node:stream'

export class SendBatcher {
  readonly #corked: Duplex[] = []
  #scheduled = false

  readonly #flush = (): void => {
    this.#scheduled = false
    const streams = this.#corked.splice(0)
    for (const stream of streams) stream.uncork()
  }

  /** Corks `stream` until the end of this turn; true on the first call in a turn. */
  hold(stream: Duplex): boolean {
    if (stream.writableCorked > 0 || stream.destroyed) return false
    stream.cork()
    this.#corked.push(stream)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#flush)
    }
    return true
  }
}
