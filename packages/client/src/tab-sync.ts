/**
 * One doc shared by the tabs of a browser: every tab keeps its own `Y.Doc` (and IndexedDB
 * handle), tabs exchange updates over a BroadcastChannel, and only the elected leader tab runs
 * a `SyncProvider` — one socket per doc per browser. Followers show the leader's status: their
 * changes reach the leader's doc over the channel at once, so the leader's pending count and
 * `persisted` coverage include them. A doc the relay says was deleted is announced to every tab.
 */
import type { DocName } from '@ferry/protocol'
import * as Y from 'yjs'
import { Emitter } from './emitter.ts'
import { SyncProvider, type SyncConnection } from './sync-provider.ts'
import { sameStatus, type SyncStatus } from './sync-status.ts'
import { electLeader, type ElectionTimings, type LeaderElection } from './tab-leader.ts'

/** What a workspace needs from a doc's sync, whether it runs here or in another tab. */
export interface DocSync {
  readonly status: SyncStatus
  /** True while this tab holds a socket for the doc. */
  readonly hasSocket: boolean
  onStatus(listener: (status: SyncStatus) => void): () => void
  /** Called when the relay says the doc was deleted (4410); syncing has stopped for good. */
  onDeleted(listener: () => void): () => void
  syncNow(): void
  /** Stops syncing; resolves once this tab's socket (if any) is closed. */
  destroy(): Promise<void>
}

type TabMessage =
  | { type: 'state-vector'; stateVector: Uint8Array; reply: boolean }
  | { type: 'update'; update: Uint8Array }
  | { type: 'status'; status: SyncStatus }
  | { type: 'status-query' }
  | { type: 'sync-now' }
  | { type: 'deleted' }

/** Channel names are scoped so that two simulated devices in one process never meet. */
export interface TabSyncOptions extends ElectionTimings {
  /** Distinguishes browsers sharing one BroadcastChannel namespace (tests: one per device). */
  readonly scope: string
}

export class TabSync implements DocSync {
  readonly #doc: Y.Doc
  readonly #docName: DocName
  readonly #connection: SyncConnection
  readonly #channel: BroadcastChannel
  readonly #election: LeaderElection
  readonly #events = new Emitter<{ status: SyncStatus; deleted: void }>()
  #provider: SyncProvider | null = null
  #stopProvider: () => void = () => {}
  #status: SyncStatus = { kind: 'connecting' }

  constructor(doc: Y.Doc, docName: DocName, connection: SyncConnection, options: TabSyncOptions) {
    this.#doc = doc
    this.#docName = docName
    this.#connection = connection
    this.#channel = new BroadcastChannel(`ferry-tabs:${options.scope}:${docName}`)
    this.#channel.onmessage = (event: MessageEvent<TabMessage>) => this.#receive(event.data)
    doc.on('update', this.#onDocUpdate)
    this.#post({ type: 'state-vector', stateVector: Y.encodeStateVector(doc), reply: false })
    this.#post({ type: 'status-query' })
    this.#election = electLeader(`${options.scope}:${docName}`, options)
    this.#election.onChange((leader) => (leader ? this.#startProvider() : void this.#stopLeading()))
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
    this.#doc.off('update', this.#onDocUpdate)
    const closed = this.#stopLeading()
    this.#election.destroy()
    this.#channel.close()
    this.#events.clear()
    return closed
  }

  readonly #onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    this.#post({ type: 'update', update })
    // Until the leader reports on this change, `in sync` would be a promise nobody kept yet.
    if (!this.#provider && this.#status.kind === 'in-sync') this.#setStatus({ kind: 'syncing', pending: 1 })
  }

  #receive(message: TabMessage): void {
    switch (message.type) {
      case 'update':
        Y.applyUpdate(this.#doc, message.update, this)
        break
      case 'state-vector': {
        const missing = Y.encodeStateAsUpdate(this.#doc, message.stateVector)
        if (missing.length > 2) this.#post({ type: 'update', update: missing })
        if (!message.reply) this.#post({ type: 'state-vector', stateVector: Y.encodeStateVector(this.#doc), reply: true })
        break
      }
      case 'status':
        if (!this.#provider) this.#setStatus(message.status)
        break
      case 'status-query':
        if (this.#provider) this.#post({ type: 'status', status: this.#status })
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
    const provider = new SyncProvider(this.#doc, this.#docName, this.#connection)
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

  #setStatus(status: SyncStatus): void {
    if (this.#provider) this.#post({ type: 'status', status })
    if (sameStatus(status, this.#status)) return
    this.#status = status
    this.#events.emit('status', status)
  }

  #post(message: TabMessage): void {
    this.#channel.postMessage(message)
  }
}
