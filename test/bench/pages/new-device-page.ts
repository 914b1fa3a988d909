/**
 * What the Chromium new-device bench runs in a page: Ferry's client on the browser's own
 * IndexedDB and WebSocket — a `Workspace` of one account syncing through the URLs `RelayApi`
 * builds — until its honest status says in sync with the index listing every collection.
 */
import type { UserId } from '@ferry/protocol'
import { AccountStore } from '../../../packages/client/src/account-store.ts'
import { RelayApi } from '../../../packages/client/src/relay-api.ts'
import type { SyncConnection, WebSocketLike } from '../../../packages/client/src/sync/types.ts'
import { Workspace } from '../../../packages/client/src/workspace.ts'

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
  const connection: SyncConnection = {
    url: (name, token) => relay.syncUrl(name, token, true),
    muxUrl: (token) => relay.muxUrl(token),
    token: () => Promise.resolve(run.token),
    refreshToken: () => Promise.resolve(run.token),
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    online: null,
  }
  const startedAt = performance.now()
  const workspace = await Workspace.open({ owner: run.owner as UserId, indexedDB, store, sync: connection, tabs: null })
  const inSync = () => workspace.status.kind === 'in-sync' && workspace.index.collections().length === run.collections
  try {
    await new Promise<void>((resolve, reject) => {
      if (inSync()) return resolve()
      const timer = setTimeout(() => reject(new Error(`not in sync after ${run.timeoutMs} ms: ${JSON.stringify(workspace.status)}`)), run.timeoutMs)
      const stop = workspace.onStatus(() => {
        if (!inSync()) return
        clearTimeout(timer)
        stop()
        resolve()
      })
    })
    return performance.now() - startedAt
  } finally {
    await workspace.destroy()
    store.close()
  }
}
