/**
 * One doc shared by the tabs of a browser: every tab keeps its own `Y.Doc` (and IndexedDB
 * handle), tabs exchange updates over a BroadcastChannel, and only the leader tab syncs the doc
 * with the relay. A workspace elects one leader per account (`TabLead`), whose tab carries every
 * doc of the account on its one multiplexed socket; standalone, a `SyncConnection` makes the doc
 * elect its own leader, which runs a `SyncProvider` (one socket per doc per browser). Followers
 * show the leader's status: their changes reach the leader's doc over the channel at once, so
 * the leader's pending count and `persisted` coverage include them. A doc the relay says was
 * deleted is announced to every tab.
 *
 * A status the leader posted before one of this tab's changes reached it says nothing about
 * that change, yet may arrive after it was made (the two messages cross): each tab numbers the
 * changes it posts, every tab counts what it received from each (a tab that opens later learns
 * the counts from the others' answers to its state vector, which follow what it lacked of
 * them), and a status names those counts — a follower takes `in sync` only from a status that
 * counts all of its changes.
 */
import type { DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { Emitter } from './emitter.ts'
import { SyncProvider } from './sync-provider.ts'
import { asReplica, type Replica } from './sync/replica.ts'
import type { DocSync, SyncConnection } from './sync/types.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'
import { electLeader, type ElectionTimings, type LeaderElection } from './tab-leader.ts'

export type { DocSync } from './sync/types.ts'

/** A leadership shared by many docs (one per account), and how this tab syncs a doc while it leads. */
export interface TabLead {
  /** Shared: a `TabSync` listens to it and never destroys it. */
  readonly election: LeaderElection
  start(): DocSync
}

type TabMessage =
  /** `from`, `seq`: the sender, and how many of its own changes it had posted (its state holds them all). */
  | { type: 'state-vector'; stateVector: Uint8Array; reply: boolean; from?: string; seq?: number }
  | { type: 'update'; update: Uint8Array; from?: string; seq?: number }
  /** `seen`: changes the sender had received from each tab when it posted this (absent: a tab that does not count them). */
  | { type: 'status'; status: SyncStatus; seen?: Record<string, number> }
  | { type: 'status-query' }
  | { type: 'sync-now' }
  | { type: 'deleted' }

/** Channel names are scoped so that two simulated devices in one process never meet. */
export interface TabSyncOptions extends ElectionTimings {
  /** Distinguishes browsers sharing one BroadcastChannel namespace (tests: one per device). */
  readonly scope: string
}

export class TabSync implements DocSync {
  readonly #doc: Replica
  readonly #stopUpdates: () => void
  readonly #start: () => DocSync
  readonly #channel: BroadcastChannel
  readonly #election: LeaderElection
  /** The election is this doc's own (standalone), destroyed with it. */
  readonly #ownElection: boolean
  readonly #stopElection: () => void
  readonly #events = new Emitter<{ status: SyncStatus; deleted: void }>()
  #provider: DocSync | null = null
  #stopProvider: () => void = () => {}
  #status: SyncStatus = { kind: 'connecting' }
  /** This tab's name for the counts (`getRandomValues`: `randomUUID` is missing on plain-HTTP origins), and how many of its own changes it posted. */
  readonly #id = Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('')
  #posted = 0
  /** Changes received from each other tab. */
  readonly #seen = new Map<string, number>()

  /** `doc`: this tab's copy, loaded (a `Y.Doc`) or held as a replica (local/lazy-doc.ts). */
  constructor(doc: Y.Doc | Replica, docName: DocName, lead: SyncConnection | TabLead, options: TabSyncOptions) {
    this.#doc = asReplica(doc)
    this.#start = 'election' in lead ? () => lead.start() : () => new SyncProvider(this.#doc, docName, lead)
    this.#channel = new BroadcastChannel(`ferry-tabs:${options.scope}:${docName}`)
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => this.#receive(event.data)
    this.#stopUpdates = this.#doc.onUpdate(this.#onDocUpdate)
    this.#post({ type: 'state-vector', stateVector: this.#doc.stateVector(), reply: false, from: this.#id, seq: this.#posted })
    this.#post({ type: 'status-query' })
    this.#ownElection = !('election' in lead)
    this.#election = 'election' in lead ? lead.election : electLeader(`${options.scope}:${docName}`, options)
    this.#stopElection = this.#election.onChange((leader) => (leader ? this.#startProvider() : void this.#stopLeading()))
    if (this.#election.isLeader) this.#startProvider()
  }

  get status(): SyncStatus {
    return this.#status
  }

  get hasSocket(): boolean {
    return this.#provider?.hasSocket ?? false
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#events.on('status', listener)
  }

  onDeleted(listener: () => void): () => void {
    return this.#events.on('deleted', listener)
  }

  syncNow(): void {
    if (this.#provider) this.#provider.syncNow()
    else this.#post({ type: 'sync-now' })
  }

  destroy(): Promise<void> {
    this.#stopUpdates()
    const closed = this.#stopLeading()
    this.#stopElection()
    if (this.#ownElection) this.#election.destroy()
    this.#channel.close()
    this.#events.clear()
    return closed
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    this.#post({ type: 'update', update, from: this.#id, seq: ++this.#posted })
    // Until the leader reports on this change, `in sync` would be a promise nobody kept yet.
    if (!this.#provider && this.#status.kind === 'in-sync') this.#setStatus({ kind: 'syncing', pending: 1 })
  }

  #receive(message: TabMessage): void {
    switch (message.type) {
      case 'update':
        this.#doc.apply(message.update, this)
        this.#counted(message)
        break
      case 'state-vector': {
        const missing = this.#doc.diff(message.stateVector)
        // Numbered too: it may hold changes of this tab the other never had (made before this
        // tab synced, or with sync off), and a status must count them before it says `in sync`.
        if (missing.length > 2) this.#post({ type: 'update', update: missing, from: this.#id, seq: ++this.#posted })
        if (!message.reply) this.#post({ type: 'state-vector', stateVector: this.#doc.stateVector(), reply: true, from: this.#id, seq: this.#posted })
        this.#counted(message)
        break
      }
      case 'status':
        if (!this.#provider && !this.#predates(message)) this.#setStatus(message.status)
        break
      case 'status-query':
        if (this.#provider) this.#postStatus()
        break
      case 'sync-now':
        this.#provider?.syncNow()
        break
      case 'deleted':
        this.#events.emit('deleted', undefined)
        break
    }
  }

  #startProvider(): void {
    if (this.#provider) return
    const provider = this.#start()
    this.#provider = provider
    const stopStatus = provider.onStatus((status) => this.#setStatus(status))
    const stopDeleted = provider.onDeleted(() => {
      this.#post({ type: 'deleted' })
      this.#events.emit('deleted', undefined)
    })
    this.#stopProvider = () => {
      stopStatus()
      stopDeleted()
    }
    this.#setStatus(provider.status)
  }

  #stopLeading(): Promise<void> {
    this.#stopProvider()
    const closed = this.#provider?.destroy() ?? Promise.resolve()
    this.#provider = null
    return closed
  }

  /**
   * Counts what a tab says it posted, once this tab holds it; a leader answers with its status
   * (even one applying it did not change): that tab waits for a status that counts it.
   */
  #counted(message: { from?: string; seq?: number }): void {
    if (message.from === undefined || message.seq === undefined) return
    this.#seen.set(message.from, message.seq)
    if (this.#provider) this.#postStatus()
  }

  /** An `in sync` posted before the leader received every change this tab posted. */
  #predates(message: { status: SyncStatus; seen?: Record<string, number> }): boolean {
    return message.status.kind === 'in-sync' && message.seen !== undefined && (message.seen[this.#id] ?? 0) < this.#posted
  }

  #postStatus(status = this.#status): void {
    this.#post({ type: 'status', status, seen: Object.fromEntries(this.#seen) })
  }

  #setStatus(status: SyncStatus): void {
    if (this.#provider) this.#postStatus(status)
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }

  #post(message: TabMessage): void {
    this.#channel.postMessage(message)
  }
}
