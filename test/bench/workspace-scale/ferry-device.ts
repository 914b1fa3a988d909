/**
 * A Ferry device of the workspace-scale benchmark: Ferry's real client — a `Workspace` of one
 * account on its own fake-indexeddb, syncing through the URLs `FerryClient` builds (`RelayApi`:
 * the account's one `/v1/mux` socket, `/v1/sync` as the fallback), with the client's default
 * backoff and liveness. Only sign-in is skipped: the access token comes from `tokens.ts`. "In
 * sync" is the client's own honest status (`in-sync`: every doc the account lists is here and
 * acknowledged), with the index listing every collection.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { WebSocket } from 'ws'
import type { UserId } from '@ferry/protocol'
import { AccountStore } from '../../../packages/client/src/account-store.ts'
import { RelayApi } from '../../../packages/client/src/relay-api.ts'
import type { WebSocketLike } from '../../../packages/client/src/sync/types.ts'
import { Workspace } from '../../../packages/client/src/workspace.ts'
import { allInSync, benchConnection, waitFor } from './bench-client.ts'
import type { ServerProcess } from './servers.ts'
import { SocketLog } from './socket-log.ts'
import type { Tokens } from './tokens.ts'

;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

export interface Device {
  readonly user: string
  readonly sockets: SocketLog
  /** performance.now() when the device started syncing (after its browser-level setup). */
  readonly startedAt: number
  inSync(): boolean
  /** Resolves once the device is in sync (at once when it is). */
  whenInSync(timeoutMs: number): Promise<void>
  /** What happened when, ms after `startedAt` (sockets opening, opens sent, the index in sync…). */
  timeline(): Record<string, number>
  /** Resolves once the device no longer counts as in sync (its server went away). */
  whenOutOfSync(timeoutMs: number): Promise<void>
  close(): Promise<void>
}

export interface FerryDevice extends Device {
  readonly workspace: Workspace
}

export async function openFerryDevice(server: ServerProcess, user: string, tokens: Tokens, collections: number): Promise<FerryDevice> {
  const indexedDB = new IDBFactory()
  const store = await AccountStore.open(indexedDB)
  const relay = new RelayApi({ baseUrl: `http://127.0.0.1:${server.port}` })
  const sockets = new SocketLog()
  const connection = benchConnection(relay, () => tokens(user), (url) => {
    const ws = new WebSocket(url)
    sockets.track(ws, new URL(url).pathname === '/v1/mux')
    return ws as unknown as WebSocketLike
  })
  const startedAt = performance.now()
  const workspace = await Workspace.open({ owner: user as UserId, indexedDB, store, sync: connection, tabs: null })
  sockets.mark('workspace open (index loaded locally)')
  const indexName = workspace.docName('workspace')
  const indexInSync = () => workspace.docStatus(indexName).kind === 'in-sync'
  void waitFor(indexInSync, (wake) => workspace.onStatus(wake), 600_000, 'index').then(() => sockets.mark('index in sync'), () => undefined)
  const inSync = () => allInSync(workspace, collections)
  const onStatus = (wake: () => void) => workspace.onStatus(wake)
  return {
    user,
    sockets,
    startedAt,
    workspace,
    inSync,
    timeline: () => sockets.timeline(startedAt),
    whenInSync: (timeoutMs) => waitFor(inSync, onStatus, timeoutMs, `${user} in sync on Ferry`),
    whenOutOfSync: (timeoutMs) => waitFor(() => workspace.status.kind !== 'in-sync', onStatus, timeoutMs, `${user} out of sync on Ferry`),
    close: async () => {
      await workspace.destroy()
      store.close()
    },
  }
}
