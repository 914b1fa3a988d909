/**
 * Tests only: simulated devices for workspaces on the in-memory relay (fake-relay.ts) — each
 * its own fake IndexedDB — and the relay-side seeding of an account another device filled.
 */
import { docName, type DocName, type UserId } from '@ferry/protocol'
import { Collection, WorkspaceIndex } from '@ferry/schema'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, expect, vi } from 'vitest'
import { AccountStore } from '../../account-store.ts'
import { describeStatus } from '../../sync-status.ts'
import { Workspace } from '../../workspace.ts'
import type { TabSyncOptions } from '../../tab-sync.ts'
import type { SyncConnection } from '../types.ts'
import type { FakeRelay } from './fake-relay.ts'

// y-indexeddb (through lib0) reads IDBKeyRange from the global scope, as in a browser.
;(globalThis as { IDBKeyRange?: unknown }).IDBKeyRange ??= IDBKeyRange

export interface ConnectionOptions {
  /** False: a connection without a multiplexed URL (per-doc sockets only). */
  readonly mux?: boolean
  /** The token handed out; `refreshToken` hands out `refreshed`. */
  readonly token?: string
  readonly refreshed?: string
  readonly random?: () => number
  readonly minMs?: number
  readonly maxMs?: number
  readonly liveness?: { idleMs: number; timeoutMs: number }
  /** Where the browser's `online` event would fire (none by default). */
  readonly online?: EventTarget
}

export function connectionTo(relay: FakeRelay, options: ConnectionOptions = {}): SyncConnection & { refreshes: number } {
  let token = options.token ?? 'token'
  const connection = {
    refreshes: 0,
    url: (name: DocName, t: string) => `ws://relay.test/v1/sync/${name}?token=${t}&ack=1`,
    ...(options.mux === false ? {} : { muxUrl: (t: string) => `ws://relay.test/v1/mux?v=1&token=${t}` }),
    token: async () => token,
    refreshToken: async () => {
      connection.refreshes++
      token = options.refreshed ?? 'refreshed'
      return token
    },
    createSocket: relay.createSocket,
    backoff: { minMs: options.minMs ?? 5, maxMs: options.maxMs ?? 40, ...(options.random ? { random: options.random } : {}) },
    online: options.online ?? null,
    liveness: options.liveness ?? null,
  }
  return connection
}

export interface Device {
  readonly indexedDB: IDBFactory
  readonly store: AccountStore
  open(owner: string, connection: SyncConnection | null, tabs?: TabSyncOptions): Promise<Workspace>
  /** Closes every workspace opened on the device, then its account store. */
  close(): Promise<void>
}

/** A device; given the `indexedDB` of another, a second tab of that browser (its own account store). */
export async function fakeDevice(indexedDB = new IDBFactory()): Promise<Device> {
  const store = await AccountStore.open(indexedDB)
  const opened: Workspace[] = []
  return {
    indexedDB,
    store,
    async open(owner, connection, tabs) {
      const workspace = await Workspace.open({ owner: owner as UserId, indexedDB, store, sync: connection, tabs: tabs ?? null })
      opened.push(workspace)
      return workspace
    },
    async close() {
      for (const workspace of opened.splice(0)) await workspace.destroy()
      store.close()
    },
  }
}

/** Fills `owner`'s account on the relay as another device would: `count` collections of `requests` requests each. */
export function seedAccount(relay: FakeRelay, owner: string, count: number, requests = 2): string[] {
  const ids = Array.from({ length: count }, (_, i) => `c${i}`)
  relay.write(docName(owner, 'workspace'), (doc) => {
    const index = new WorkspaceIndex(doc)
    for (const id of ids) index.addCollection(`Collection ${id}`, id)
  })
  for (const id of ids) {
    relay.write(docName(owner, 'collection', id), (doc) => {
      const collection = new Collection(doc)
      for (let r = 0; r < requests; r++) collection.add({ kind: 'request', name: `${id} request ${r}`, url: `https://api.test/${id}/${r}` })
    })
  }
  return ids
}

/** How a test file makes devices (see fakeDevice): each one made is closed after every test. */
export function fakeDevices(): (indexedDB?: IDBFactory) => Promise<Device> {
  const made: Device[] = []
  afterEach(async () => {
    for (const device of made.splice(0)) await device.close()
  })
  return async (indexedDB) => {
    const device = await fakeDevice(indexedDB)
    made.push(device)
    return device
  }
}

/** Resolves once `workspace` says "in sync" (every listed doc here and acknowledged). */
export function untilInSync(workspace: Workspace, timeout = 10_000): Promise<void> {
  return vi.waitFor(() => expect(describeStatus(workspace.status)).toBe('in sync'), { timeout, interval: 5 })
}
