/**
 * What the multiplexed socket sends on its control channel, batched: every doc that wants an
 * `open` (new, reconnected, retried, resyncing) goes in one message per turn — or, while the
 * workspace loads docs together (`hold`), once they are all here — after the `close`s of docs
 * dropped meanwhile (closes first, so a doc closed and added again reopens).
 */
import { encodeControl, type DocName, type OpenRequest } from '@ferry/protocol'
import type { MuxChannel } from './mux-channel.ts'

/** Docs per control message (the protocol allows 10,000; smaller messages start answering sooner). */
const DOCS_PER_MESSAGE = 1_000
/** Longest a load may hold back the `open` of the docs already here, ms. */
const HOLD_MS = 3_000

/** Hashes of the delete sets hashed so far, by their bytes: a held doc that did not change hands the same bytes to every `open`. */
const hashed = new WeakMap<Uint8Array, Promise<Uint8Array>>()

/** SHA-256 of a delete set (docs/PROTOCOL.md), or nothing for a doc that holds nothing. */
function deleteSetHash(deleteSet: Uint8Array): Promise<Uint8Array> {
  if (deleteSet.length === 0) return Promise.resolve(deleteSet)
  let hash = hashed.get(deleteSet)
  if (!hash) {
    hash = crypto.subtle.digest('SHA-256', deleteSet as Uint8Array<ArrayBuffer>).then((digest) => new Uint8Array(digest))
    hashed.set(deleteSet, hash)
    // A digest that failed is tried again by the next open.
    hash.catch(() => hashed.delete(deleteSet))
  }
  return hash
}

export class MuxBatch {
  /** Flushes soon, on the current socket if it is still the current one and open. */
  readonly #schedule: () => void
  #toClose: string[] = []
  #holds = 0

  constructor(schedule: () => void) {
    this.#schedule = schedule
  }

  /**
   * Holds the next `open` until `loading` settles (at most `HOLD_MS`): docs the workspace is
   * loading together (all of them after a reload, a new device's collections once the index
   * arrived) go in one `open` instead of one per turn.
   */
  hold(loading: Promise<unknown>): void {
    this.#holds++
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      clearTimeout(timer)
      this.#holds--
      this.#schedule()
    }
    const timer = setTimeout(release, HOLD_MS)
    loading.then(release, release)
  }

  close(name: string): void {
    this.#toClose.push(name)
    this.#schedule()
  }

  /** A new socket: nothing is open on it, so nothing needs closing. */
  reset(): void {
    this.#toClose = []
  }

  /**
   * Sends the `close`s, then one `open` for every channel queued or asking to resync. The
   * snapshots are taken now; only the hashing waits, and `stillCurrent` says whether the
   * socket they were meant for is still the one to send on.
   */
  flush(channels: Iterable<MuxChannel>, send: (frame: Uint8Array) => void, stillCurrent: () => boolean): void {
    for (let i = 0; i < this.#toClose.length; i += DOCS_PER_MESSAGE) send(encodeControl({ type: 'close', docs: this.#toClose.slice(i, i + DOCS_PER_MESSAGE) }))
    this.#toClose = []
    if (this.#holds > 0) return
    const batch: { name: DocName; stateVector: Uint8Array; deleteSet: Uint8Array }[] = []
    for (const channel of channels) {
      const fresh = channel.state === 'queued'
      if ((!fresh && !(channel.state === 'open' && channel.resync)) || channel.doc.stopped) continue
      channel.resync = false
      if (fresh) channel.state = 'opening'
      batch.push({ name: channel.doc.docName, ...channel.doc.openSnapshot(fresh) })
    }
    if (batch.length === 0) return
    void Promise.all(batch.map((entry) => deleteSetHash(entry.deleteSet))).then((hashes) => {
      if (!stillCurrent()) return
      const docs: OpenRequest[] = batch.map((entry, i) => ({ docName: entry.name, stateVector: entry.stateVector, deleteSetHash: hashes[i]! }))
      for (let i = 0; i < docs.length; i += DOCS_PER_MESSAGE) send(encodeControl({ type: 'open', docs: docs.slice(i, i + DOCS_PER_MESSAGE) }))
    })
  }
}
