/**
 * What a benchmark device of Ferry's real client is made of, in Node (ferry-device.ts) and in
 * Chromium (pages/new-device-page.ts) alike — so nothing here may import Node-only modules: the
 * sync connection (the URLs `RelayApi` builds, a token without signing in), the honest
 * "in sync", and a wait on a condition.
 */
import type { RelayApi } from '../../../packages/client/src/relay-api.ts'
import type { SyncConnection, WebSocketLike } from '../../../packages/client/src/sync/types.ts'
import type { Workspace } from '../../../packages/client/src/workspace.ts'

export function benchConnection(relay: RelayApi, token: () => Promise<string>, createSocket: (url: string) => WebSocketLike): SyncConnection {
  return {
    url: (name, token) => relay.syncUrl(name, token, true),
    muxUrl: (token) => relay.muxUrl(token),
    token,
    refreshToken: token,
    createSocket,
    online: null,
  }
}

/** In sync as the client says it (every listed doc here and acknowledged), with the index listing every collection. */
export function allInSync(workspace: Workspace, collections: number): boolean {
  return workspace.status.kind === 'in-sync' && workspace.index.collections().length === collections
}

export function waitFor(check: () => boolean, subscribe: (wake: () => void) => () => void, timeoutMs: number, what: string): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`timed out after ${timeoutMs} ms: ${what}`))
    }, timeoutMs)
    const stop = subscribe(() => {
      if (!check()) return
      clearTimeout(timer)
      stop()
      resolve()
    })
  })
}
