/**
 * One-off measurement for issue 14 (not part of `npm test`): how long a new device takes to
 * reach an honest `in sync` for an account of 300 collections × 20 requests, against a real
 * relay, with one socket per doc versus the account's one multiplexed socket.
 *
 *   npx tsx scripts/new-device-sync-time.ts [collections] [requests] [rounds]
 */
import { docName, type UserId } from '@ferry/protocol'
import { IDBFactory } from 'fake-indexeddb'
import WebSocket from 'ws'
import { AccountStore } from '../packages/client/src/account-store.ts'
import { describeStatus, type SyncConnection, type WebSocketLike } from '../packages/client/src/index.ts'
import { Workspace } from '../packages/client/src/workspace.ts'
import { createDevice } from '../test/helpers/client-devices.ts'
import { startRelay, type TestRelay } from '../test/helpers/relay.ts'
import { sessionToken } from '../test/helpers/sessions.ts'

const [collections, requests, rounds] = [Number(process.argv[2] ?? 300), Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 2)]

function connection(relay: TestRelay, userId: string, mux: boolean, sockets: { peak: number; open: number }): SyncConnection {
  const token = () => sessionToken(relay, userId)
  return {
    url: (name, t) => `${relay.wsUrl}/v1/sync/${name}?token=${t}&ack=1`,
    ...(mux ? { muxUrl: (t: string) => `${relay.wsUrl}/v1/mux?v=1&token=${t}` } : {}),
    token,
    refreshToken: token,
    createSocket: (url) => {
      const socket = new WebSocket(url)
      sockets.open++
      sockets.peak = Math.max(sockets.peak, sockets.open)
      socket.on('close', () => sockets.open--)
      socket.on('error', () => {})
      return socket as unknown as WebSocketLike
    },
    online: null,
    liveness: null,
  }
}

async function newDevice(relay: TestRelay, userId: string, mux: boolean): Promise<{ ms: number; peakSockets: number; firstProgress: string | null }> {
  const indexedDB = new IDBFactory()
  const store = await AccountStore.open(indexedDB)
  const sockets = { peak: 0, open: 0 }
  const started = performance.now()
  const workspace = await Workspace.open({ owner: userId as UserId, indexedDB, store, sync: connection(relay, userId, mux, sockets), tabs: null })
  let firstProgress: string | null = null
  await new Promise<void>((resolve) => {
    const check = () => {
      const label = describeStatus(workspace.status)
      if (firstProgress === null && / of \d+/.test(label)) firstProgress = label
      if (label === 'in sync') resolve()
    }
    workspace.onStatus(check)
    check()
  })
  const ms = performance.now() - started
  if (workspace.loadedDocs().length !== collections + 3) throw new Error(`in sync with ${workspace.loadedDocs().length} docs loaded`)
  await workspace.destroy()
  store.close()
  return { ms, peakSockets: sockets.peak, firstProgress }
}

const relay = await startRelay({ CONNECTIONS_PER_MINUTE_PER_IP: '100000', SYNC_PING_INTERVAL_MS: '0' })
try {
  const userId = 'measure'
  // The account, filled as another device would: written through one workspace.
  const seeder = createDevice('seeder')
  const seedStore = await AccountStore.open(seeder.indexedDB)
  const seed = await Workspace.open({ owner: userId as UserId, indexedDB: seeder.indexedDB, store: seedStore, sync: connection(relay, userId, true, { peak: 0, open: 0 }), tabs: null })
  for (let i = 0; i < collections; i++) {
    const id = await seed.createCollection(`Collection ${i}`)
    const collection = await seed.collection(id)
    for (let r = 0; r < requests; r++) collection.add({ kind: 'request', name: `Request ${r}`, method: 'GET', url: `https://api.test/${i}/${r}?page=1` })
  }
  await new Promise<void>((resolve) => {
    const check = () => describeStatus(seed.status) === 'in sync' && resolve()
    seed.onStatus(check)
    check()
  })
  await seed.destroy()
  seedStore.close()
  await relay.app.sync.flush()
  console.log(`account: ${collections} collections × ${requests} requests (+ index, environments, history); relay ${relay.url}; doc ${docName(userId, 'workspace')}`)

  for (let round = 0; round < rounds; round++) {
    for (const mux of [false, true]) {
      const result = await newDevice(relay, userId, mux)
      console.log(`${mux ? 'mux    ' : 'per-doc'}  ${result.ms.toFixed(0).padStart(6)} ms to in sync, peak ${result.peakSockets} sockets, first progress: ${result.firstProgress}`)
    }
  }
} finally {
  await relay.close(true)
}
process.exit(0)
