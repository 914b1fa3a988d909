/**
 * How one account's docs reach the relay from this browser: the account's one multiplexed
 * socket (`MuxConnection`) when the relay speaks it, else a socket per doc (`DocSocket`) — the
 * fallback for a relay without `/v1/mux` (or one that refuses our version), and for a doc the
 * relay has no room for on the shared socket. Either way each doc is a `DocProtocol`: the
 * transport changes under it, its status and pending changes carry over.
 *
 * With tabs, one tab per account leads (one election per account, not per doc) and carries
 * every doc; the others reach the relay through it (tab-sync.ts).
 */
import { docName as makeDocName, type DocName, type UserId } from '@ferry/protocol'
import { TabSync, type TabLead, type TabSyncOptions } from '../tab-sync.ts'
import { electLeader, type LeaderElection } from '../tab-leader.ts'
import { DocProtocol } from './doc-protocol.ts'
import { closeSocket, DocSocket } from './doc-socket.ts'
import { MuxConnection } from './mux-connection.ts'
import type * as Y from 'yjs'
import type { Replica } from './replica.ts'
import type { DocSync, SyncConnection } from './types.ts'

/** How long the check "does the relay answer per-doc sockets?" waits, ms. */
const PER_DOC_CHECK_MS = 10_000

export class AccountSync {
  readonly #owner: UserId
  readonly #connection: SyncConnection
  readonly #tabs: TabSyncOptions | null
  #election: LeaderElection | null = null
  #mux: MuxConnection | null = null
  /** Set once the relay turned out not to speak the multiplexed protocol: every doc on its own socket. */
  #fallback: string | null = null
  readonly #perDoc = new Set<DocSocket>()
  #destroyed = false

  constructor(owner: UserId, connection: SyncConnection, tabs: TabSyncOptions | null) {
    this.#owner = owner
    this.#connection = connection
    this.#tabs = tabs
  }

  /** Syncs `doc` (this tab's copy of `name`, loaded or not) until the returned handle is destroyed. */
  attach(doc: Y.Doc | Replica, name: DocName): DocSync {
    if (!this.#tabs) return this.#carry(doc, name)
    this.#election ??= electLeader(`${this.#tabs.scope}:${this.#owner}:account`, this.#tabs)
    const lead: TabLead = { election: this.#election, start: () => this.#carry(doc, name) }
    return new TabSync(doc, name, lead, this.#tabs)
  }

  /** Docs being loaded together: their `open` waits for all of them (see `MuxConnection.hold`). */
  hold(loading: Promise<unknown>): void {
    this.#mux?.hold(loading)
  }

  /** Sockets this tab holds for the account (open or opening). */
  socketCount(): number {
    let count = this.#mux?.hasSocket ? 1 : 0
    for (const socket of this.#perDoc) {
      if (socket.released) this.#perDoc.delete(socket)
      else if (socket.hasSocket) count++
    }
    return count
  }

  /** Why the docs are on per-doc sockets, or null while they share the account's socket. */
  get fallbackReason(): string | null {
    return this.#fallback
  }

  /** Closes the sockets and leaves the election; the docs' handles are their owners' to destroy first. */
  async destroy(): Promise<void> {
    this.#destroyed = true
    this.#election?.destroy()
    await this.#mux?.destroy()
  }

  #carry(doc: Y.Doc | Replica, name: DocName): DocProtocol {
    const protocol = new DocProtocol(doc, name)
    if (this.#destroyed) return protocol
    const muxUrl = this.#connection.muxUrl
    if (muxUrl && this.#fallback === null) {
      this.#mux ??= new MuxConnection(
        { ...this.#connection, muxUrl },
        {
          onFallback: (docs, reason) => {
            this.#fallback = reason
            this.#mux = null
            for (const fallen of docs) this.#onOwnSocket(fallen)
          },
          onOverflow: (overflowing) => this.#onOwnSocket(overflowing),
          answersPerDoc: (token) => this.#answersPerDoc(token),
        },
      )
      this.#mux.add(protocol)
    } else {
      this.#onOwnSocket(protocol)
    }
    return protocol
  }

  #onOwnSocket(protocol: DocProtocol): void {
    if (this.#destroyed || protocol.released) return
    this.#perDoc.add(new DocSocket(protocol, this.#connection))
  }

  /** Opens a per-doc socket on the account's index: true when it opens (the relay is up). */
  #answersPerDoc(token: string): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = this.#connection.createSocket(this.#connection.url(makeDocName(this.#owner, 'workspace'), token))
      const done = (answer: boolean): void => {
        clearTimeout(timer)
        socket.onopen = socket.onclose = null
        void closeSocket(socket)
        resolve(answer)
      }
      const timer = setTimeout(() => done(false), PER_DOC_CHECK_MS)
      socket.onopen = () => done(true)
      socket.onerror = () => {}
      socket.onclose = () => done(false)
    })
  }
}
