/**
 * One doc open on a multiplexed socket: the room member the doc's `Room` sees. What the room
 * sends it goes out on the doc's channel (`docName · message`); closing it (the doc was
 * deleted: 4410, over quota: 4507, …) is a `refused` for this doc alone — the socket and its
 * other docs carry on. It reassembles its own fragments (type 101) and keeps the frames that
 * arrive while its room loads.
 */
import { encodeMessage, Reassembly, type DocName } from '@ferry/protocol'
import type { Room, RoomMember } from './room.ts'

/** What a doc needs from its socket. */
export interface MuxDocOwner {
  /** Sends `message` (one encoded message) on the doc's channel; `greeting`: part of the doc's answer to an `open`. */
  sendDoc(doc: MuxDoc, message: Uint8Array, greeting?: boolean): void
  /** Refuses the doc (a `refused` control message) and detaches it from the socket. */
  refuse(doc: MuxDoc, code: number, reason: string): void
  /** The sign-in session of the socket. */
  readonly session: { readonly sessionId: string }
}

export type MuxDocState = 'loading' | 'open' | 'closed'

export class MuxDoc implements RoomMember {
  /** Multiplexed sockets always get `persisted`. */
  readonly wantsAck = true
  /** Only a token's own docs open on a multiplexed socket. */
  readonly readOnly = false
  /** The socket answers the `open` itself (step 1 only when the relay lacks something). */
  readonly quietJoin = true
  state: MuxDocState = 'loading'
  room: Room | null = null
  /** Doc messages that arrived while the room loaded, handled once it is open. */
  early: Uint8Array[] = []
  earlyBytes = 0
  readonly reassembly: Reassembly
  /** Declared total of the fragmented message in progress (counts against the socket's cap). */
  declared = 0

  constructor(
    readonly name: DocName,
    private readonly owner: MuxDocOwner,
    maxReassembledBytes: number,
  ) {
    this.reassembly = new Reassembly(maxReassembledBytes)
  }

  /** Bytes the socket's reassembly cap counts for this doc. */
  get reserved(): number {
    return this.reassembly.inProgress ? this.declared : 0
  }

  get sessionId(): string {
    return this.owner.session.sessionId
  }

  send(frame: Uint8Array): void {
    this.owner.sendDoc(this, frame)
  }

  persisted(stateVector: Uint8Array): void {
    this.owner.sendDoc(this, encodeMessage({ type: 'persisted', stateVector }))
  }

  close(code: number, reason: string): void {
    this.owner.refuse(this, code, reason)
  }
}
