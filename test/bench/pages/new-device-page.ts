/**
 * What the Chromium new-device bench runs in a page: Ferry's client on the browser's own
 * IndexedDB and WebSocket — a `Workspace` of one account syncing through the URLs `RelayApi`
 * builds — until its honest status says in sync with the index listing every collection.
 */
import type { UserId } from '@ferry/protocol'
import { AccountStore } from '../../../packages/client/src/account-store.ts'
import { RelayApi } from '../../../packages/client/src/relay-api.ts'
import type { WebSocketLike } from '../../../packages/client/src/sync/types.ts'
import { Workspace } from '../../../packages/client/src/workspace.ts'
import { allInSync, benchConnection, waitFor } from '../workspace-scale/bench-client.ts'

export interface NewDeviceRun {
  baseUrl: string
  token: string
  owner: string
  collections: number
  timeoutMs: number
}

/** Syncs a new device (this page's empty IndexedDB) until in sync; resolves with the ms it took. */
export async function newDevice(run: NewDeviceRun): Promise<number> {
  const store = await AccountStore.open(indexedDB)
  const relay = new RelayApi({ baseUrl: run.baseUrl })
  const connection = benchConnection(relay, () => Promise.resolve(run.token), (url) => new WebSocket(url) as unknown as WebSocketLike)
  const startedAt = performance.now()
  const workspace = await Workspace.open({ owner: run.owner as UserId, indexedDB, store, sync: connection, tabs: null })
  try {
    await waitFor(() => allInSync(workspace, run.collections), (wake) => workspace.onStatus(wake), run.timeoutMs, 'in sync').catch((error: Error) => {
      throw new Error(`${error.message}; the status is ${JSON.stringify(workspace.status)}`)
    })
    return performance.now() - startedAt
  } finally {
    await workspace.destroy()
    store.close()
  }
}
