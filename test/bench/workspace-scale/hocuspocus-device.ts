/**
 * A Hocuspocus device of the workspace-scale benchmark: `@hocuspocus/provider` 3, one
 * `HocuspocusProvider` per doc on one shared `HocuspocusProviderWebsocket` (Hocuspocus'
 * multiplexing: one socket per account), default reconnect backoff. It syncs what a Ferry
 * device syncs, the same way round: the index, environments and history first, then every
 * collection the index lists (read with `@ferry/schema`'s `WorkspaceIndex`). "In sync": every
 * provider received the server's answer to its sync step 1 (its `synced`).
 *
 * `local: true` makes it local-first like Ferry's client: each doc is loaded from and stored in
 * its own IndexedDB database (y-indexeddb on fake-indexeddb, as Ferry's `LocalDoc`) before its
 * provider attaches; `local: false` is a stock in-memory Hocuspocus client.
 *
 * Providers get no awareness (Ferry's client publishes none for these docs either, and the
 * provider's default one sends an awareness update per doc on connect and every 15 s), so the
 * socket's "no message for `messageReconnectTimeout`" check, which relies on that traffic, is
 * pushed out of the way (10 min) — Ferry's client probes an idle socket instead.
 */
import { IDBFactory } from 'fake-indexeddb'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { WebSocket } from 'ws'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import { WorkspaceIndex } from '@ferry/schema'
import { withIndexedDB } from '../../../packages/client/src/idb.ts'
import { waitFor } from './bench-client.ts'
import type { Device } from './ferry-device.ts'
import type { ServerProcess } from './servers.ts'
import { SocketLog } from './socket-log.ts'
import type { Tokens } from './tokens.ts'

interface OpenDoc {
  readonly provider: HocuspocusProvider
  readonly persistence: IndexeddbPersistence | null
}

export async function openHocuspocusDevice(server: ServerProcess, user: string, tokens: Tokens, collections: number, local: boolean): Promise<Device> {
  const sockets = new SocketLog()
  class TrackedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url)
      sockets.track(this, false)
    }
  }
  const startedAt = performance.now()
  const socket = new HocuspocusProviderWebsocket({ url: server.wsUrl, WebSocketPolyfill: TrackedWebSocket, messageReconnectTimeout: 600_000 })
  const indexedDB = local ? new IDBFactory() : null
  const docs = new Map<string, OpenDoc>()
  // Providers whose doc is in sync; the provider emits `synced` only for true, so a socket close clears them all.
  const synced = new Set<string>()
  const listeners = new Set<() => void>()
  const wakeAll = () => listeners.forEach((wake) => wake())
  const subscribe = (wake: () => void) => {
    listeners.add(wake)
    return () => listeners.delete(wake)
  }
  const token = tokens(user)

  async function add(name: string): Promise<HocuspocusProvider> {
    const document = new Y.Doc()
    let persistence: IndexeddbPersistence | null = null
    if (indexedDB) {
      persistence = withIndexedDB(indexedDB, () => new IndexeddbPersistence(name, document))
      await persistence.whenSynced
    }
    const provider = new HocuspocusProvider({ websocketProvider: socket, name, document, token: () => token, awareness: null })
    provider.on('synced', () => {
      synced.add(name)
      wakeAll()
    })
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => sockets.refuse(name, reason))
    docs.set(name, { provider, persistence })
    provider.attach()
    return provider
  }

  socket.on('close', () => {
    synced.clear()
    wakeAll()
  })
  const [index] = await Promise.all([add(`${user}:workspace`), add(`${user}:environments`), add(`${user}:history`)])
  const total = collections + 3
  const inSync = () => docs.size === total && synced.size === total
  // The rest once the index arrived (and whenever it changes, as Ferry's workspace does).
  void waitFor(() => index.synced, subscribe, 600_000, `${user}'s index`).then(async () => {
    sockets.mark('index in sync')
    const ids = new WorkspaceIndex(index.document).collections().map((c) => c.id)
    await Promise.all(ids.map((id) => add(`${user}:collection:${id}`)))
    sockets.mark(`${ids.length} collections attached`)
    wakeAll()
  })
  return {
    user,
    sockets,
    startedAt,
    inSync,
    timeline: () => sockets.timeline(startedAt),
    whenInSync: (timeoutMs) => waitFor(inSync, subscribe, timeoutMs, `${user} in sync on Hocuspocus`),
    whenOutOfSync: (timeoutMs) => waitFor(() => synced.size < total, subscribe, timeoutMs, `${user} out of sync on Hocuspocus`),
    close: async () => {
      for (const { provider } of docs.values()) provider.destroy()
      socket.destroy()
      await Promise.all(
        [...docs.values()].map(async ({ provider, persistence }) => {
          if (!persistence) return
          await persistence.destroy()
          provider.document.destroy()
        }),
      )
    },
  }
}
